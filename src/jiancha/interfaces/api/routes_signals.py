"""Signals (R-SIG-1..6): read with filters; each carries its explanation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.access.roles import Capability
from jiancha.domain.errors import Rejected
from jiancha.domain.events import AttachmentRef
from jiancha.domain.rules.lifecycle import SignalState
from jiancha.domain.timeutil import PlausibleDay
from jiancha.interfaces.api.access import Handler, Reader, SignedIn, Tester, top_level_only
from jiancha.interfaces.api.deps import database
from jiancha.interfaces.api.errors import not_found
from jiancha.services import backtest, packs, signals
from jiancha.store.database import Database

router = APIRouter(tags=["signals"])


@router.get("/signals")
def get_signals(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    colour: Annotated[str | None, Query(pattern="^(green|yellow|red)$")] = None,
    state: Annotated[
        str | None, Query(max_length=20, description="a state, or `unresolved` (open or explained)")
    ] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    case_no: Annotated[str | None, Query(max_length=128)] = None,
    subject: Annotated[
        str | None, Query(max_length=200, description="the start of a watch's subject, e.g. vehicle:V-1/")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    f = signals.SignalFilter(
        colour=colour,
        state=state,
        rule_id=rule,
        department_code=department,
        case_no=case_no,
        subject=subject,
    )
    total, rows = signals.list_signals(db, f, limit, offset, who.scope)
    counts = signals.counts(db, who.scope)
    unresolved = signals.counts(db, who.scope, signals.UNRESOLVED_FILTER)
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "counts": counts,
        "unresolved": unresolved,  # still waiting for the department (open or explained), by colour
        "signals": rows,
    }


class Move(BaseModel):
    """A step in a signal's life: to the new state, by whom, and why (required to explain,
    confirm a fault or withdraw — 摘牌)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    to: SignalState
    by: Annotated[str, Field(max_length=200)] = ""  # ignored: the move is the signed-in caller's
    reason: Annotated[str, Field(max_length=5000)] = ""
    # Evidence given with the move (uploaded first to /api/v1/attachments), by name and hash.
    materials: Annotated[list[AttachmentRef], Field(max_length=50)] = []


@router.get("/signals/{signal_id}")
def get_signal(
    signal_id: Annotated[int, Path(ge=1, le=2**62)], who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    detail = signals.signal_detail(db, signal_id, who.scope)
    if detail is None:
        raise not_found("信号", "signal")
    return detail


@router.post(
    "/signals/{signal_id}/moves", summary="Explain, rectify, confirm a fault, withdraw (摘牌) or close"
)
def post_move(
    signal_id: Annotated[int, Path(ge=1, le=2**62)],
    move: Move,
    who: Handler,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    """A department explains or reports its rectification; the supervisor does the rest (sends an
    explanation back, confirms a fault, withdraws, closes)."""
    if signals.signal_detail(db, signal_id, who.scope) is None:
        raise not_found("信号", "signal")
    if not who.may(Capability.supervise) and move.to not in DEPARTMENT_MOVES:
        raise Rejected(
            "forbidden",
            f"部门只能说明或报告整改，不能转为 {move.to.value}",
            f"a department explains or rectifies; moving to {move.to.value} is the supervisor's",
            status=403,
        )
    return signals.move(db, signal_id, move.to, who.label, move.reason, materials=move.materials)


DEPARTMENT_MOVES = frozenset({SignalState.explained, SignalState.rectified})


@router.get("/packs", tags=["rule packs"])
def get_packs(_: SignedIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    active = packs.active()
    return {
        "in_force": active.pack,
        "regions": packs.of_regions(db),  # regions given a pack of their own (R-SIG-7)
        "packs": [
            {
                "pack": p.pack,
                "title_zh": p.title_zh,
                "title_en": p.title_en,
                "rules": len(p.rules),
                "included": len(p.included),  # rules of the families it takes from another pack
                "not_checkable": len(p.not_checkable),
            }
            for p in (packs.load(n) for n in packs.shipped())
        ],
    }


@router.get("/packs/{name}", tags=["rule packs"])
def get_pack(name: Annotated[str, Path(max_length=64)], _: SignedIn) -> dict[str, Any]:
    if name not in packs.shipped():
        raise not_found("规则包", "pack")
    return packs.load(name).model_dump(mode="json")


@router.get(
    "/packs/{name}/backtest",
    tags=["rule packs"],
    summary="Signals the pack would have raised; writes nothing",
)
def get_backtest(
    name: Annotated[str, Path(max_length=64)],
    who: Tester,
    db: Annotated[Database, Depends(database)],
    start: Annotated[PlausibleDay, Query(alias="from")],
    end: Annotated[PlausibleDay, Query(alias="to")],
) -> dict[str, Any]:
    top_level_only(who)
    if name not in packs.shipped():
        raise not_found("规则包", "pack")
    if end < start or (end - start).days > 3660:
        raise Rejected(
            "bad_period",
            "期间无效（起止颠倒或超过十年）",
            "the period is invalid (reversed or over ten years)",
        )
    return backtest.backtest(db, packs.load(name), packs.active(), start, end)
