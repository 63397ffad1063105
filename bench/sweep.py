"""Clock sweep time (issue 3): 1,000,000 open cases of which 10,000 are due, and 100,000 of which
10,000 are due, on SQLite and PostgreSQL. The sweep's cost should follow what is due, not what is
open: the two times should be close. Aim: each sweep under 2 s.

    .venv/bin/python -m bench.sweep [--postgres URL] [--repeat N]

The open cases are written straight into the tables with insert_many, not through ingestion (which
would take far too long for a million cases): one catalogue item, then for each case its row, as
ingestion would have folded it, and its one accept event. The events have no ledger entries — the
ledger is not what is measured here — so `jiancha verify` must not be run on these databases.

Due cases were accepted weeks ago and never swept since: their next check has long passed, and
every time rule of the default pack fires on them (step overdue, promised due, legal warning,
legal overdue), and their yellows escalate. The other cases were accepted in the last working days;
their next check lies ahead. The sweep is timed once, then a second sweep right after (nothing due).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench import scratch_postgres
from bench.ingest import item, prepare
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseState, CaseStatus, Deadlines, deadlines, limits_of
from jiancha.domain.timeutil import LOCAL
from jiancha.services import clock, packs
from jiancha.store import calendar as calendar_store
from jiancha.store.bulk import insert_many
from jiancha.store.database import Database
from jiancha.store.tables import cases, events, item_versions, signals

DUE = 10_000
SIZES = (1_000_000, 100_000)
CHUNK = 50_000
# The sweep's "now": Monday 23 November 2026, 10:00 in Beijing; the packaged holiday schedule
# covers 2026, so every date below is a real working-day computation.
NOW = datetime(2026, 11, 23, 10, tzinfo=LOCAL).astimezone(UTC)
EVENT_SEQ_BASE = 1_000_000_000  # events.ledger_seq is unique; these point at no ledger entry


def working_days_before(calendar: WorkCalendar, day: date, n: int) -> list[date]:
    """The n working days up to and including `day`, oldest first."""
    found: list[date] = []
    while len(found) < n:
        if calendar.is_workday(day):
            found.append(day)
        day -= timedelta(days=1)
    return found[::-1]


class Plan:
    """Which cases are due, when each was accepted, and its deadlines as ingestion folds them."""

    def __init__(self, calendar: WorkCalendar, n: int) -> None:
        pack = packs.active()
        self.calendar = calendar
        self.limits = limits_of(item())
        self.warn = pack.warnings()
        self.n = n
        self.every = n // DUE  # case i is due when i % every == 0: due cases spread over the table
        today = NOW.astimezone(LOCAL).date()
        # Due: accepted on one of 20 working days seven to eleven weeks ago: every threshold long passed.
        self.due_days = working_days_before(calendar, today - timedelta(days=50), 20)
        # Not due: accepted on the last three working days (today before 10:00 included).
        self.fresh_days = working_days_before(calendar, today, 3)
        self._cache: dict[date, Deadlines] = {}

    def accepted_at(self, i: int) -> tuple[datetime, bool]:
        due = i % self.every == 0
        days = self.due_days if due else self.fresh_days
        day = days[(i // self.every if due else i) % len(days)]
        latest = 3600 if day == days[-1] and not due else 9 * 3600  # before NOW on today
        at = datetime(day.year, day.month, day.day, 8, tzinfo=LOCAL) + timedelta(seconds=i % latest)
        return at.astimezone(UTC), due

    def deadlines(self, at: datetime) -> Deadlines:
        day = at.astimezone(LOCAL).date()
        found = self._cache.get(day)
        if found is None:
            # Every threshold is a day boundary after the day of acceptance, so one fold per day.
            found = self._cache[day] = deadlines(self.state(at), self.limits, self.calendar, self.warn)
        return found

    @staticmethod
    def state(at: datetime) -> CaseState:
        return CaseState(
            received_at=at,
            status=CaseStatus.open,
            current_step="accept",
            step_entered_at=at,
            accepted_at=at,
            last_event_at=at,
            event_count=1,
        )


def rows(plan: Plan, version_id: int, department: str, lo: int, hi: int) -> tuple[list[Any], list[Any]]:
    """Case rows and their accept events for cases lo..hi-1 (ids lo+1..hi)."""
    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    for i in range(lo, hi):
        at, due = plan.accepted_at(i)
        d = plan.deadlines(at)
        assert d.next_check_at is not None
        assert (d.next_check_at <= NOW) == due, (i, at, d)
        arrived = at + timedelta(seconds=5)
        case_no = f"SWEEP-{i:07d}"
        case_rows.append(
            {
                "id": i + 1,
                "case_no": case_no,
                "source_system": "BENCH",
                "item_code": "BENCH-XK-001",
                "item_version_id": version_id,
                "department_code": department,
                "title": "",
                "applicant_name": "",
                "applicant_id_number": "",
                "applicant_phone": "",
                "check_code": f"{100_000 + (i * 7919) % 900_000}",
                "received_at": at,
                "registered_at": arrived,
                "registration_at": None,
                "status": CaseStatus.open.value,
                "current_step": "accept",
                "step_entered_at": at,
                "accepted_at": at,
                "suspended_since": None,
                "suspension_reason": None,
                "suspended_days": 0,
                "step_suspended_days": 0,
                "completed_at": None,
                "last_event_at": at,
                "event_count": 1,
                "legal_due": d.legal_due,
                "promised_due": d.promised_due,
                "step_due": d.step_due,
                "calendar_fallback": ",".join(map(str, d.fallback_years)),
                "next_check_at": d.next_check_at,
            }
        )
        event_rows.append(
            {
                "id": i + 1,
                "source_system": "BENCH",
                "event_id": f"E{i}-0",
                "case_id": i + 1,
                "case_no": case_no,
                "item_code": "BENCH-XK-001",
                "step": "accept",
                "action": "accept",
                "actor": "张三",
                "post": "受理岗",
                "occurred_at": at,
                "received_at": arrived,
                "attributes": {},
                "ledger_seq": EVENT_SEQ_BASE + i + 1,
            }
        )
    return case_rows, event_rows


def spans(n: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, CHUNK):
        yield lo, min(lo + CHUNK, n)


def build(db: Database, n: int) -> float:
    started = time.perf_counter()
    prepare(db)
    with db.read() as conn:
        calendar = calendar_store.load(conn)
        version = conn.execute(
            select(item_versions.c.id, item_versions.c.department_code).where(
                item_versions.c.code == "BENCH-XK-001"
            )
        ).one()
    plan = Plan(calendar, n)
    for lo, hi in spans(n):
        case_rows, event_rows = rows(plan, int(version.id), str(version.department_code), lo, hi)
        with db.write() as conn:
            insert_many(conn, cases, case_rows)
            insert_many(conn, events, event_rows)
    if db.dialect == "postgresql":
        with db.write() as conn:  # ids were given explicitly: move the sequences past them
            for table in ("cases", "events"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
    with db.read() as conn:
        open_ = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        due = conn.execute(
            select(func.count()).select_from(cases).where(cases.c.next_check_at <= NOW)
        ).scalar_one()
    assert (open_, due) == (n, DUE), (open_, due)
    return time.perf_counter() - started


def signal_count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(signals)).scalar_one())


def measure(name: str, db: Database, n: int) -> None:
    built = build(db, n)
    packs.active().compiled()  # a running worker has its pack loaded already
    gc.collect()
    started = time.perf_counter()
    handled = clock.sweep(db, NOW)
    first = time.perf_counter() - started
    assert handled == DUE, handled
    raised = signal_count(db)
    started = time.perf_counter()
    again = clock.sweep(db, NOW)
    second = time.perf_counter() - started
    assert again == 0, again
    assert signal_count(db) == raised
    print(
        f"{name:11s} {n:9,} open, {DUE:,} due: sweep {first:.2f} s "
        f"({handled:,} handled, {raised:,} signals); second sweep {second:.2f} s; built in {built:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("JIANCHA_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per database and size, each freshly built"
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="open cases per run, comma-separated (each at least 10,000)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--pack", default="default", help="rule pack in force: a shipped name or a YAML file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    assert all(s >= DUE for s in sizes), "each size must hold the 10,000 due cases"
    os.environ["JIANCHA_PACK"] = args.pack
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"pack: {args.pack}; now: {NOW.astimezone(LOCAL):%Y-%m-%d %H:%M} Asia/Shanghai",
        flush=True,
    )
    if not args.no_sqlite:
        for n in sizes:
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    db = Database(f"sqlite:///{tmp}/sweep.sqlite3")
                    try:
                        measure("sqlite", db, n)
                    finally:
                        db.dispose()
    if args.postgres:
        for n in sizes:
            for _ in range(args.repeat):
                with scratch_postgres(args.postgres) as db:
                    measure("postgresql", db, n)


if __name__ == "__main__":
    main()
