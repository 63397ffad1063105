"""Official vehicles (公务用车, R-MON-3): the checks of `jiancha.domain.vehicles.rules` as rules of a
pack.

A rule of family `vehicle_use` names one check (`params.kind`: out_of_hours, out_of_area,
special_area, unregistered_parking) and that check's settings (any field of `VehicleSettings`:
dwell_minutes, min_fixes, max_gap_minutes, moving_kmh, default_hours, parking_minutes,
stop_radius_m, night, track). `params.raise_ongoing` (default true) says whether an episode still
going on at the last fix received raises its signal at once — it is already firm: it held for the
dwell — or waits until the fixes show it ended. Each episode is one finding about the subject
`vehicle:<vehicle_id>/<kind>/<fence id or ->@<start>`, on the vehicle's unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jiancha.domain.rules.model import Finding, Rule
from jiancha.domain.timeutil import iso_local
from jiancha.domain.vehicles.rules import VehicleSettings, Violation, ViolationKind

FAMILY = "vehicle_use"
OWN = ("kind", "raise_ongoing")
KIND_ZH = {
    ViolationKind.out_of_hours: "非工作时间用车",
    ViolationKind.out_of_area: "驶出允许区域",
    ViolationKind.special_area: "进入特殊区域",
    ViolationKind.unregistered_parking: "未按备案地点停放",
}


def kind_of(rule: Rule) -> ViolationKind:
    kind = rule.params.get("kind")
    if kind not in set(ViolationKind):
        raise ValueError(
            f"规则 {rule.id} 的 kind 应为 {'、'.join(ViolationKind)} | rule {rule.id}: kind must be one of "
            f"{', '.join(ViolationKind)}"
        )
    return ViolationKind(str(kind))


def settings_of(rule: Rule) -> VehicleSettings:
    """The rule's settings of the check (ValueError naming the rule if they are wrong)."""
    kind_of(rule)
    raise_ongoing = rule.params.get("raise_ongoing", True)
    if not isinstance(raise_ongoing, bool):
        raise ValueError(
            f"规则 {rule.id} 的 raise_ongoing 应为 true/false | rule {rule.id}: raise_ongoing is a bool"
        )
    try:
        return VehicleSettings.model_validate({k: v for k, v in rule.params.items() if k not in OWN})
    except ValueError as e:
        raise ValueError(f"规则 {rule.id} 的参数无效 | rule {rule.id} has bad settings: {e}") from e


def raises_ongoing(rule: Rule) -> bool:
    return bool(rule.params.get("raise_ongoing", True))


def subject(v: Violation) -> str:
    """`vehicle:<id>/<kind>/<fence or ->@<start>`: an episode keeps its start as it goes on."""
    fence = (v.where.fence_id or "-")[:60]
    return f"vehicle:{v.vehicle_id}/{v.kind}/{fence}@{iso_local(v.start)}"


def finding(rule: Rule, v: Violation, vehicle: Mapping[str, Any], at_start: bool = True) -> Finding:
    """The finding of an episode; `vehicle` is its registration (plate, name)."""
    plate = str(vehicle.get("plate") or "")
    shown = f"{plate}（{v.vehicle_id}）" if plate and plate != v.vehicle_id else v.vehicle_id
    values: dict[str, Any] = {
        "vehicle": shown,
        "vehicle_id": v.vehicle_id,
        "plate": plate,
        "kind": str(v.kind),
        "kind_zh": KIND_ZH[v.kind],
        "start": iso_local(v.start),
        "end": iso_local(v.end),
        "ongoing": v.ongoing,
        "lat": round(v.where.lat, 6),
        "lon": round(v.where.lon, 6),
        "fence_id": v.where.fence_id,
        "fence": v.where.fence_name or v.where.fence_id or "",
        **{k: x for k, x in v.values.items() if k != "registered_outside_its_hours"},
    }
    if "registered_outside_its_hours" in v.values:
        values["registered_outside_its_hours"] = list(v.values["registered_outside_its_hours"])
    return Finding(rule.id, rule.colour, v.start if at_start else v.end, values)
