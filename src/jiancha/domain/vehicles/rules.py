"""The checks of official-vehicle use (公车私用、超时、越界、进入特殊区域、未按备案地点停放) and the
mileage statistics.

Each check takes one vehicle's fixes (any order: they are put in time order, repeated instants
dropped and spike fixes removed as `tracks.clean` says), the geofences, a WorkCalendar and the
settings, and returns violations: one per *episode*, never one per fix.

**Dwell (防漂移).** A condition (outside the area, inside a special area, in use outside hours)
is judged fix by fix. Consecutive fixes with the same verdict form a stretch; a gap of more than
`max_gap_minutes` between two fixes ends a stretch (what happened in between is unknown). A
stretch is *firm* if it lasts at least `dwell_minutes` (first to last fix) and has at least
`min_fixes` fixes. An episode begins with a firm stretch where the condition holds and ends at
the first firm stretch where it does not, or at a gap: short stretches either way are absorbed,
so GPS drift across a boundary for a minute or two raises nothing, and a drift back inside during
a real excursion does not cut it in two. The episode runs from the first fix where the condition
held to the last one before it ended; `ongoing` says the condition still held at the last fix
given (later fixes may lengthen it, never move its start).

**Permitted hours at a position.** The union of the calendars of the permitted areas that apply
to the vehicle and contain the position; a containing area without a calendar, or no containing
area at all, gives `default_hours` (working days 07:00–19:00, no hours on rest days and holidays).

The checks:
- `out_of_hours` (超时用车): the vehicle is in use outside the permitted hours at its position. In
  use: ignition on if reported; else the reported speed, else the speed from the previous fix,
  at least `moving_kmh`.
- `out_of_area` (越界): outside every permitted area that applies to the vehicle (a vehicle with
  none is not checked), moving or not.
- `special_area` (进入特殊区域): inside a special area outside its calendar (a special area without a
  calendar is never permitted); one episode per area.
- `unregistered_parking` (未按备案地点停放): a stop — consecutive fixes all within `stop_radius_m` of
  its first fix (a receiver silent while parked still gives a stop between the fixes either side)
  — of at least `parking_minutes`, not inside a registered parking place that applies to the
  vehicle and permits the whole stop, and either overlapping the night (`night`, every day) or
  partly outside the permitted hours at its position. A stop in working hours at an office or a
  site is ordinary use; a car kept at home overnight or over a holiday is what the rule is for.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.timeutil import LOCAL, start_of_local_day
from jiancha.domain.vehicles.geofences import Fence, FenceKind, PermittedHours, fences_for, time_range
from jiancha.domain.vehicles.tracks import (
    CleanTrack,
    Fix,
    Jump,
    TrackSettings,
    between,
    clean,
    km_per_day,
    tracks,
)


class VehicleSettings(BaseModel):
    """Settings of the checks; the module's docstring says how each is used."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    track: TrackSettings = TrackSettings()
    dwell_minutes: float = Field(default=5.0, ge=0)
    min_fixes: int = Field(default=3, ge=1)
    max_gap_minutes: float = Field(default=30.0, gt=0)
    moving_kmh: float = Field(default=5.0, ge=0)
    default_hours: PermittedHours = PermittedHours(working_days=("07:00-19:00",))
    parking_minutes: float = Field(default=30.0, gt=0)
    stop_radius_m: float = Field(default=150.0, gt=0)
    night: tuple[str, ...] = ("00:00-06:00", "22:00-24:00")

    @field_validator("night")
    @classmethod
    def _ranges(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            time_range(text)
        return value


class ViolationKind(StrEnum):
    out_of_hours = "out_of_hours"
    out_of_area = "out_of_area"
    special_area = "special_area"
    unregistered_parking = "unregistered_parking"


@dataclass(frozen=True)
class Where:
    """A fence, or a position: the episode's first fix, or a stop's mean position."""

    lat: float
    lon: float
    fence_id: str | None = None
    fence_name: str | None = None


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    vehicle_id: str
    start: datetime
    end: datetime
    where: Where
    ongoing: bool = False  # the condition still held at the last fix given
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


# -- the track, cleaned once ----------------------------------------------------------------------


def _clean(fixes: Sequence[Fix] | CleanTrack, settings: VehicleSettings) -> CleanTrack:
    if isinstance(fixes, CleanTrack):
        return fixes
    by_vehicle = tracks(fixes)
    if len(by_vehicle) != 1:
        raise ValueError(f"the fixes of one vehicle, not {len(by_vehicle)}")
    return clean(next(iter(by_vehicle.values())), settings.track)


def _speeds(fixes: Sequence[Fix]) -> list[float]:
    """Speed (km/h) from the previous fix; the first fix gets the speed to the second."""
    out: list[float] = []
    for i in range(len(fixes)):
        a, b = (fixes[i - 1], fixes[i]) if i else (fixes[0], fixes[1] if len(fixes) > 1 else fixes[0])
        hours = (b.at - a.at).total_seconds() / 3600
        out.append(between(a, b) / hours if hours > 0 else 0.0)
    return out


def _in_use(fix: Fix, derived_kmh: float, settings: VehicleSettings) -> bool:
    if fix.ignition is not None:
        return fix.ignition
    speed = fix.speed_kmh if fix.speed_kmh is not None else derived_kmh
    return speed >= settings.moving_kmh


def hours_at(
    lat: float, lon: float, vehicle_id: str, fences: Iterable[Fence], default: PermittedHours
) -> PermittedHours:
    """The permitted hours at a position (see the module's docstring)."""
    hours: PermittedHours | None = None
    for fence in fences_for(vehicle_id, fences, FenceKind.permitted_area):
        if fence.contains(lat, lon):
            own = fence.hours or default
            hours = own if hours is None else hours.union(own)
    return hours or default


# -- dwell: stretches and episodes ----------------------------------------------------------------


def episodes(fixes: Sequence[Fix], holds: Sequence[bool], settings: VehicleSettings) -> list[tuple[int, int]]:
    """The episodes of a condition judged at each fix, as (first, last) fix indexes; see the
    module's docstring for the dwell."""
    dwell = timedelta(minutes=settings.dwell_minutes)
    gap = timedelta(minutes=settings.max_gap_minutes)
    found: list[tuple[int, int]] = []
    current: list[int] | None = None
    i = 0
    while i < len(fixes):
        j = i
        while j + 1 < len(fixes) and holds[j + 1] == holds[i] and fixes[j + 1].at - fixes[j].at <= gap:
            j += 1
        firm = j - i + 1 >= settings.min_fixes and fixes[j].at - fixes[i].at >= dwell
        if holds[i] and (firm or current is not None):
            current = [i, j] if current is None else [current[0], j]
        elif not holds[i] and firm and current is not None:
            found.append((current[0], current[1]))
            current = None
        if current is not None and j + 1 < len(fixes) and fixes[j + 1].at - fixes[j].at > gap:
            found.append((current[0], current[1]))
            current = None
        i = j + 1
    if current is not None:
        found.append((current[0], current[1]))
    return found


def _violations(
    kind: ViolationKind,
    track: CleanTrack,
    holds: Sequence[bool],
    settings: VehicleSettings,
    fence: Fence | None = None,
    values: Callable[[int, int], dict[str, Any]] | None = None,
) -> list[Violation]:
    fixes = track.fixes
    out = []
    for i, j in episodes(fixes, holds, settings):
        first, last = fixes[i], fixes[j]
        where = Where(first.lat, first.lon, fence.id if fence else None, fence.name if fence else None)
        km = math.fsum(between(a, b) for a, b in zip(fixes[i:j], fixes[i + 1 : j + 1], strict=True))
        base = {
            "minutes": round((last.at - first.at).total_seconds() / 60, 2),
            "fixes": j - i + 1,
            "km": round(km, 3),
        }
        out.append(
            Violation(
                kind,
                track.vehicle_id,
                first.at,
                last.at,
                where,
                ongoing=j == len(fixes) - 1,
                values=base | (values(i, j) if values else {}),
            )
        )
    return out


def _day_type(at: datetime, calendar: WorkCalendar) -> str:
    return "working_day" if calendar.is_workday(at.astimezone(LOCAL).date()) else "rest_day"


# -- the checks -----------------------------------------------------------------------------------


def out_of_hours(
    fixes: Sequence[Fix] | CleanTrack,
    fences: Sequence[Fence],
    calendar: WorkCalendar,
    settings: VehicleSettings | None = None,
) -> list[Violation]:
    """Use outside the permitted hours (超时用车): in use at a position and instant its permitted
    hours do not cover; values give the day type ('working_day'/'rest_day') of the start."""
    settings = settings or VehicleSettings()
    track = _clean(fixes, settings)
    speeds = _speeds(track.fixes)
    holds = [
        _in_use(f, speeds[n], settings)
        and not hours_at(f.lat, f.lon, track.vehicle_id, fences, settings.default_hours).permits(
            f.at, calendar
        )
        for n, f in enumerate(track.fixes)
    ]
    return _violations(
        ViolationKind.out_of_hours,
        track,
        holds,
        settings,
        values=lambda i, j: {"day_type": _day_type(track.fixes[i].at, calendar)},
    )


def out_of_area(
    fixes: Sequence[Fix] | CleanTrack, fences: Sequence[Fence], settings: VehicleSettings | None = None
) -> list[Violation]:
    """Leaving the permitted area (越界): outside every permitted area that applies to the
    vehicle. A vehicle without a permitted area is not checked."""
    settings = settings or VehicleSettings()
    track = _clean(fixes, settings)
    areas = fences_for(track.vehicle_id, fences, FenceKind.permitted_area)
    if not areas:
        return []
    holds = [not any(a.contains(f.lat, f.lon) for a in areas) for f in track.fixes]
    return _violations(ViolationKind.out_of_area, track, holds, settings)


def special_areas(
    fixes: Sequence[Fix] | CleanTrack,
    fences: Sequence[Fence],
    calendar: WorkCalendar,
    settings: VehicleSettings | None = None,
) -> list[Violation]:
    """Entering a special area (进入特殊区域): inside it outside its calendar (never permitted
    without one). One list of episodes per area."""
    settings = settings or VehicleSettings()
    track = _clean(fixes, settings)
    out: list[Violation] = []
    for area in fences_for(track.vehicle_id, fences, FenceKind.special_area):
        holds = [
            area.contains(f.lat, f.lon)
            and not (area.hours is not None and area.hours.permits(f.at, calendar))
            for f in track.fixes
        ]
        out += _violations(ViolationKind.special_area, track, holds, settings, fence=area)
    return out


@dataclass(frozen=True)
class Stop:
    """Consecutive fixes within the stop radius of the first; `lat`/`lon` their mean."""

    first: int
    last: int
    start: datetime
    end: datetime
    lat: float
    lon: float


def stops(fixes: Sequence[Fix], settings: VehicleSettings) -> list[Stop]:
    """The stops of at least `parking_minutes` and two fixes."""
    found = []
    radius_km = settings.stop_radius_m / 1000
    i = 0
    while i < len(fixes):
        j = i
        while j + 1 < len(fixes) and between(fixes[i], fixes[j + 1]) <= radius_km:
            j += 1
        if j > i and fixes[j].at - fixes[i].at >= timedelta(minutes=settings.parking_minutes):
            part = fixes[i : j + 1]
            lat = math.fsum(f.lat for f in part) / len(part)
            lon = math.fsum(f.lon for f in part) / len(part)
            found.append(Stop(i, j, fixes[i].at, fixes[j].at, lat, lon))
        i = j + 1
    return found


def _night_minutes(start: datetime, end: datetime, night: Sequence[str]) -> float:
    total = 0.0
    day = start.astimezone(LOCAL).date() - timedelta(days=1)
    while day <= end.astimezone(LOCAL).date():
        midnight = start_of_local_day(day)
        for text in night:
            a, b = time_range(text)
            lo, hi = max(start, midnight + timedelta(seconds=a)), min(end, midnight + timedelta(seconds=b))
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += timedelta(days=1)
    return total


def unregistered_parking(
    fixes: Sequence[Fix] | CleanTrack,
    fences: Sequence[Fence],
    calendar: WorkCalendar,
    settings: VehicleSettings | None = None,
) -> list[Violation]:
    """Parking at an unregistered place (未按备案地点停放; see the module's docstring). Values:
    night and outside-hours minutes, and the registered place whose calendar did not cover the
    stop, if the stop was inside one."""
    settings = settings or VehicleSettings()
    track = _clean(fixes, settings)
    places = fences_for(track.vehicle_id, fences, FenceKind.registered_parking)
    out = []
    for stop in stops(track.fixes, settings):
        inside = [p for p in places if p.contains(stop.lat, stop.lon)]
        if any(p.hours is None or not p.hours.outside(stop.start, stop.end, calendar) for p in inside):
            continue
        night = _night_minutes(stop.start, stop.end, settings.night)
        hours = hours_at(stop.lat, stop.lon, track.vehicle_id, fences, settings.default_hours)
        outside = hours.outside(stop.start, stop.end, calendar).total_seconds() / 60
        if night <= 0 and outside <= 0:
            continue
        values: dict[str, Any] = {
            "minutes": round((stop.end - stop.start).total_seconds() / 60, 2),
            "fixes": stop.last - stop.first + 1,
            "night_minutes": round(night, 2),
            "minutes_outside_hours": round(outside, 2),
        }
        if inside:
            values["registered_outside_its_hours"] = [p.id for p in inside]
        out.append(
            Violation(
                ViolationKind.unregistered_parking,
                track.vehicle_id,
                stop.start,
                stop.end,
                Where(stop.lat, stop.lon),
                ongoing=stop.last == len(track.fixes) - 1,
                values=values,
            )
        )
    return out


def check(
    fixes: Sequence[Fix] | CleanTrack,
    fences: Sequence[Fence],
    calendar: WorkCalendar,
    settings: VehicleSettings | None = None,
) -> list[Violation]:
    """Every check over one vehicle's fixes, in order of start."""
    settings = settings or VehicleSettings()
    track = _clean(fixes, settings)
    found = [
        *out_of_hours(track, fences, calendar, settings),
        *out_of_area(track, fences, settings),
        *special_areas(track, fences, calendar, settings),
        *unregistered_parking(track, fences, calendar, settings),
    ]
    return sorted(found, key=lambda v: (v.start, v.kind))


def check_fleet(
    fixes: Iterable[Fix],
    fences: Sequence[Fence],
    calendar: WorkCalendar,
    settings: VehicleSettings | None = None,
) -> list[Violation]:
    """`check` for each vehicle of a mixed batch of fixes."""
    settings = settings or VehicleSettings()
    return [
        v
        for track in tracks(fixes).values()
        for v in check(clean(track, settings.track), fences, calendar, settings)
    ]


# -- mileage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mileage:
    """Kilometres per vehicle and per unit, per local day and per month ('YYYY-MM'); jumps left
    out; vehicles with no unit are counted for themselves only and listed in `unassigned`."""

    vehicle_day: dict[str, dict[date, float]]
    vehicle_month: dict[str, dict[str, float]]
    unit_day: dict[str, dict[date, float]]
    unit_month: dict[str, dict[str, float]]
    jumps: tuple[Jump, ...]
    unassigned: tuple[str, ...]


def _months(days: Mapping[date, float]) -> dict[str, float]:
    parts: dict[str, list[float]] = defaultdict(list)
    for day, km in days.items():
        parts[f"{day:%Y-%m}"].append(km)
    return {m: math.fsum(kms) for m, kms in sorted(parts.items())}


def mileage(fixes: Iterable[Fix], units: Mapping[str, str], settings: TrackSettings | None = None) -> Mileage:
    """Mileage statistics (里程统计) of a batch of fixes, `units` mapping vehicle id to unit.
    Days are local days, a leg over midnight shared by time (see `tracks.km_per_day`)."""
    settings = settings or TrackSettings()
    vehicle_day: dict[str, dict[date, float]] = {}
    jumps: list[Jump] = []
    for vehicle, track in sorted(tracks(fixes).items()):
        cleaned = clean(track, settings)
        vehicle_day[vehicle] = km_per_day(cleaned.legs)
        jumps += cleaned.jumps
    unit_parts: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for vehicle, days in vehicle_day.items():
        unit = units.get(vehicle)
        if unit is not None:
            for day, km in days.items():
                unit_parts[unit][day].append(km)
    unit_day = {
        unit: {day: math.fsum(kms) for day, kms in sorted(days.items())}
        for unit, days in sorted(unit_parts.items())
    }
    return Mileage(
        vehicle_day=vehicle_day,
        vehicle_month={v: _months(days) for v, days in vehicle_day.items()},
        unit_day=unit_day,
        unit_month={u: _months(days) for u, days in unit_day.items()},
        jumps=tuple(jumps),
        unassigned=tuple(v for v in vehicle_day if v not in units),
    )
