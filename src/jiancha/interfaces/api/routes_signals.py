"""Signals (R-SIG-1..6): read with filters; each carries its explanation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from jiancha.interfaces.api.deps import database
from jiancha.services import signals
from jiancha.store.database import Database

router = APIRouter(tags=["signals"])


@router.get("/signals")
def get_signals(
    db: Annotated[Database, Depends(database)],
    colour: Annotated[str | None, Query(pattern="^(green|yellow|red)$")] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    case_no: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    f = signals.SignalFilter(
        colour=colour, state=state, rule_id=rule, department_code=department, case_no=case_no
    )
    total, rows = signals.list_signals(db, f, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "counts": signals.counts(db), "signals": rows}
