"""Finding the RF-1..RF-4 cases of the road fines (issue 9, benchmark (b)), side by side: pandas —
what pm4py itself stands on — answering the four questions over the CSV in memory (the test's own
computation, tests/road_fines_pandas.py), against the platform importing the log end to end (both
passes of `jiancha import`, every event validated, ledgered and stored, every rule of the pack
judged as each batch arrives) on SQLite and, when given, PostgreSQL. The two answer the same
question, not the same job: the ratio says what keeping the record costs.

    .venv/bin/python -m bench.road_fines [--postgres URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from tests.road_fines_pandas import expected, flagged

from bench import scratch_postgres
from jiancha.interfaces.files import log_import
from jiancha.services.calendar import seed_from_package
from jiancha.store.database import Database
from jiancha.store.migrate import upgrade

LOG = Path(__file__).resolve().parents[1] / "tests" / "data" / "road-fines" / "traffic_fines_10k.csv"


def platform_run(db: Database) -> tuple[float, dict[str, set[str]]]:
    upgrade(db)
    seed_from_package(db)
    start = time.perf_counter()
    log_import.import_log(db, log_import.source_of(LOG, "csv"), "it-road-fines")
    took = time.perf_counter() - start
    return took, flagged(db)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("JIANCHA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    times: dict[str, list[float]] = {"pandas": [], "sqlite": [], "postgresql": []}
    want: dict[str, set[str]] = {}
    for _ in range(args.repeat):
        start = time.perf_counter()
        want = expected(LOG, lower=True)
        times["pandas"].append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{Path(tmp) / 'rf.sqlite3'}")
            took, got = platform_run(db)
            db.dispose()
        assert got == want, "the platform and pandas disagree"
        times["sqlite"].append(took)
        if args.postgres:
            with scratch_postgres(args.postgres) as pg:
                took, got = platform_run(pg)
            assert got == want, "the platform and pandas disagree"
            times["postgresql"].append(took)
    print(f"cases flagged (platform = pandas): {', '.join(f'{k} {len(v)}' for k, v in sorted(want.items()))}")
    base = statistics.median(times["pandas"])
    for name, runs in times.items():
        if runs:
            m = statistics.median(runs)
            each = ", ".join(f"{t:.2f}" for t in runs)
            print(f"{name:10s} {m:7.2f} s (median of {len(runs)}: {each}), {m / base:5.1f}x pandas' time")


if __name__ == "__main__":
    main()
