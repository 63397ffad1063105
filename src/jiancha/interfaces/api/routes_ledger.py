"""The ledger (R-AUD-1): verify the chain, read entries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from jiancha.domain.timeutil import iso_local
from jiancha.interfaces.api.deps import database
from jiancha.services import integrity
from jiancha.store.database import Database
from jiancha.store.tables import ledger

router = APIRouter(tags=["ledger"])


@router.get("/ledger/verify")
def verify(db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    report = integrity.check(db)
    return report.as_dict()


@router.get("/ledger/entries")
def entries(
    db: Annotated[Database, Depends(database)],
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
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
