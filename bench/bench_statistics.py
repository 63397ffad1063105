"""A month's statistics and the monthly report over 1,000,000 cases (issue 6, R-REP-1, R-REP-3),
on SQLite and PostgreSQL. Aim: seconds on PostgreSQL.

    .venv/bin/python -m bench.bench_statistics [--cases 1000000] [--postgres URL] [--no-sqlite]

A city of three counties and 20 departments. October 2026 receives `--cases` cases, nine in ten of
them finished 0–24 days later (about half within October; the rest, and the unfinished tenth, are
open at its end); the eleven months before it receive a tenth as many in all (the trend). Rows are
written straight into the tables with insert_many — no ledger, so never `verify` these databases.
About half of the cases carry one or more signals (time limit, procedure, materials, escalation,
disclosure; some withdrawn, some early warnings), and there are a few hundred complaints. Then
timed: the month's statistics for the city (every department), those of one county, the PDF
report and the xlsx report (each made, kept and ledgered), and both from one computation.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from bench import scratch_postgres
from bench.ingest import prepare
from jiancha.domain.access.scope import EVERYTHING
from jiancha.domain.statistics import Month
from jiancha.domain.timeutil import LOCAL
from jiancha.services import evaluation, organisation, reports, statistics
from jiancha.store.bulk import insert_many
from jiancha.store.database import Database
from jiancha.store.tables import cases, complaints, item_versions, signals

MONTH = Month(2026, 10)
NOW = datetime(2026, 11, 2, 9, tzinfo=LOCAL).astimezone(UTC)  # the first working day after it
CHUNK = 50_000
COUNTIES = ("330902", "330903", "330921")
DEPARTMENTS = [
    (f"{region}-D{k:02d}", f"{name}第{k}局", region)
    for region, name in (
        ("330900", "示范市"),
        ("330902", "东湖区"),
        ("330903", "西山区"),
        ("330921", "青溪县"),
    )
    for k in range(1, 6)
]
# (rule, family, colour, share of cases): what a signal may be.
RULES = [
    ("TL-STEP-OVERDUE", "time_limit", "yellow", 0.12),
    ("TL-PROMISED-DUE", "time_limit", "green", 0.10),
    ("TL-LEGAL-WARN", "time_limit", "yellow", 0.05),
    ("TL-LEGAL-OVERDUE", "time_limit", "red", 0.03),
    ("PR-SKIPPED", "procedure", "red", 0.02),
    ("EV-MISSING", "materials", "yellow", 0.03),
    ("DS-RESULT", "disclosure", "yellow", 0.02),
    ("ESC-TL-STEP-OVERDUE", "escalation", "red", 0.02),
]
STATES = ["open"] * 5 + ["explained", "rectified", "rectified", "fault_confirmed", "withdrawn"]


def organise(db: Database) -> None:
    organisation.save(
        db,
        organisation.parse(
            {
                "regions": [{"code": "330900", "name": "示范市", "level": "city"}]
                + [
                    {"code": c, "name": n, "level": "county", "parent_code": "330900"}
                    for c, n in zip(COUNTIES, ("东湖区", "西山区", "青溪县"), strict=True)
                ],
                "departments": [{"code": c, "name": n, "region_code": r} for c, n, r in DEPARTMENTS],
            }
        ),
        by="bench",
    )


def month_of(i: int, n: int) -> Month:
    """Case i's month: the first n in October, then a tenth as many spread over the eleven before."""
    if i < n:
        return MONTH
    back = 1 + (i - n) % 11
    m = MONTH
    for _ in range(back):
        m = m.previous()
    return m


