"""Notifications (R-SIG-8): the outbox, to see what was sent, what waits and what was given up on."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.interfaces.api.access import Manager
from jiancha.interfaces.api.deps import database
from jiancha.interfaces.api.errors import not_found
from jiancha.services import notifications
from jiancha.store.database import Database

router = APIRouter(tags=["notifications"])


@router.get("/notifications", summary="Messages sent, waiting (with their next attempt) or given up on")
def get_notifications(
    _: Manager,
    db: Annotated[Database, Depends(database)],
    state: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    total, counts, rows = notifications.list_notifications(db, state, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "counts": counts, "notifications": rows}


class SubscriptionIn(BaseModel):
    """Who is told what, and how: a role (optionally only about one department) or one user, told
    of signals (optionally of one colour or rule family), notices or complaints."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    audience: Literal["role", "user"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["signal", "notice", "complaint"] = "signal"
    channel: Literal["file", "webhook", "sms", "email", "dingtalk", "wecom"]
    address: Annotated[str, Field(min_length=1, max_length=500)]
    department_code: Annotated[str | None, Field(pattern=CODE_PATTERN)] = None
    colour: Literal["green", "yellow", "red"] | None = None
    family: Annotated[str | None, Field(max_length=32)] = None


@router.get(
    "/notifications/subscriptions", summary="Who is told what (the active ones; ?inactive=true for all)"
)
def get_subscriptions(
    _: Manager, db: Annotated[Database, Depends(database)], inactive: bool = False
) -> dict[str, Any]:
    rows = notifications.list_subscriptions(db, active_only=not inactive)
    return {"total": len(rows), "subscriptions": rows}


@router.post("/notifications/subscriptions", status_code=201, summary="Tell someone of something")
def post_subscription(
    _: Manager, body: SubscriptionIn, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    sub_id = notifications.subscribe(db, notifications.Subscription(**body.model_dump()))
    return next(s for s in notifications.list_subscriptions(db) if s["id"] == sub_id)


@router.delete("/notifications/subscriptions/{subscription_id}", summary="Stop telling (kept, inactive)")
def delete_subscription(
    _: Manager,
    subscription_id: Annotated[int, Path(ge=1, le=2**62)],
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    if not notifications.unsubscribe(db, subscription_id):
        raise not_found("订阅", "subscription")
    return {"id": subscription_id, "active": False}
