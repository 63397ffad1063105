"""The ledger (R-AUD-1): verify the chain, read entries; the supervision ledger view (R-SUP-3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import PlausibleDay, iso_local
from jiancha.interfaces.api.access import Reader, SignedIn, top_level_only
from jiancha.interfaces.api.deps import database
from jiancha.services import integrity, work_ledger
from jiancha.store.database import Database
from jiancha.store.tables import ledger

router = APIRouter(tags=["ledger"])


@router.get("/ledger/verify")
def verify(_: SignedIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    report = integrity.check(db)
    return report.as_dict()


@router.get("/ledger/entries")
def entries(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    top_level_only(who)
    with db.read() as conn:
        rows = conn.execute(
            select(ledger).where(ledger.c.seq > after).order_by(ledger.c.seq).limit(limit)
        ).all()
    return {
        "entries": [
            {
                "seq": r.seq,
                "kind": r.kind,
                "ref": r.ref,
                "recorded_at": iso_local(r.recorded_at),
                "encoding": r.encoding,
                "payload": bytes(r.payload).decode(),
                "prev_hash": bytes(r.prev_hash).hex(),
                "entry_hash": bytes(r.entry_hash).hex(),
            }
            for r in rows
        ]
    }


@router.get(
    "/supervision/ledger",
    summary="The supervision ledger (动态监察台账), as JSON or CSV",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def supervision_ledger(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(work_ledger.KINDS) + ")$")] = None,
    start: Annotated[PlausibleDay | None, Query(alias="from")] = None,
    end: Annotated[PlausibleDay | None, Query(alias="to")] = None,
    ref: Annotated[str | None, Query(max_length=300)] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    top_level_only(who)  # ledger entries do not yet carry their department
    found = work_ledger.rows(db, work_ledger.LedgerFilter(kind, start, end, ref), after, limit)
    if format == "csv":
        # A file leaves the platform: that needs the unit leader's approval (R-SEC-2).
        raise Rejected(
            "export_needs_approval",
            "导出须经本单位负责人批准：请通过 POST /api/v1/exports 申请",
            "an export needs the unit leader's approval: ask through POST /api/v1/exports",
            status=403,
        )
    return {"entries": found, "next_after": found[-1]["seq"] if found else after}
