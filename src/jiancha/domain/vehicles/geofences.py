"""Geofences (电子围栏) of official vehicles, read from GeoJSON, with their permitted hours.

A GeoJSON FeatureCollection (RFC 7946) of Polygon or MultiPolygon features, coordinates
[longitude, latitude] in WGS-84, each ring closed (first position repeated last), the first ring of
a polygon its boundary and the others holes. Properties:

- `id` (required, unique) and `name` (defaults to the id);
- `kind`: `permitted_area` (where the vehicle may be used, 允许行驶区域), `special_area` (scenic
  spots, entertainment venues, 特殊区域), `registered_parking` (停车备案点);
- `calendar` (optional): the hours when being in the fence is permitted, by local (Asia/Shanghai)
  day type, e.g. {"working_days": ["07:00-19:00"], "rest_days": []}; working days and rest days
  (weekends, statutory holidays, less 调休 working days) come from the WorkCalendar. What a fence
  without a calendar means depends on its kind (see `rules`);
- `vehicles` (optional): the vehicle ids the fence applies to; without it, every vehicle.

`read_geofences` refuses a collection with any bad feature, naming the feature (from 1) and the
field in Chinese and English: a fence half read would raise false alarms or hide true ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, field_validator

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import LOCAL, start_of_local_day

Position = tuple[float, float]  # (longitude, latitude), GeoJSON's order
Ring = tuple[Position, ...]

_RANGE = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")
MAX_NAME = 200


class FenceKind(StrEnum):
    permitted_area = "permitted_area"
    special_area = "special_area"
    registered_parking = "registered_parking"


@lru_cache(maxsize=1024)
def time_range(text: str) -> tuple[int, int]:
    """'07:00-19:00' as seconds after local midnight [start, end); '24:00' ends at midnight.
    Raises ValueError (中文 | English) for anything else, a range over midnight included: it
    would be unclear which day's type it follows, so it is written as two ranges."""
    m = _RANGE.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"时段 {text!r} 格式无效，应为 HH:MM-HH:MM | the range {text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"时段 {text} 的时刻无效 | the range {text} has an invalid time")
    start, end = (h1 * 60 + m1) * 60, (h2 * 60 + m2) * 60
    if end <= start:
        raise ValueError(
            f"时段 {text} 须结束于开始之后；跨午夜请写成两段，如 22:00-24:00 与 00:00-06:00 | "
            f"the range {text} must end after it starts; over midnight write two ranges, "
            "e.g. 22:00-24:00 and 00:00-06:00"
        )
    return start, end


class PermittedHours(BaseModel):
    """Permitted hours by local day type: ranges 'HH:MM-HH:MM' on working days and on rest days
    (weekends and statutory holidays as the WorkCalendar says, 调休 working days being working
    days). An instant is permitted if it lies in a range of its local day's type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    working_days: tuple[str, ...] = ()
    rest_days: tuple[str, ...] = ()

    @field_validator("working_days", "rest_days")
    @classmethod
    def _ranges(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            time_range(text)
        return value

    def ranges(self, workday: bool) -> tuple[tuple[int, int], ...]:
        return tuple(time_range(t) for t in (self.working_days if workday else self.rest_days))

    def permits(self, at: datetime, calendar: WorkCalendar) -> bool:
        local = at.astimezone(LOCAL)
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(a <= second < b for a, b in self.ranges(calendar.is_workday(local.date())))

    def intervals(self, day: date, calendar: WorkCalendar) -> list[tuple[datetime, datetime]]:
        """The permitted intervals of a local day, as instants."""
        midnight = start_of_local_day(day)
        return [
            (midnight + timedelta(seconds=a), midnight + timedelta(seconds=b))
            for a, b in self.ranges(calendar.is_workday(day))
        ]

    def outside(self, start: datetime, end: datetime, calendar: WorkCalendar) -> timedelta:
        """How much of [start, end] lies outside the permitted hours."""
        day = start.astimezone(LOCAL).date()
        last = end.astimezone(LOCAL).date()
        clipped: list[tuple[datetime, datetime]] = []
        while day <= last:
            for a, b in self.intervals(day, calendar):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    clipped.append((lo, hi))
            day += timedelta(days=1)
        # Ranges of united hours may overlap: count each covered instant once.
        covered, reach = timedelta(), start
        for lo, hi in sorted(clipped):
            lo = max(lo, reach)
            if hi > lo:
                covered += hi - lo
                reach = hi
        return (end - start) - covered

    def union(self, other: PermittedHours) -> PermittedHours:
        """Permitted when either permits."""
        return PermittedHours(
            working_days=self.working_days + other.working_days, rest_days=self.rest_days + other.rest_days
        )


@dataclass(frozen=True)
class Polygon:
    """A boundary ring and its holes, [lon, lat] positions, closed."""

    outer: Ring
    holes: tuple[Ring, ...] = ()

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        lons = [p[0] for p in self.outer]
        lats = [p[1] for p in self.outer]
        return min(lons), min(lats), max(lons), max(lats)

    def contains(self, lat: float, lon: float) -> bool:
        """Inside the boundary and in no hole (ray casting; a point exactly on an edge may fall
        either way — the dwell time of the rules absorbs that)."""
        w, s, e, n = self.bbox
        if not (w <= lon <= e and s <= lat <= n):
            return False
        return in_ring(lon, lat, self.outer) and not any(in_ring(lon, lat, h) for h in self.holes)


def in_ring(x: float, y: float, ring: Ring) -> bool:
    """Ray casting (even–odd rule) in the plane of longitude and latitude: fences are a few
    kilometres across, where the plane and the sphere agree far better than GPS does."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


