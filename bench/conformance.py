"""Per-event conformance on the road fines, side by side with pm4py (issue 9, benchmark (a)):
is each next step of a case allowed by the process model? pm4py answers with its streaming
token-based replay (`TbrStreamingConformance`, one event at a time) on a Petri net; the platform
with its procedure check (`families/procedure.py`: a move to a step the process does not allow
after the current one is a skip or a rollback) on the same model, case by case as a log's cases
are judged on import. Both read the same events from memory; only the checking is timed.

pm4py is installed for this benchmark only, never a dependency of the product (AGPL-3.0):

    python3 -m venv .bench-venv && .bench-venv/bin/pip install -e . pm4py
    .bench-venv/bin/python -m bench.conformance [--log FILE.csv] [--min-count 20] [--repeat 3]

**The model.** The directly-follows pairs of the 10,000 cases seen at least `--min-count` times
(20), each activity after itself, and the consecutive steps of the `it-road-fines` mapping's order
(which the platform always allows); every activity may start a case. In pm4py this is a net whose
places are the activities (`to_petri_net_activity_defines_place`); on the platform an item whose
steps are the activities in that order, all required, with the pairs as its transitions.

**What must agree.** Up to a case's first deviation both hold one current step (one token), so the
first deviating event of every case must be the same on both sides; after a deviation pm4py
inserts the missing token and keeps the old one, while the platform moves on from the step
reached, so later counts may differ (both are reported).
"""

from __future__ import annotations

import argparse
import csv
import logging
import platform
import statistics
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from jiancha.domain.catalogue import ItemStatus, ProcessDefinition, Step, Transition
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.events import Action
from jiancha.domain.rules.families import procedure
from jiancha.domain.rules.model import CaseFacts, Colour, Context, RecordedEvent, Rule
from jiancha.services import packs

LOG = Path(__file__).resolve().parents[1] / "tests" / "data" / "road-fines" / "traffic_fines_10k.csv"


def read(path: Path) -> list[tuple[str, str, datetime]]:
    """(case, activity, instant) in the file's order, sorted by case then instant (stable)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [
            (r["case_id"], r["activity"], datetime.fromisoformat(r["timestamp"])) for r in csv.DictReader(f)
        ]
    order = {c: k for k, c in enumerate(dict.fromkeys(c for c, _, _ in rows))}
    return sorted(rows, key=lambda r: (order[r[0]], r[2]))


def model(rows: list[tuple[str, str, datetime]], min_count: int) -> tuple[list[str], set[tuple[str, str]]]:
    """The activities in the mapping's order and the allowed (from, to) pairs."""
    mapping = packs.load("it-road-fines").log
    assert mapping is not None
    order = list(mapping.activities)
    by_case: dict[str, list[str]] = defaultdict(list)
    for c, a, _ in rows:
        by_case[c].append(a)
    seen = Counter(p for acts in by_case.values() for p in pairwise(acts))
    allowed = {p for p, n in seen.items() if n >= min_count}
    allowed |= {(a, a) for a in order} | set(pairwise(order))
    return order, allowed


# -- the platform --------------------------------------------------------------------------------


