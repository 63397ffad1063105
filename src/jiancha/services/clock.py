"""The clock sweep (DESIGN.md, Time): visit only the cases whose next_check_at has come.

Its cost grows with what is due, not with what is open. Each case is claimed with a conditional
UPDATE on the value read, so two workers never handle the same threshold twice; the time rules of
the pack in force are evaluated on the claimed cases, and each signal is stamped with the instant
its threshold passed — after downtime too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update

from jiancha.domain.clock.deadlines import disclosure_dates, next_threshold, warning_dates
from jiancha.domain.timeutil import utcnow
from jiancha.services import evasion, packs, signals
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.tables import cases


def sweep(db: Database, now: datetime | None = None, limit: int = 5000) -> int:
    """Advance every case due by `now`; returns how many this call handled."""
    now = now or utcnow()
    pack = packs.active()
    warn, disclose = pack.warnings(), pack.disclosure()
    handled = 0
    while True:
        with db.write() as conn:
            calendar = calendar_store.load(conn)
            due = conn.execute(
                select(
                    cases.c.id,
                    cases.c.next_check_at,
                    cases.c.legal_due,
                    cases.c.promised_due,
                    cases.c.step_due,
                    cases.c.status,
                    cases.c.decided_at,
                    cases.c.completed_at,
                    cases.c.published_at,
                )
                .where(cases.c.next_check_at <= now)
                .order_by(cases.c.next_check_at)
                .limit(limit)
            ).all()
            claimed_ids = []
            for row in due:
                dues = (row.step_due, row.promised_due, row.legal_due)
                early = warning_dates(
                    {"step": row.step_due, "promised": row.promised_due, "legal": row.legal_due},
                    warn,
                    calendar,
                )
                result_at = row.decided_at or (row.completed_at if row.status == "completed" else None)
                publish_by = disclosure_dates(result_at, row.published_at, disclose, calendar)
                following = next_threshold((*dues, *early, *publish_by), now)
                claimed = conn.execute(
                    update(cases)
                    .where(and_(cases.c.id == row.id, cases.c.next_check_at == row.next_check_at))
                    .values(next_check_at=following)
                ).rowcount
                if claimed:
                    claimed_ids.append(int(row.id))
            handled += len(claimed_ids)
            signals.raise_signals(conn, pack, claimed_ids, calendar, now, timed_only=True)
        if len(due) < limit:
            with db.write() as conn:
                signals.escalate_due(conn, pack, now)
                evasion.watch(conn, pack, calendar, now)
            return handled
