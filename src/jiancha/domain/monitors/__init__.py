"""Monitors of the supervised areas beyond approvals and trading (R-MON-4..10), one module each:
`spending` ("three public" spending), `decisions` (三重一大), `medicine` (sunshine medicine),
`village` (rural three assets), `projects` (investment project integrity index), `integrity_risk`
(integrity risk index of units and officials), `duty` (on-duty check-in). `base` says what a
monitor is made of. Pure functions, no I/O."""

from __future__ import annotations

from jiancha.domain.monitors import decisions, duty, integrity_risk, medicine, projects, spending, village
from jiancha.domain.monitors.base import Monitor

MONITORS: dict[str, Monitor] = {
    m.family: m
    for m in (
        spending.MONITOR,
        decisions.MONITOR,
        medicine.MONITOR,
        village.MONITOR,
        projects.MONITOR,
        integrity_risk.MONITOR,
        duty.MONITOR,
    )
}