@dataclass(frozen=True)
class Fence:
    id: str
    name: str
    kind: FenceKind
    polygons: tuple[Polygon, ...]
    hours: PermittedHours | None = None
    vehicles: frozenset[str] | None = None  # None: every vehicle

    def contains(self, lat: float, lon: float) -> bool:
        return any(p.contains(lat, lon) for p in self.polygons)

    def applies_to(self, vehicle_id: str) -> bool:
        return self.vehicles is None or vehicle_id in self.vehicles


def fences_for(vehicle_id: str, fences: Iterable[Fence], kind: FenceKind) -> list[Fence]:
    """The fences of a kind that apply to a vehicle."""
    return [f for f in fences if f.kind == kind and f.applies_to(vehicle_id)]


# -- reading GeoJSON -----------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, code: str, field: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.field, self.zh, self.en = code, field, zh, en


def _refuse(problems: list[Problem]) -> Rejected:
    return Rejected(
        "geofences_rejected",
        f"围栏文件有 {len(problems)} 处错误，未读入任何围栏",
        f"the geofence file has {len(problems)} errors; no fence was read",
        problems,
    )


def read_geofences(data: bytes | str | Mapping[str, Any]) -> tuple[Fence, ...]:
    """The fences of a GeoJSON FeatureCollection (see the module's docstring), or Rejected with
    a Problem per bad field, each naming its feature (from 1) and field in both languages."""
    if isinstance(data, Mapping):
        doc: Any = data
    else:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            zh, en = "围栏文件不是有效的 JSON", f"the geofence file is not valid JSON: {e}"
            raise _refuse([Problem("unreadable_file", "(file)", zh, en)]) from e
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        zh, en = "围栏文件应为 GeoJSON FeatureCollection", "a geofence file is a GeoJSON FeatureCollection"
        raise _refuse([Problem("not_geojson", "type", zh, en)])
    features = doc.get("features")
    if not isinstance(features, list):
        zh, en = "features 应为数组", "features must be an array"
        raise _refuse([Problem("not_geojson", "features", zh, en)])
    fences: list[Fence] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for n, feature in enumerate(features, start=1):
        found = _feature(feature)
        if isinstance(found, Fence):
            if found.id in seen:
                found = [
                    _Bad("repeated", "properties.id", f"编号 {found.id} 重复", f"id {found.id} is repeated")
                ]
            else:
                seen.add(found.id)
                fences.append(found)
                continue
        problems.extend(
            Problem(
                b.code,
                b.field,
                f"第 {n} 个围栏 {b.field}：{b.zh}",
                f"feature {n}, {b.field}: {b.en}",
                n,
            )
            for b in found
        )
    if problems:
        raise _refuse(problems)
    return tuple(fences)


def _feature(feature: Any) -> Fence | list[_Bad]:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        return [_Bad("not_geojson", "type", "应为 GeoJSON Feature", "must be a GeoJSON Feature")]
    bad: list[_Bad] = []
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        bad.append(_Bad("required", "properties", "缺少属性对象", "the properties object is missing"))
        props = {}
    fence_id = props.get("id", feature.get("id"))
    if isinstance(fence_id, int) and not isinstance(fence_id, bool):
        fence_id = str(fence_id)
    if not isinstance(fence_id, str) or not fence_id.strip():
        bad.append(_Bad("required", "properties.id", "缺少围栏编号", "the fence id is missing"))
        fence_id = ""
    name = props.get("name", fence_id)
    if not isinstance(name, str) or len(name) > MAX_NAME:
        bad.append(
            _Bad(
                "wrong_type",
                "properties.name",
                f"名称应为不超过 {MAX_NAME} 字的文本",
                f"the name must be text of at most {MAX_NAME} characters",
            )
        )
    kind = props.get("kind")
    if kind not in set(FenceKind):
        bad.append(
            _Bad(
                "bad_kind",
                "properties.kind",
                "类型应为 permitted_area（允许区域）、special_area（特殊区域）"
                "或 registered_parking（停车备案点）",
                "kind must be permitted_area, special_area or registered_parking",
            )
        )
    hours = None
    if props.get("calendar") is not None:
        try:
            hours = _hours(props["calendar"])
        except _Bad as b:
            bad.append(b)
    vehicles = None
    if props.get("vehicles") is not None:
        listed = props["vehicles"]
        if not isinstance(listed, list) or not all(isinstance(v, str) and v.strip() for v in listed):
            bad.append(
                _Bad(
                    "wrong_type",
                    "properties.vehicles",
                    "应为车辆编号的数组",
                    "must be an array of vehicle ids",
                )
            )
        else:
            vehicles = frozenset(v.strip() for v in listed)
    polygons: tuple[Polygon, ...] = ()
    try:
        polygons = _geometry(feature.get("geometry"))
    except _Bad as b:
        bad.append(b)
    if bad:
        return bad
    return Fence(
        fence_id.strip(), str(name).strip() or fence_id, FenceKind(str(kind)), polygons, hours, vehicles
    )