def case_row(i: int, n: int, rng: random.Random, version_id: int) -> dict[str, Any]:
    m = month_of(i, n)
    first = m.first_day
    days = (m.next().first_day - first).days
    received = datetime(first.year, first.month, first.day, 8, tzinfo=LOCAL) + timedelta(
        days=rng.randrange(days), seconds=rng.randrange(10 * 3600)
    )
    finished = rng.random() < 0.9
    took = timedelta(days=rng.randrange(0, 25), seconds=rng.randrange(8 * 3600))
    completed = received + took if finished else None
    if completed is not None and completed >= m.next().start and m == MONTH:
        completed = None  # still open at the month's end
    local_received = received.date()
    status = "open" if completed is None else ("rejected" if rng.random() < 0.03 else "completed")
    department = DEPARTMENTS[i % len(DEPARTMENTS)][0]
    return {
        "id": i + 1,
        "case_no": f"ST-{i:08d}",
        "source_system": "BENCH",
        "item_code": "BENCH-XK-001",
        "item_version_id": version_id,
        "department_code": department,
        "title": "",
        "applicant_name": "",
        "applicant_id_number": "",
        "applicant_phone": "",
        "check_code": "",
        "received_at": received,
        "registered_at": received,
        "registration_at": None,
        "status": status,
        "current_step": "complete" if completed else "undertake",
        "step_entered_at": completed or received,
        "accepted_at": received,
        "suspended_since": None,
        "suspension_reason": None,
        "suspended_days": 0,
        "step_suspended_days": 0,
        "completed_at": completed,
        "last_event_at": completed or received,
        "event_count": 5 if completed else 2,
        "decided_at": None,
        "published_at": None,
        "legal_due": local_received + timedelta(days=28),
        "promised_due": local_received + timedelta(days=14),
        "step_due": None,
        "calendar_fallback": "",
        "next_check_at": None,
        "voided": i % 5000 == 4999,  # a few voided by approved corrections
        "correction_seq": None,
    }


def signal_rows(case: dict[str, Any], rng: random.Random, next_id: int) -> list[dict[str, Any]]:
    found = []
    for rule, family, colour, share in RULES:
        if rng.random() >= share * 2:
            continue
        raised = case["received_at"] + timedelta(days=rng.randrange(0, 20), seconds=rng.randrange(3600))
        found.append(
            {
                "id": next_id + len(found),
                "case_id": case["id"],
                "case_no": case["case_no"],
                "subject": None,
                "department_code": case["department_code"],
                "pack": "default",
                "rule_id": rule,
                "family": family,
                "colour": colour,
                "state": rng.choice(STATES),
                "raised_at": raised,
                "recorded_at": raised,
                "deadline": None,
                "article": f"SPEC R-SIG-3（{rule}）",
                "message_zh": f"办件 {case['case_no']} {rule}",
                "message_en": f"case {case['case_no']} {rule}",
                "explanation": {},
                "ledger_seq": 0,
                "escalate_at": None,
                "escalated_from": None,
            }
        )
    return found


def build(db: Database, n: int) -> dict[str, int]:
    prepare(db)
    organise(db)
    with db.read() as conn:
        version_id = int(
            conn.execute(
                select(item_versions.c.id).where(item_versions.c.code == "BENCH-XK-001")
            ).scalar_one()
        )
    total = n + n // 10
    rng = random.Random(20261031)
    signal_id = 1
    made = {"cases": 0, "signals": 0}
    for lo in range(0, total, CHUNK):
        case_rows = [case_row(i, n, rng, version_id) for i in range(lo, min(lo + CHUNK, total))]
        found: list[dict[str, Any]] = []
        for c in case_rows:
            rows = signal_rows(c, rng, signal_id)
            signal_id += len(rows)
            found.extend(rows)
        with db.write() as conn:
            insert_many(conn, cases, case_rows)
            insert_many(conn, signals, found)
        made["cases"] += len(case_rows)
        made["signals"] += len(found)
    complaint_rows = []
    for k in range(600):
        received = datetime(2026, 9, 20, 10, tzinfo=LOCAL) + timedelta(hours=k * 2)
        state = ("received", "not_accepted", "transferred", "resulted")[k % 4]
        complaint_rows.append(
            {
                "complaint_no": f"TS-2026-{k:06d}",
                "department_code": DEPARTMENTS[k % len(DEPARTMENTS)][0],
                "case_no": None,
                "content": "投诉",
                "channel": "web",
                "anonymous": True,
                "complainant_name": "",
                "complainant_phone": "",
                "pack": "default",
                "state": state,
                "received_at": received,
                "decide_due": received.date() + timedelta(days=7),
                "decision_reason": None,
                "decided_at": None if state == "received" else received + timedelta(days=2),
                "result_due": None,
                "result": None,
                "resulted_at": received + timedelta(days=9) if state == "resulted" else None,
                "watch_at": None,
                "ledger_seq": 0,
            }
        )
    with db.write() as conn:
        insert_many(conn, complaints, complaint_rows)
    if db.dialect == "postgresql":
        with db.write() as conn:  # ids were given explicitly: move the sequences past them
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('cases', 'id'), {total})")
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('signals', 'id'), {signal_id})")
        # A settled table, as autovacuum leaves it: the planner's statistics, and the visibility
        # map and hint bits that a first read after a bulk load would otherwise write.
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with db.write() as conn:
            conn.exec_driver_sql("ANALYZE")
    return made


