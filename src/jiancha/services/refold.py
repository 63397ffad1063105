"""Recompute cases from their stored events: after the calendar changes, and for verification.

A case's state is a pure fold of its events (domain.clock.deadlines), so it can always be
rebuilt; this is what makes a loaded holiday schedule correct the deadlines already computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseState, Limits, StepEvent, deadlines, fold
from jiancha.domain.events import Action
from jiancha.domain.rules.pack import Pack
from jiancha.domain.timeutil import end_of_local_day
from jiancha.services import packs
from jiancha.store import cases as case_store
from jiancha.store.tables import cases, events, item_versions


def folded(
    row: Any, steps: list[StepEvent], limits: Limits, calendar: WorkCalendar, judge: Pack | None = None
) -> dict[str, Any]:
    """The state columns a case should hold, given its events; the warnings and disclosure days of
    the pack that judges it (`judge`) are thresholds of its next check."""
    state = (
        fold(row.received_at, steps, limits, calendar) if steps else CaseState(received_at=row.received_at)
    )
    thresholds = (judge.warnings(), judge.disclosure()) if judge else ((), ())
    values = case_store.state_values(state, deadlines(state, limits, calendar, *thresholds))
    if row.voided:  # voided by an approved correction (R-AUD-2): kept, no longer watched
        values.update(status="voided", next_check_at=None)
    return values


def cases_with_events(
    conn: Connection, condition: Any = None
) -> Iterator[tuple[Any, list[StepEvent], Limits]]:
    """Each case (matching `condition`) with its events in order and the limits it is judged by,
    streamed in case order so memory stays flat however many cases there are."""
    query = select(cases, item_versions.c.content).join(
        item_versions, item_versions.c.id == cases.c.item_version_id
    )
    if condition is not None:
        query = query.where(condition)
    limits_cache: dict[int, Limits] = {}
    last_id = 0
    while True:
        rows = conn.execute(query.where(cases.c.id > last_id).order_by(cases.c.id).limit(2000)).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        by_case: dict[int, list[StepEvent]] = {i: [] for i in ids}
        evs = conn.execute(
            select(
                events.c.case_id, events.c.step, events.c.action, events.c.occurred_at, events.c.attributes
            )
            .where(events.c.case_id.between(ids[0], ids[-1]), events.c.voided.is_(False))
            .order_by(events.c.case_id, events.c.occurred_at, events.c.id)
        )
        for e in evs:
            if e.case_id in by_case:
                by_case[e.case_id].append(StepEvent(e.step, Action(e.action), e.occurred_at, e.attributes))
        for r in rows:
            if r.item_version_id not in limits_cache:
                limits_cache[r.item_version_id] = case_store.limits_of(r.content)
            yield r, by_case[r.id], limits_cache[r.item_version_id]
        last_id = ids[-1]


def refold_year(conn: Connection, year: int, calendar: WorkCalendar) -> int:
    """Recompute every case whose clock may run through `year`; returns how many changed."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    started = func.coalesce(cases.c.accepted_at, cases.c.received_at)
    overlapping = and_(
        started < end_of_local_day(last),
        or_(cases.c.legal_due >= first, cases.c.step_due >= first, cases.c.status == "suspended"),
    )
    return refold_cases(conn, overlapping, calendar)


def refold_cases(conn: Connection, condition: Any, calendar: WorkCalendar) -> int:
    """Recompute the cases matching `condition` (after a calendar change, or a corrected event);
    returns how many changed."""
    updates = []
    judges: dict[str, Pack] = {}
    for row, steps, limits in cases_with_events(conn, condition):
        if row.department_code not in judges:
            judges.update(packs.for_departments(conn, [row.department_code]))
        values = folded(row, steps, limits, calendar, judges[row.department_code])
        if any(getattr(row, k) != v for k, v in values.items()):
            updates.append({"id": row.id, **values})
    case_store.update_states(conn, updates)
    return len(updates)
