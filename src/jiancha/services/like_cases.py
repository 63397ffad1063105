"""Unequal treatment of like cases (同案不同罚, R-MON-1): the clock's daily run of the
`unequal_treatment` rules over the penalties decided, each department's decisions judged by its
pack among the like cases of every department judged by the same pack. A flagged decision's signal
is its case's, so the case page shows it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from jiancha.domain.rules.families.like_cases import FAMILY, Decision, unequal
from jiancha.domain.rules.families.penalty import amount
from jiancha.domain.timeutil import local_date
from jiancha.services import packs
from jiancha.services.signals import Subject, raise_on_subjects
from jiancha.store.bulk import upsert_insert
from jiancha.store.database import Database
from jiancha.store.tables import cases, departments, events, periodic_checks


def decisions(conn: Connection, since: datetime, until: datetime) -> list[Decision]:
    """The penalties decided in [since, until] with a fine, a clause and a circumstance."""
    rows = conn.execute(
        select(
            cases.c.id,
            cases.c.case_no,
            cases.c.department_code,
            cases.c.item_code,
            events.c.source_system,
            events.c.event_id,
            events.c.occurred_at,
            events.c.attributes,
        )
        .join_from(events, cases, cases.c.id == events.c.case_id)
        .where(
            events.c.action == "decide",
            events.c.occurred_at >= since,
            events.c.occurred_at <= until,
            ~events.c.voided,
            ~cases.c.voided,
        )
    ).all()
    found: list[Decision] = []
    for r in rows:
        attributes = r.attributes or {}
        fine: Decimal | None = amount(attributes.get("fine"))
        clause, circumstance = attributes.get("clause"), attributes.get("circumstance")
        if fine is None or not isinstance(clause, str) or not isinstance(circumstance, str):
            continue
        found.append(
            Decision(
                int(r.id),
                str(r.case_no),
                str(r.department_code),
                str(r.item_code),
                clause,
                circumstance,
                fine,
                r.occurred_at,
                f"{r.source_system}/{r.event_id}",
            )
        )
    return found


def watch(db: Database, now: datetime) -> int:
    """Once a local day per rule (`periodic_checks`): raise what the rules find; returns how many."""
    day = local_date(now).isoformat()
    with db.read() as conn:
        # The organisation's departments, not the cases' (a scan of every case, each clock tick).
        judges = packs.for_departments(conn, set(conn.execute(select(departments.c.code)).scalars()))
        # A department the organisation does not know is judged by the platform's pack.
        platform = packs.active()
        by_name = {p.pack: p for p in [platform, *judges.values()]}
        rules = {r.id: r for p in by_name.values() for r in p.compiled() if r.family == FAMILY}
        done = set(
            conn.execute(
                select(periodic_checks.c.rule_id).where(
                    periodic_checks.c.period == day, periodic_checks.c.rule_id.in_(sorted(rules))
                )
            ).scalars()
        )
        if not set(rules) - done:
            return 0
        longest = max(int(r.params.get("window_days", 365)) for r in rules.values())
        decided = decisions(conn, now - timedelta(days=longest), now)
    raised = 0
    with db.write() as conn:
        for pack in by_name.values():
            mine = [d for d in decided if judges.get(d.department_code, platform).pack == pack.pack]
            for rule in (r for r in pack.compiled() if r.family == FAMILY and r.id not in done):
                found = [
                    Subject(f"like:{d.case_no}", d.department_code, f, rule, d.case_id, d.case_no)
                    for d, f in unequal(rule, mine, now)
                ]
                raised += raise_on_subjects(conn, pack, found, now)
        stmt = upsert_insert(conn, periodic_checks)
        conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["rule_id", "period"]),
            [{"rule_id": rule_id, "period": day, "done_at": now} for rule_id in sorted(set(rules) - done)],
        )
    return raised
