"""Ingestion throughput: events per second for batches of 1,000, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.ingest [--events 50000] [--postgres URL]

Each batch goes through the whole ingest path: validation of raw dicts, duplicate check, case
fold with working-day deadlines, ledger chain, and commit (SQLite: WAL, synchronous=FULL).
Events come as they do in practice: about five steps per case, cases interleaved.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import scratch_postgres
from jiancha.domain.catalogue import CatalogueChange, ChangeKind, PowerItem
from jiancha.services import catalogue, ingest
from jiancha.services.calendar import seed_from_package
from jiancha.store.database import Database
from jiancha.store.migrate import upgrade

STEPS = [
    ("accept", "受理岗"),
    ("undertake", "承办岗"),
    ("review", "审核岗"),
    ("approve", "批准岗"),
    ("complete", "受理岗"),
]


def item() -> PowerItem:
    return PowerItem.model_validate(
        {
            "code": "BENCH-XK-001",
            "name": "食品经营许可",
            "item_type": "licence",
            "department_code": "330900-SCJG",
            "legal_basis": "《中华人民共和国食品安全法》第三十五条",
            "legal_limit_days": 20,
            "promised_limit_days": 10,
            "process": {
                "steps": [
                    {"code": c, "name": c, "order": k + 1, "limit_days": 3, "posts": [p]}
                    for k, (c, p) in enumerate(STEPS)
                ]
            },
        }
    )


def make_events(n: int, per_day: int = 200) -> list[dict[str, Any]]:
    """n events in the order a busy hall sends them: each day `per_day` new cases are accepted and
    every case received earlier moves one step on, so most events update an existing case."""
    start = datetime(2026, 6, 1, 1, tzinfo=UTC)
    out: list[dict[str, Any]] = []
    day = 0
    while len(out) < n:
        for k, (step, post) in enumerate(STEPS):
            if day - k < 0:
                continue
            for c in range(per_day):
                case = (day - k) * per_day + c
                at = start + timedelta(days=day, seconds=c * 60 + k)
                out.append(
                    {
                        "source_system": "BENCH",
                        "event_id": f"E{case}-{k}",
                        "case_no": f"BENCH-{case}",
                        "item_code": "BENCH-XK-001",
                        "step": step,
                        "action": step,
                        "actor": "张三",
                        "post": post,
                        "occurred_at": at.isoformat(),
                        "attributes": {"legal_basis": "《食品安全法》第三十五条"}
                        if step == "approve"
                        else {},
                    }
                )
        day += 1
    return out[:n]


def prepare(db: Database) -> None:
    upgrade(db)
    seed_from_package(db)
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.add,
                code="BENCH-XK-001",
                effective_from=datetime(2020, 1, 1, tzinfo=UTC),
                item=item(),
            )
        ],
    )


def measure(db: Database, evs: list[dict[str, Any]], batch: int = 1000) -> float:
    started = time.perf_counter()
    for i in range(0, len(evs), batch):
        valid = ingest.validate_events(evs[i : i + batch])
        # Live ingestion: a batch arrives just after its events happened, and is judged then.
        result = ingest.ingest_events(db, valid, now=max(e.occurred_at for e in valid))
        assert result.accepted == len(valid)
    return len(evs) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--postgres", default=os.environ.get("JIANCHA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--repeat", type=int, default=3, help="runs per database, each on a fresh database")
    parser.add_argument(
        "--pack",
        default="default",
        help="rule pack evaluated on every batch; 'none' measures the foundation alone",
    )
    args = parser.parse_args()
    evs = make_events(args.events)
    if args.pack == "none":
        empty = Path(tempfile.mkdtemp()) / "none.yaml"
        empty.write_text("pack: none\ntitle_zh: 无规则\ntitle_en: no rules\nrules: []\n", encoding="utf-8")
        os.environ["JIANCHA_PACK"] = str(empty)
    else:
        os.environ["JIANCHA_PACK"] = args.pack
    # The input list is the benchmark's, not the platform's: a server never holds 50,000 request
    # bodies at once. Freezing it keeps the garbage collector from rescanning it on every cycle.
    gc.freeze()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"pack: {args.pack}"
    )

    def report(name: str, rates: list[float]) -> None:
        print(f"{name:11s} runs in order: {', '.join(f'{r:,.0f}' for r in rates)}")
        rates.sort()
        print(
            f"{name:11s} {statistics.median(rates):9,.0f} events/s median of {len(rates)} "
            f"(range {rates[0]:,.0f}-{rates[-1]:,.0f}; {len(evs):,} events, batches of 1,000)"
        )

    rates = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{tmp}/bench.sqlite3")
            prepare(db)
            rates.append(measure(db, evs))
            db.dispose()
    report("sqlite:", rates)
    if args.postgres:
        rates = []
        for _ in range(args.repeat):
            with scratch_postgres(args.postgres) as db:
                prepare(db)
                rates.append(measure(db, evs))
        report("postgresql:", rates)


if __name__ == "__main__":
    main()
