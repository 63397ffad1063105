"""The clock sweep (DESIGN.md, Time): visit only the cases whose next_check_at has come.

Its cost grows with what is due, not with what is open. Each case is claimed with a conditional
UPDATE on the value read, so two workers never handle the same threshold twice. The rule engine
hangs its time rules on this sweep; here it moves each case on to its next threshold.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update

from jiancha.domain.clock.deadlines import next_threshold
from jiancha.domain.timeutil import utcnow
from jiancha.store.database import Database
from jiancha.store.tables import cases


def sweep(db: Database, now: datetime | None = None, limit: int = 5000) -> int:
    """Advance every case due by `now`; returns how many this call handled."""
    now = now or utcnow()
    handled = 0
    while True:
        with db.write() as conn:
            due = conn.execute(
                select(
                    cases.c.id,
                    cases.c.next_check_at,
                    cases.c.legal_due,
                    cases.c.promised_due,
                    cases.c.step_due,
                )
                .where(cases.c.next_check_at <= now)
                .order_by(cases.c.next_check_at)
                .limit(limit)
            ).all()
            for row in due:
                following = next_threshold((row.step_due, row.promised_due, row.legal_due), now)
                claimed = conn.execute(
                    update(cases)
                    .where(and_(cases.c.id == row.id, cases.c.next_check_at == row.next_check_at))
                    .values(next_check_at=following)
                ).rowcount
                handled += claimed
        if len(due) < limit:
            return handled
