"""The clock sweep (DESIGN.md, Time): visit only the cases whose next_check_at has come.

Its cost grows with what is due, not with what is open. Due cases are claimed a chunk at a time:
read under the chain's lock, which every writer of cases holds, locked until the chunk commits, and
moved to their next check with one statement, so two workers never handle the same threshold
twice. The time rules of the pack in force are evaluated on the claimed cases, from their stored
state when that is what their events fold to, and each signal is stamped with the instant its
threshold passed — after downtime too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import (
    CaseState,
    Deadlines,
    disclosure_dates,
    next_threshold,
    warning_dates,
)
from jiancha.domain.timeutil import utcnow
from jiancha.services import (
    complaints,
    evasion,
    like_cases,
    monitors,
    notices,
    openness,
    packs,
    signals,
    vehicles,
)
from jiancha.store import calendar as calendar_store
from jiancha.store.bulk import update_many
from jiancha.store.cases import DUE_COLUMNS, STATE_COLUMNS, state_of
from jiancha.store.database import Database
from jiancha.store.ledger import lock
from jiancha.store.tables import cases


def sweep(db: Database, now: datetime | None = None, limit: int = 5000) -> int:
    """Advance every case due by `now`; returns how many this call handled."""
    now = now or utcnow()
    handled = 0
    while True:
        with db.write() as conn:
            # Every writer of cases (ingestion, registration, calendar loads) holds the chain's lock,
            # and raising signals needs it: taken first, a second worker reads the due cases only
            # once this chunk is committed, and no ingester waits on a case row the sweep holds.
            lock(conn)
            calendar = calendar_store.load(conn)
            claimed = _claim(conn, now, limit)
            # Each case is judged by its department's pack (R-SIG-7).
            judges = packs.for_departments(conn, {r.department_code for r in claimed})
            thresholds = {p.pack: (p.warnings(), p.disclosure()) for p in judges.values()}
            update_many(
                conn,
                cases,
                "id",
                [
                    {
                        "id": r.id,
                        "next_check_at": _next_check(
                            r, *thresholds[judges[r.department_code].pack], calendar, now
                        ),
                    }
                    for r in claimed
                ],
            )
            handled += len(claimed)
            stored = {r.id: fold for r in claimed if (fold := _stored_fold(r, now, calendar)) is not None}
            by_pack: dict[str, list[int]] = {}
            for r in claimed:
                by_pack.setdefault(judges[r.department_code].pack, []).append(int(r.id))
            for name, ids in sorted(by_pack.items()):
                pack = next(p for p in judges.values() if p.pack == name)
                signals.raise_signals(conn, pack, ids, calendar, now, timed_only=True, folded=stored)
        if len(claimed) < limit:
            with db.write() as conn:
                # A yellow escalates by the pack that raised it.
                for name in sorted(signals.packs_with_escalations_due(conn, now)):
                    signals.escalate_due(conn, packs.by_name(name), now)
                evasion.watch(conn, calendar, now)
                notices.watch(conn, now)
                complaints.watch(conn, now)
            # The pre-disclosure checks and like cases, once a day, in transactions of their own.
            openness.watch(db, now)
            like_cases.watch(db, now)
            # Vehicle episodes waiting for their end whose vehicle fell silent (R-MON-3).
            vehicles.watch(db, now)
            # The monitors' checks time alone can change (R-MON-4..10), once a day.
            monitors.watch(db, now)
            return handled


def _claim(conn: Connection, now: datetime, limit: int) -> Sequence[Any]:
    """The earliest due cases, at most `limit`, with their state, locked until the transaction ends
    (PostgreSQL: FOR UPDATE; SQLite: the write transaction holds the database)."""
    return conn.execute(
        select(*(cases.c[name] for name in ["id", "department_code", *STATE_COLUMNS, *DUE_COLUMNS]))
        .where(cases.c.next_check_at <= now)
        .order_by(cases.c.next_check_at, cases.c.id)
        .limit(limit)
        .with_for_update()
    ).all()


def _next_check(
    row: Any,
    warn: tuple[tuple[str, int], ...],
    disclose: tuple[int, ...],
    calendar: WorkCalendar,
    now: datetime,
) -> datetime | None:
    """The case's first threshold after `now`: a due date's start or end, a warning's start, or
    the end of the days its result had to be published in."""
    dues = {"step": row.step_due, "promised": row.promised_due, "legal": row.legal_due}
    early = warning_dates(dues, warn, calendar)
    result_at = row.decided_at or (row.completed_at if row.status == "completed" else None)
    publish_by = disclosure_dates(result_at, row.published_at, disclose, calendar)
    return next_threshold((row.step_due, row.promised_due, row.legal_due, *early, *publish_by), now)


def _stored_fold(row: Any, now: datetime, calendar: WorkCalendar) -> tuple[CaseState, Deadlines] | None:
    """The case's state and due dates as stored, when they are what folding its events as of `now`
    gives: every event has happened by then, and no year it counted Monday–Friday has a schedule
    now (loading a year recomputes the cases it touches; seeding a missing year does not)."""
    if row.last_event_at is not None and row.last_event_at > now:
        return None
    if any(calendar.covers(int(year)) for year in row.calendar_fallback.split(",") if year):
        return None
    return state_of(row), Deadlines(row.legal_due, row.promised_due, row.step_due, None)