def _hours(calendar: Any) -> PermittedHours:
    field = "properties.calendar"
    if not isinstance(calendar, Mapping):
        raise _Bad("wrong_type", field, '应为对象，如 {"working_days": ["07:00-19:00"]}', "must be an object")
    unknown = set(calendar) - {"working_days", "rest_days"}
    if unknown:
        raise _Bad(
            "unknown_field",
            field,
            f"只能有 working_days 与 rest_days，多出 {sorted(unknown)}",
            f"only working_days and rest_days are allowed, not {sorted(unknown)}",
        )
    for key in ("working_days", "rest_days"):
        ranges = calendar.get(key, [])
        if not isinstance(ranges, list):
            raise _Bad("wrong_type", f"{field}.{key}", "应为时段数组", "must be an array of ranges")
        for i, text in enumerate(ranges):
            try:
                if not isinstance(text, str):
                    raise ValueError("时段应为文本 HH:MM-HH:MM | a range is text HH:MM-HH:MM")
                time_range(text)
            except ValueError as e:
                zh, _, en = str(e).partition(" | ")
                raise _Bad("bad_range", f"{field}.{key}[{i}]", zh, en) from e
    return PermittedHours(
        working_days=tuple(calendar.get("working_days", [])), rest_days=tuple(calendar.get("rest_days", []))
    )


def _geometry(geometry: Any) -> tuple[Polygon, ...]:
    if not isinstance(geometry, Mapping):
        raise _Bad("required", "geometry", "缺少几何图形", "the geometry is missing")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return (_polygon(coords, "geometry.coordinates"),)
    if kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise _Bad(
                "bad_geometry", "geometry.coordinates", "应为多边形的数组", "must be an array of polygons"
            )
        return tuple(_polygon(c, f"geometry.coordinates[{i}]") for i, c in enumerate(coords))
    raise _Bad(
        "bad_geometry",
        "geometry.type",
        "几何类型应为 Polygon 或 MultiPolygon",
        "the geometry must be a Polygon or a MultiPolygon",
    )


def _polygon(rings: Any, field: str) -> Polygon:
    if not isinstance(rings, list) or not rings:
        raise _Bad("bad_geometry", field, "应为线环的数组", "must be an array of linear rings")
    return Polygon(
        _ring(rings[0], f"{field}[0]"), tuple(_ring(r, f"{field}[{i}]") for i, r in enumerate(rings) if i)
    )


def _ring(ring: Any, field: str) -> Ring:
    if not isinstance(ring, list) or len(ring) < 4:
        raise _Bad(
            "bad_geometry",
            field,
            "线环至少需要 4 个坐标（首尾相同）",
            "a linear ring needs at least 4 positions, the last equal to the first",
        )
    positions: list[Position] = []
    for i, p in enumerate(ring):
        ok = (
            isinstance(p, list)
            and len(p) >= 2
            and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in p[:2]
            )
        )
        if not ok:
            raise _Bad(
                "bad_geometry",
                f"{field}[{i}]",
                "坐标应为 [经度, 纬度] 数字",
                "a position is [longitude, latitude] numbers",
            )
        lon, lat = float(p[0]), float(p[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _Bad(
                "out_of_range",
                f"{field}[{i}]",
                "经度须在 -180 至 180、纬度须在 -90 至 90 之间（顺序为 [经度, 纬度]）",
                "longitude must lie in -180..180 and latitude in -90..90 "
                "(the order is [longitude, latitude])",
            )
        positions.append((lon, lat))
    if positions[0] != positions[-1]:
        raise _Bad(
            "not_closed",
            field,
            "线环未闭合：末个坐标须与首个相同",
            "the ring is not closed: the last position must equal the first",
        )
    if len(set(positions)) < 3:
        raise _Bad(
            "bad_geometry", field, "线环至少需要 3 个不同的坐标", "a ring needs at least 3 distinct positions"
        )
    return tuple(positions)
