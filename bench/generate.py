"""Synthetic event logs shaped like the demo (issue 9, scale): cases of a licence approval — 受理,
承办, 审核, 批准, 办结, one in twenty refused at review (不予许可) — as a CSV log written as it is
generated (constant memory whatever its size). Each day `--per-day` new cases are accepted at
random hours and every open case takes one step on, so the log's events interleave as a busy
hall's do. `bench/synthetic-log.yaml` maps it onto the platform's steps and actions:

    .venv/bin/python -m bench.generate --cases 1000000 --out /tmp/synthetic.csv
    jiancha import /tmp/synthetic.csv --format csv --mapping bench/synthetic-log.yaml --pack default
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

STEPS = ["受理", "承办", "审核", "批准", "办结"]
REFUSED = "不予许可"
# A Monday (08:00 China time is 00:00 UTC), far enough back that a million cases (500 days) end
# before today — the platform refuses events to come — and within the years whose holidays the
# packaged calendar knows.
START = datetime(2024, 1, 8, tzinfo=UTC)
STAFF = [f"工作人员{n:03d}" for n in range(1, 61)]


def events(cases: int, per_day: int = 2_000, seed: int = 1) -> Iterator[tuple[str, str, datetime, str]]:
    """(case, activity, instant, resource) in the order they happen."""
    rng = random.Random(seed)
    days = -(-cases // per_day)
    for day in range(days + len(STEPS)):
        base = START + timedelta(days=day)
        # The cases accepted `j` days ago take their step j today; a refused case stops at review.
        for j in range(len(STEPS)):
            first = (day - j) * per_day
            if first < 0 or first >= cases:
                continue
            for k in range(first, min(first + per_day, cases)):
                refused = k % 20 == 7
                if refused and j > 2:
                    continue
                activity = REFUSED if refused and j == 2 else STEPS[j]
                at = base + timedelta(minutes=(k * 37 + j * 11) % 540)
                yield f"S{k + 1:07d}", activity, at, rng.choice(STAFF)


def write(path: Path, cases: int, per_day: int = 2_000, seed: int = 1) -> int:
    """Write the log; returns how many events."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["case_id", "activity", "timestamp", "resource"])
        for case, activity, at, resource in events(cases, per_day, seed):
            out.writerow([case, activity, at.isoformat(), resource])
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--per-day", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    n = write(args.out, args.cases, args.per_day, args.seed)
    print(f"{args.cases} cases, {n} events -> {args.out}")


if __name__ == "__main__":
    main()