def platform_check(
    rows: list[tuple[str, str, datetime]], order: list[str], allowed: set[tuple[str, str]]
) -> tuple[float, dict[str, list[int]]]:
    """Seconds, and the deviating events of each case (their index in the case)."""
    mapping = packs.load("it-road-fines").log
    assert mapping is not None
    code = {a: mapping.activities[a].step for a in order}
    process = ProcessDefinition(
        steps=tuple(Step(code=code[a], name=a, order=k + 1, required=True) for k, a in enumerate(order)),
        transitions=tuple(
            Transition(from_step=code[a], to_step=code[b]) for a, b in sorted(allowed) if a != b
        ),
    )
    item = mapping.power_item().model_copy(update={"process": process})
    rules = [
        Rule("PR-ORDER", "procedure", Colour.red, "-", "-", "-", {"check": "order"}),
        Rule("PR-ROLLBACK", "procedure", Colour.red, "-", "-", "-", {"check": "rollback"}),
    ]
    cases: dict[str, list[RecordedEvent]] = defaultdict(list)
    for k, (c, a, at) in enumerate(rows):
        cases[c].append(RecordedEvent("log", f"{c}#{k}", code[a], Action.undertake, "x", "", at, at))
    calendar, now = WorkCalendar.weekdays_only(), datetime(2030, 1, 1, tzinfo=UTC)
    found: dict[str, list[int]] = {}
    start = time.perf_counter()
    for c, evs in cases.items():
        ctx = Context(CaseFacts(c, item, ItemStatus.active, evs[0].occurred_at, tuple(evs)), calendar, now)
        refs = [f.events[0] for rule in rules for f in procedure.evaluate(rule, ctx)]
        if refs:
            index = {e.ref: i for i, e in enumerate(evs)}
            found[c] = sorted(index[r] for r in refs)
    return time.perf_counter() - start, found


# -- pm4py ---------------------------------------------------------------------------------------


def pm4py_check(
    rows: list[tuple[str, str, datetime]], order: list[str], allowed: set[tuple[str, str]]
) -> tuple[float, dict[str, list[int]]]:
    from pm4py.objects.conversion.dfg.variants import to_petri_net_activity_defines_place as to_net
    from pm4py.streaming.algo.conformance.tbr.variants.classic import TbrStreamingConformance

    dfg = {p: 1 for p in allowed}
    params = {"start_activities": {a: 1 for a in order}, "end_activities": {a: 1 for a in order}}
    net, im, fm = to_net.apply(dfg, parameters=params)
    checker = TbrStreamingConformance(net, im, fm)
    found: dict[str, list[int]] = defaultdict(list)
    position: Counter[str] = Counter()
    # Each event whose replay had to insert a missing token is a deviation: pm4py reports it
    # through this method (by default a logged error).
    current: list[tuple[str, int]] = []

    def missing(activity: str, case: str) -> None:
        found[case].append(current[0][1])

    checker.message_missing_tokens = missing  # type: ignore[method-assign]
    events = [{"case:concept:name": c, "concept:name": a} for c, a, _ in rows]
    logging.disable(logging.CRITICAL)
    start = time.perf_counter()
    for e in events:
        case = e["case:concept:name"]
        current[:] = [(case, position[case])]
        position[case] += 1
        checker.receive(e)
    took = time.perf_counter() - start
    logging.disable(logging.NOTSET)
    return took, dict(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--log", type=Path, default=LOG)
    parser.add_argument("--min-count", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = read(args.log)
    order, allowed = model(rows, args.min_count)
    ours, theirs = [], []
    for _ in range(args.repeat):
        t, mine = platform_check(rows, order, allowed)
        ours.append(t)
        u, pm = pm4py_check(rows, order, allowed)
        theirs.append(u)
    first_mine = {c: v[0] for c, v in mine.items()}
    first_pm = {c: v[0] for c, v in pm.items()}
    cases = len({c for c, _, _ in rows})
    a, b = statistics.median(ours), statistics.median(theirs)
    for line in (
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        f"log {args.log.name}: {cases} cases, {len(rows)} events",
        f"model: {len(order)} activities, {len(allowed)} allowed pairs (min count {args.min_count})",
        f"deviating events: platform {sum(map(len, mine.values()))}, pm4py {sum(map(len, pm.values()))}",
        f"cases with a deviation: platform {len(mine)}, pm4py {len(pm)}",
        f"the first deviating event the same in every case: {first_mine == first_pm}",
        f"platform {a:.3f} s ({len(rows) / a:,.0f} events/s), median of {args.repeat}",
        f"pm4py    {b:.3f} s ({len(rows) / b:,.0f} events/s), median of {args.repeat}",
        f"ratio: the platform is {b / a:.1f}x pm4py",
    ):
        print(line)


if __name__ == "__main__":
    main()
