"""Back-testing a pack (R-SIG-7): which signals would it have raised over a period? Writes nothing.

Cases received in the period are judged as of the period's end (or now, if earlier) with the
candidate pack and with the pack in force, and so are the watches (feeds silent in the period, idle
items in its whole months); the two are compared by rule, colour and department.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from jiancha.domain.rules.engine import evaluate, first_per_rule
from jiancha.domain.rules.model import Context
from jiancha.domain.rules.pack import Pack
from jiancha.domain.timeutil import end_of_local_day, start_of_local_day, utcnow
from jiancha.services import evasion, openness
from jiancha.services.signals import facts_of
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.tables import cases

CHUNK = 1000


@dataclass
class Tally:
    by_rule: Counter[str] = field(default_factory=Counter)
    by_colour: Counter[str] = field(default_factory=Counter)
    by_department: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_colour.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_rule": dict(sorted(self.by_rule.items())),
            "by_colour": dict(sorted(self.by_colour.items())),
            "by_department": dict(sorted(self.by_department.items())),
        }


def backtest(
    db: Database, candidate: Pack, in_force: Pack, start: date, end: date, now: datetime | None = None
) -> dict[str, Any]:
    judged_at = min(now or utcnow(), end_of_local_day(end))
    tallies = {candidate.pack: Tally(), in_force.pack: Tally()}
    packs = {candidate.pack: candidate, in_force.pack: in_force}
    cases_seen = 0
    with db.read() as conn:
        calendar = calendar_store.load(conn)
        ids = list(
            conn.execute(
                select(cases.c.id)
                .where(
                    cases.c.received_at >= start_of_local_day(start),
                    cases.c.received_at < end_of_local_day(end),
                )
                .order_by(cases.c.id)
            ).scalars()
        )
        for i in range(0, len(ids), CHUNK):
            for row, facts in facts_of(conn, ids[i : i + CHUNK]).values():
                cases_seen += 1
                ctx = Context(facts, calendar, judged_at)
                for name, pack in packs.items():
                    for f in first_per_rule(evaluate(pack.compiled(), ctx)):
                        t = tallies[name]
                        t.by_rule[f.rule_id] += 1
                        t.by_colour[f.colour.value] += 1
                        t.by_department[row.department_code] += 1
        # The watches (silent feeds, idle items, what departments published) over the same period.
        for name, pack in packs.items():
            watched = [
                *evasion.would_raise(conn, pack, calendar, start_of_local_day(start), judged_at),
                *openness.would_raise(conn, pack, calendar, start_of_local_day(start), judged_at),
            ]
            for found in watched:
                t = tallies[name]
                t.by_rule[found.rule.id] += 1
                t.by_colour[found.finding.colour.value] += 1
                t.by_department[found.department_code] += 1
    cand, current = tallies[candidate.pack], tallies[in_force.pack]
    departments = sorted(set(cand.by_department) | set(current.by_department))
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "judged_at": judged_at.isoformat()},
        "cases": cases_seen,
        "candidate": {"pack": candidate.pack, **cand.as_dict()},
        "in_force": {"pack": in_force.pack, **current.as_dict()},
        "difference": {
            "total": cand.total - current.total,
            "by_colour": {c: cand.by_colour[c] - current.by_colour[c] for c in ("green", "yellow", "red")},
            "by_department": {d: cand.by_department[d] - current.by_department[d] for d in departments},
        },
    }
