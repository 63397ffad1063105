"""The demo's records of the monitors of other supervised areas (R-MON-4..10): each monitor's own
`demo` gives a few weeks of ordinary records of the city's departments with, among them, what each
of its checks looks for; they are sent as the departments' systems would, kind by kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jiancha.domain.monitors import (
    MONITORS,
    decisions,
    duty,
    integrity_risk,
    medicine,
    projects,
    spending,
    village,
)
from jiancha.domain.timeutil import local_date
from jiancha.services import monitors
from jiancha.store.database import Database

MODULES = {
    spending.MONITOR.family: spending,
    decisions.MONITOR.family: decisions,
    medicine.MONITOR.family: medicine,
    village.MONITOR.family: village,
    projects.MONITOR.family: projects,
    integrity_risk.MONITOR.family: integrity_risk,
    duty.MONITOR.family: duty,
}


def send(db: Database, departments: Mapping[str, str], now: datetime) -> dict[str, int]:
    """Send every monitor's demo records; `departments` maps a suffix (WJW, NYNC…) to its code.
    Returns the signals raised per monitor."""
    raised: dict[str, int] = {}
    for family, module in MODULES.items():
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for kind, record in module.demo(local_date(now), departments):
            by_kind[kind].append(record)
        raised[family] = 0
        for kind in MONITORS[family].kinds:  # in the monitor's order: a meeting before its decisions
            if by_kind.get(kind):
                items = monitors.parse(family, kind, by_kind[kind])
                raised[family] += monitors.receive(db, family, kind, items, "demo", None, now)["signals"]
    return raised
