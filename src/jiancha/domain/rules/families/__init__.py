"""Rule families: each a pure function (rule, context) -> findings. `FAMILIES` names them for packs."""

from __future__ import annotations

from collections.abc import Callable

from jiancha.domain.monitors import MONITORS
from jiancha.domain.rules.families import (
    disclosure,
    evasion,
    evidence,
    execution,
    item_status,
    penalty,
    procedure,
    sequence,
    time_limit,
)
from jiancha.domain.rules.model import Context, Finding, Rule

Family = Callable[[Rule, Context], list[Finding]]

FAMILIES: dict[str, Family] = {
    "time_limit": time_limit.evaluate,
    "procedure": procedure.evaluate,
    "materials": evidence.materials,
    "legal_basis": evidence.legal_basis,
    "discretion": penalty.discretion,
    "fees": penalty.fees,
    "item_status": item_status.evaluate,
    "late_entry": evasion.late_entry,
    "born_completed": evasion.born_completed,
    "same_instant": evasion.same_instant,
    "execution": execution.evaluate,
    "disclosure": disclosure.evaluate,
    "sequence": sequence.evaluate,  # steps' order and spacing in calendar days (imported logs)
}

# Families that judge something wider than a case (a feed, an item over a period, what a department
# published, a contracting process): the services feed them their own facts, and their signals name
# a subject instead of a case. The pre-disclosure checks (R-OPEN-3) are in `openness`.
WATCHES = {
    "silent_feed",
    "idle_item",
    "not_published",
    "late_published",
    "published_differs",
    "procurement_red_flag",  # public resource trading (R-MON-2): `procurement`
    "unequal_treatment",  # like cases fined very differently (R-MON-1): `like_cases`
    "vehicle_use",  # official vehicles (R-MON-3): `vehicles`
    # The monitors of other supervised areas (R-MON-4..10): `monitors`, one family a monitor.
    *MONITORS,
}

# Families whose verdict can change with the mere passing of time: the clock re-evaluates them.
TIMED = {"time_limit", "disclosure"}
