"""The demo's official vehicles (R-MON-3): three cars of each of two city departments, the city's
permitted area with a scenic spot in it and each department's car park, and the last week of
tracks (a fix a minute while driving). Most trips are ordinary — to a site and back in working
hours, parked overnight in the car park — and a few are what the checks look for: a trip at 22:00
on a working day, a trip on a rest day, a visit to the scenic spot, a night parked at home; and
GPS drift across the city's boundary that raises nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.timeutil import LOCAL, local_date
from jiancha.domain.vehicles.tracks import Fix
from jiancha.services import vehicles
from jiancha.store.database import Database

Point = tuple[float, float]  # (lat, lon)
CITY = [[120.0, 30.0], [120.3, 30.0], [120.3, 30.25], [120.0, 30.25], [120.0, 30.0]]
SCENIC = [[120.2, 30.18], [120.23, 30.18], [120.23, 30.21], [120.2, 30.21], [120.2, 30.18]]
SCENIC_INSIDE: Point = (30.195, 120.215)
SITES: list[Point] = [(30.08, 120.15), (30.12, 120.22), (30.2, 120.1)]
HOME: Point = (30.15, 120.05)
EDGE: Point = (30.1, 120.2995)  # just inside the city's eastern boundary


def _square(lat: float, lon: float, half: float = 0.002) -> list[list[float]]:
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


def _office(n: int) -> Point:
    return (30.05 + 0.01 * n, 120.05 + 0.01 * n)


def geofences(n: int) -> dict[str, Any]:
    """The city's area, its scenic spot, and department n's car park."""

    def feature(fid: str, name: str, kind: str, ring: list[list[float]]) -> dict[str, Any]:
        return {
            "type": "Feature",
            "properties": {"id": fid, "name": name, "kind": kind},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    return {
        "type": "FeatureCollection",
        "features": [
            feature("city", "示范市市区", "permitted_area", CITY),
            feature("scenic", "示范山风景区", "special_area", SCENIC),
            feature("car-park", "机关停车场", "registered_parking", _square(*_office(n))),
        ],
    }


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


def _drive(vehicle: str, start: datetime, a: Point, b: Point, minutes: int) -> list[Fix]:
    return [
        Fix(
            vehicle,
            start + timedelta(minutes=k),
            round(a[0] + (b[0] - a[0]) * k / minutes, 6),
            round(a[1] + (b[1] - a[1]) * k / minutes, 6),
            None,
            True,
        )
        for k in range(minutes + 1)
    ]


def _parked(vehicle: str, start: datetime, where: Point, minutes: int, every: int) -> list[Fix]:
    return [
        Fix(vehicle, start + timedelta(minutes=m), where[0], where[1], 0.0, False)
        for m in range(0, minutes + 1, every)
    ]


def tracks(cars: Sequence[tuple[str, int]], calendar: WorkCalendar, now: datetime) -> list[Fix]:
    """The week's fixes; `cars` are (vehicle id, department index). The first car of the first
    department drives at night, the second on a rest day and to the scenic spot, the third stays
    at home overnight; the first car of the second department drifts by the boundary."""
    today = local_date(now)
    days = [today - timedelta(days=k) for k in range(8, 0, -1)]
    working = [d for d in days if calendar.is_workday(d)]
    rest = [d for d in days if not calendar.is_workday(d)]
    pairs = [d for d in working if d + timedelta(days=1) in working]
    fixes: list[Fix] = []
    for vehicle, n in cars:
        office = _office(n)
        for k, day in enumerate(working):
            site = SITES[(k + n) % len(SITES)]
            fixes += _drive(vehicle, _at(day, 9), office, site, 30)
            fixes += _drive(vehicle, _at(day, 15), site, office, 30)
    night, holiday, homebound = (v for v, n in cars if n == 0)
    drifting = next(v for v, n in cars if n == 1)
    office = _office(0)
    if working:
        fixes += _drive(night, _at(working[-1], 22), office, HOME, 25)  # 超时用车
        fixes += _drive(night, _at(working[-1], 22, 30), HOME, office, 25)
        fixes += _drive(holiday, _at(working[0], 13, 30), office, SCENIC_INSIDE, 25)  # 进入景区
        fixes += _drive(holiday, _at(working[0], 13, 56), SCENIC_INSIDE, (30.2, 120.22), 20)
        fixes += _drive(holiday, _at(working[0], 14, 17), (30.2, 120.22), office, 25)
        edge = _parked(drifting, _at(working[0], 11), EDGE, 30, 1)  # 漂移 two fixes out
        edge[10] = Fix(drifting, edge[10].at, EDGE[0], 120.3015, 0.0, False)
        edge[11] = Fix(drifting, edge[11].at, EDGE[0], 120.3012, 0.0, False)
        fixes += edge
    if rest:
        fixes += _drive(holiday, _at(rest[0], 10), office, SITES[2], 40)  # 节假日用车
        fixes += _drive(holiday, _at(rest[0], 16), SITES[2], office, 40)
    if pairs:
        evening = pairs[0]
        fixes += _drive(homebound, _at(evening, 18, 20), office, HOME, 20)  # 停放在家
        fixes += _parked(homebound, _at(evening, 18, 41), HOME, 12 * 60 + 30, 30)
        fixes += _drive(homebound, _at(evening + timedelta(days=1), 7, 15), HOME, office, 20)
    return fixes


def drive(
    db: Database, departments: Sequence[tuple[str, str]], calendar: WorkCalendar, now: datetime
) -> dict[str, int]:
    """Register the cars, send the fences and the week's tracks as the units' systems would."""
    units = list(departments[:2])
    cars: list[tuple[str, int]] = []
    registered: list[vehicles.VehicleIn] = []
    for n, (code, _name) in enumerate(units):
        for k in range(3):
            vid = f"GC-{code.split('-')[-1]}-{k + 1:02d}"
            cars.append((vid, n))
            registered.append(vehicles.VehicleIn(vid, code, f"浙F·G{n}{k + 1:03d}", "公务用车"))
    vehicles.register(db, registered, "demo", None, now=now)
    for n, (code, name) in enumerate(units):
        vehicles.receive_geofences(db, code, geofences(n), f"{name} 公车监控平台", None, now=now)
    fixes = tracks(cars, calendar, now)
    done = vehicles.receive_fixes(db, fixes, "公车监控平台", None, now=now)
    return {"vehicles": len(cars), "fixes": done["accepted"], "signals": done["signals_raised"]}
