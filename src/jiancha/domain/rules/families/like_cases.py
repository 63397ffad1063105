"""Unequal treatment of like cases (同案不同罚, R-MON-1): penalties decided for the same item, the
same clause and the same circumstance ought to be alike; a fine far from what like cases got is
flagged even when it lies inside the discretion benchmark (a fine outside it is `discretion`'s).

`unequal_treatment`: among the decisions of the last `window_days` (365) before `now`, those
with the same item, clause and circumstance are like cases; where there are at least
`minimum_cases` (5), a decision whose fine is at least `ratio` (3) times their median, or at most
the median divided by `ratio`, is flagged, stamped when it was decided. A median of zero (warnings
only) leaves a group alone: no ratio to a zero fine means anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from jiancha.domain.rules.model import Finding, Rule

FAMILY = "unequal_treatment"
CENT = Decimal("0.01")  # shown as people round: half up


@dataclass(frozen=True)
class Decision:
    """A penalty decided: the case, what it was decided under, the fine and when."""

    case_id: int
    case_no: str
    department_code: str
    item_code: str
    clause: str
    circumstance: str
    fine: Decimal
    decided_at: datetime
    event_ref: str


def unequal(rule: Rule, decisions: Iterable[Decision], now: datetime) -> list[tuple[Decision, Finding]]:
    window = timedelta(days=int(rule.params.get("window_days", 365)))
    minimum = int(rule.params.get("minimum_cases", 5))
    ratio = Decimal(str(rule.params.get("ratio", 3)))
    groups: dict[tuple[str, str, str], list[Decision]] = defaultdict(list)
    for d in decisions:
        if now - window <= d.decided_at <= now:
            groups[(d.item_code, d.clause, d.circumstance)].append(d)
    found: list[tuple[Decision, Finding]] = []
    for (item, clause, circumstance), like in sorted(groups.items()):
        if len(like) < minimum:
            continue
        middle = Decimal(str(median(d.fine for d in like)))
        if middle <= 0:
            continue
        for d in sorted(like, key=lambda d: (d.decided_at, d.case_no)):
            if d.fine >= middle * ratio or d.fine * ratio <= middle:
                found.append((d, _finding(rule, d, like, middle, item, clause, circumstance)))
    return found


def _finding(
    rule: Rule,
    d: Decision,
    like: Sequence[Decision],
    middle: Decimal,
    item: str,
    clause: str,
    circumstance: str,
) -> Finding:
    fines = sorted(x.fine for x in like)
    values = {
        "case_no": d.case_no,
        "item": item,
        "clause": clause,
        "circumstance": circumstance,
        "fine": str(d.fine),
        "median": str(middle.quantize(CENT, ROUND_HALF_UP)),
        "like_cases": len(like),
        "lowest": str(fines[0]),
        "highest": str(fines[-1]),
        "times": str((d.fine / middle).quantize(CENT, ROUND_HALF_UP)),
    }
    return Finding(rule.id, rule.colour, d.decided_at, values, (d.event_ref,))
