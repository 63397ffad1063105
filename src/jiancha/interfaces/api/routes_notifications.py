"""Notifications (R-SIG-8): the outbox, to see what was sent, what waits and what was given up on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from jiancha.interfaces.api.deps import database
from jiancha.services import notifications
from jiancha.store.database import Database

router = APIRouter(tags=["notifications"])


@router.get("/notifications", summary="Messages sent, waiting (with their next attempt) or given up on")
def get_notifications(
    db: Annotated[Database, Depends(database)],
    state: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    total, counts, rows = notifications.list_notifications(db, state, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "counts": counts, "notifications": rows}