def timed(what: str, fn: Any) -> Any:
    gc.collect()
    started = time.perf_counter()
    result = fn()
    print(f"  {what:44s} {time.perf_counter() - started:7.2f} s", flush=True)
    return result


def measure(name: str, db: Database, n: int) -> None:
    started = time.perf_counter()
    made = build(db, n)
    with db.read() as conn:
        in_month = conn.execute(
            select(func.count()).where(cases.c.received_at >= MONTH.start, cases.c.received_at < MONTH.end)
        ).scalar_one()
    print(
        f"{name}: {made['cases']:,} cases ({in_month:,} received in {MONTH}), {made['signals']:,} signals, "
        f"built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    figures = timed(f"statistics of {MONTH}, the city (20 departments)", lambda: statistics.monthly(
        db, MONTH, EVERYTHING, "330900", now=NOW
    ))  # fmt: skip
    timed(
        f"statistics of {MONTH}, one county",
        lambda: statistics.monthly(db, MONTH, EVERYTHING, "330902", now=NOW),
    )
    timed("statistics again (warm)", lambda: statistics.monthly(db, MONTH, EVERYTHING, "330900", now=NOW))
    pdf = timed(
        "monthly report, PDF (made, kept, ledgered)",
        lambda: reports.make(db, "330900", MONTH, "pdf", "bench", now=NOW),
    )
    xlsx = timed(
        "monthly report, xlsx (made, kept, ledgered)",
        lambda: reports.make(db, "330900", MONTH, "xlsx", "bench", now=NOW),
    )
    timed(
        "both, from one computation (as the worker)",
        lambda: reports.make_formats(db, "330900", MONTH, reports.FORMATS, "bench", now=NOW),
    )
    # The month's evaluation (R-EVA-1) over the same signals, cases and complaints. The bench writes
    # no events, so no official is found for a signal and no completion counts as known: this
    # times the signals' side, the bulk of it.
    scores = timed(f"evaluation of {MONTH}, the city (running scores)", lambda: _evaluate(db))
    print(f"  evaluated {len(scores['departments'])} departments", flush=True)
    h, v = figures["handling"], figures["volumes"]
    print(
        f"  received {v['received']:,}, handled {h['handled']:,}, anomaly rate {h['anomaly_rate']:.2%}, "
        f"early-completion rate {h['early_completion_rate']:.2%}, signals {figures['signals']['total']:,}; "
        f"PDF {len(pdf.content):,} bytes, xlsx {len(xlsx.content):,} bytes",
        flush=True,
    )


def _evaluate(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        return evaluation.evaluate(conn, "330900", evaluation.Period(MONTH, NOW), EVERYTHING)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases received in the month")
    parser.add_argument("--postgres", default=os.environ.get("JIANCHA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"month {MONTH}, {args.cases:,} cases in it",
        flush=True,
    )
    if args.postgres:
        with scratch_postgres(args.postgres) as db:
            measure("postgresql", db, args.cases)
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{tmp}/statistics.sqlite3")
            try:
                measure("sqlite", db, args.cases)
            finally:
                db.dispose()


if __name__ == "__main__":
    main()
