"""GPS/BeiDou tracks of official vehicles: reading fixes, distances, mileage and jumps.

A fix (定位点) is one position report of one vehicle: `vehicle_id`, `at` (ISO 8601 with an offset:
receivers report UTC, departmental systems local time, so a time without an offset is refused
rather than guessed), `lat` and `lon` in WGS-84 degrees, optionally `speed_kmh` and `ignition`.

Files:
- CSV with a header naming at least vehicle_id, at, lat, lon (speed_kmh and ignition optional,
  other columns ignored); row numbers count the header as row 1, as a spreadsheet shows them.
- JSON: an array of fix objects with the same fields; or `{"vehicle_id": ..., "points": [...]}`
  whose points need no vehicle_id of their own; or an array of such objects. Items and points
  are numbered from 1.

Every bad row is reported at once, naming its row and field in Chinese and English; the good rows
are kept, and `ReadFixes.accepted()` lets a caller refuse the whole file instead.

Distances are great circles on a sphere of the mean Earth radius (haversine, WGS-84 coordinates);
mileage sums the legs between consecutive fixes, except implausible jumps (see `legs`).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import LOCAL, plausible_instant, start_of_local_day

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1 of the WGS-84 ellipsoid
REQUIRED = ("vehicle_id", "at", "lat", "lon")
MAX_VEHICLE_ID = 64

_TRUE = frozenset({"true", "1", "yes", "y", "on", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "否"})


@dataclass(frozen=True, slots=True)
class Fix:
    """One position report; `at` is always in UTC."""

    vehicle_id: str
    at: datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    ignition: bool | None = None


@dataclass(frozen=True)
class ReadFixes:
    """What a file gave: the fixes of its good rows and a Problem for each bad field."""

    fixes: tuple[Fix, ...]
    problems: tuple[Problem, ...]

    def accepted(self) -> tuple[Fix, ...]:
        """The fixes, or Rejected naming every bad row if there is one."""
        if self.problems:
            raise Rejected(
                "track_rejected",
                f"轨迹文件有 {len(self.problems)} 处错误",
                f"the track file has {len(self.problems)} errors",
                list(self.problems),
            )
        return self.fixes


# -- reading ------------------------------------------------------------------------------------


def _unreadable(zh: str, en: str) -> Rejected:
    return Rejected("unreadable_file", zh, en, [Problem("unreadable_file", "(file)", zh, en)])


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _unreadable("轨迹文件不是 UTF-8 编码", f"the track file is not UTF-8: {e}") from e


def read_csv(data: bytes | str) -> ReadFixes:
    """Fixes from CSV (see the module's docstring). A file without the required columns is
    refused whole (Rejected); a bad row is a Problem naming its row and field."""
    reader = csv.DictReader(io.StringIO(_decode(data)))
    try:
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as e:
        raise _unreadable("轨迹文件无法按 CSV 读取", f"the track file is not CSV: {e}") from e
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        header_problems = [
            Problem(
                "missing_column",
                name,
                f"第 1 行（表头）缺少列 {name}",
                f"row 1 (header): column {name} is missing",
                1,
            )
            for name in missing
        ]
        raise Rejected(
            "track_rejected",
            "轨迹文件缺少必需的列：" + "、".join(missing),
            "the track file lacks required columns: " + ", ".join(missing),
            header_problems,
        )
    reader.fieldnames = header
    fixes: list[Fix] = []
    problems: list[Problem] = []
    try:
        for row in reader:
            _take(row, reader.line_num, ("第 {} 行", "row {}"), None, fixes, problems)
    except csv.Error as e:
        raise _unreadable(
            f"第 {reader.line_num} 行无法按 CSV 读取", f"row {reader.line_num} is not CSV: {e}"
        ) from e
    return ReadFixes(tuple(fixes), tuple(problems))


def read_json(data: bytes | str) -> ReadFixes:
    """Fixes from JSON (see the module's docstring). A document of another shape is refused whole
    (Rejected); a bad fix is a Problem naming its item or point and field."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise _unreadable("轨迹文件不是有效的 JSON", f"the track file is not valid JSON: {e}") from e
    shape_zh = "JSON 轨迹应为定位点数组，或 {vehicle_id, points} 对象（或其数组）"
    shape_en = "a JSON track is an array of fixes, or a {vehicle_id, points} object (or an array of them)"
    fixes: list[Fix] = []
    problems: list[Problem] = []
    tracks = [doc] if isinstance(doc, dict) else doc
    if not isinstance(tracks, list):
        raise _unreadable(shape_zh, shape_en)
    for n, item in enumerate(tracks, start=1):
        if isinstance(item, dict) and "points" in item:
            points = item["points"]
            where = (
                ("第 {} 个点", "point {}")
                if isinstance(doc, dict)
                else (f"第 {n} 项第 {{}} 个点", f"item {n} point {{}}")
            )
            if not isinstance(points, list):
                problems.append(
                    _problem("wrong_type", "points", "第 {} 项", "item {}", n, "应为数组", "must be an array")
                )
                continue
            owner = item.get("vehicle_id")
            for i, point in enumerate(points, start=1):
                if not isinstance(point, dict):
                    problems.append(
                        _problem(
                            "wrong_type", "(point)", *where, i, "应为 JSON 对象", "must be a JSON object"
                        )
                    )
                    continue
                _take(point, i, where, owner, fixes, problems)
        elif isinstance(item, dict):
            _take(item, n, ("第 {} 项", "item {}"), None, fixes, problems)
        else:
            problems.append(
                _problem(
                    "wrong_type",
                    "(item)",
                    "第 {} 项",
                    "item {}",
                    n,
                    "应为 JSON 对象",
                    "must be a JSON object",
                )
            )
    return ReadFixes(tuple(fixes), tuple(problems))


def read_file(data: bytes | str, filename: str) -> ReadFixes:
    """JSON if the name ends in .json or .geojson, CSV otherwise."""
    if filename.lower().endswith((".json", ".geojson")):
        return read_json(data)
    return read_csv(data)


def _problem(code: str, field: str, where_zh: str, where_en: str, index: int, zh: str, en: str) -> Problem:
    return Problem(
        code,
        field,
        f"{where_zh.format(index)} {field}：{zh}",
        f"{where_en.format(index)}, {field}: {en}",
        index,
    )


class _Bad(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def _take(
    row: Mapping[str, Any],
    index: int,
    where: tuple[str, str],
    owner: Any,
    fixes: list[Fix],
    problems: list[Problem],
) -> None:
    """Append the fix of `row`, or a Problem for each of its bad fields."""
    values: dict[str, Any] = {}
    readers = {
        "vehicle_id": _vehicle_id,
        "at": _instant,
        "lat": lambda v: _number(v, -90, 90, "纬度", "latitude"),
        "lon": lambda v: _number(v, -180, 180, "经度", "longitude"),
        "speed_kmh": _speed,
        "ignition": _flag,
    }
    bad = False
    for name, read in readers.items():
        raw = row.get(name)
        if name == "vehicle_id" and _blank(raw) and owner is not None:
            raw = owner
        try:
            values[name] = read(raw)
        except _Bad as e:
            problems.append(_problem(e.code, name, where[0], where[1], index, e.zh, e.en))
            bad = True
    if not bad:
        fixes.append(Fix(**values))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _vehicle_id(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if _blank(value):
        raise _Bad("required", "缺少车辆编号", "the vehicle id is missing")
    if not isinstance(value, str):
        raise _Bad("wrong_type", "车辆编号应为文本", "the vehicle id must be text")
    if len(value.strip()) > MAX_VEHICLE_ID:
        raise _Bad(
            "too_long",
            f"车辆编号过长（最多 {MAX_VEHICLE_ID} 字）",
            f"the vehicle id is longer than {MAX_VEHICLE_ID} characters",
        )
    return value.strip()


def _instant(value: Any) -> datetime:
    if _blank(value):
        raise _Bad("required", "缺少定位时间", "the time is missing")
    if not isinstance(value, str):
        raise _Bad("wrong_type", "定位时间应为 ISO 8601 文本", "the time must be ISO 8601 text")
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError as e:
        raise _Bad(
            "bad_time",
            "定位时间格式无效，应为 ISO 8601，如 2026-03-02T08:15:00+08:00",
            "the time is not ISO 8601, e.g. 2026-03-02T08:15:00+08:00",
        ) from e
    if at.tzinfo is None:
        raise _Bad(
            "no_offset",
            "定位时间须带时区偏移，如 +08:00 或 Z",
            "the time needs an offset such as +08:00 or Z",
        )
    try:
        return plausible_instant(at)
    except ValueError as e:
        zh, _, en = str(e).partition(" | ")
        raise _Bad("out_of_range", zh, en) from e


def _float(value: Any, zh: str, en: str) -> float:
    if isinstance(value, bool):
        raise _Bad("wrong_type", f"{zh}应为数字", f"the {en} must be a number")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError) as e:
        raise _Bad("wrong_type", f"{zh}应为数字", f"the {en} must be a number") from e
    if not math.isfinite(number):
        raise _Bad("wrong_type", f"{zh}应为有限的数字", f"the {en} must be a finite number")
    return number


def _number(value: Any, lo: float, hi: float, zh: str, en: str) -> float:
    if _blank(value):
        raise _Bad("required", f"缺少{zh}", f"the {en} is missing")
    number = _float(value, zh, en)
    if not lo <= number <= hi:
        raise _Bad(
            "out_of_range", f"{zh}须在 {lo:g} 至 {hi:g} 之间", f"the {en} must lie between {lo:g} and {hi:g}"
        )
    return number


def _speed(value: Any) -> float | None:
    if _blank(value):
        return None
    speed = _float(value, "速度", "speed")
    if speed < 0:
        raise _Bad("out_of_range", "速度不能为负数", "the speed must not be negative")
    return speed


def _flag(value: Any) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad("bad_flag", "点火状态应为 true/false（1/0）", "ignition must be true or false (1/0)")


# -- distances and tracks -------------------------------------------------------------------------


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS-84 positions (haversine, mean Earth radius):
    within about 0.5 % of the ellipsoidal distance, far below what GPS noise adds to a route."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def between(a: Fix, b: Fix) -> float:
    """Distance in km between two fixes."""
    return distance_km(a.lat, a.lon, b.lat, b.lon)


def tracks(fixes: Iterable[Fix]) -> dict[str, tuple[Fix, ...]]:
    """The fixes of each vehicle in time order. Of several fixes of one vehicle at the same
    instant only the first given is kept: a receiver repeating a report is not a second position."""
    by_vehicle: dict[str, dict[datetime, Fix]] = defaultdict(dict)
    for fix in fixes:
        by_vehicle[fix.vehicle_id].setdefault(fix.at, fix)
    return {v: tuple(sorted(seen.values(), key=lambda f: f.at)) for v, seen in by_vehicle.items()}


class TrackSettings(BaseModel):
    """When a leg between two fixes is a jump rather than driving: longer than `jump_min_km` and
    faster than `max_speed_kmh` (no official car drives 200 km/h; a GPS fix can jump kilometres).
    The minimum length keeps a few tens of metres of noise between fixes a second apart from
    looking like a jump."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_speed_kmh: float = Field(default=200.0, gt=0)
    jump_min_km: float = Field(default=0.5, ge=0)


class JumpKind(StrEnum):
    """spike: one fix far off between two that agree (the fix is dropped); step: the track goes
    on from the far position (the leg is dropped, the position kept)."""

    spike = "spike"
    step = "step"


@dataclass(frozen=True, slots=True)
class Leg:
    """The way between two consecutive kept fixes, counted in the mileage."""

    start: Fix
    end: Fix
    km: float


@dataclass(frozen=True, slots=True)
class Jump:
    """An implausible leg, left out of the mileage: from the last kept fix to `to`."""

    kind: JumpKind
    start: Fix
    to: Fix
    km: float
    speed_kmh: float


@dataclass(frozen=True)
class CleanTrack:
    """One vehicle's track with spike fixes removed, the legs counted and the jumps left out."""

    vehicle_id: str
    fixes: tuple[Fix, ...]
    legs: tuple[Leg, ...]
    jumps: tuple[Jump, ...]

    @property
    def km(self) -> float:
        return math.fsum(leg.km for leg in self.legs)


def _speed_kmh(a: Fix, b: Fix, km: float) -> float:
    hours = (b.at - a.at).total_seconds() / 3600
    return km / hours if hours > 0 else math.inf


def clean(track: Sequence[Fix], settings: TrackSettings | None = None) -> CleanTrack:
    """Walk one vehicle's fixes (time order, distinct instants: see `tracks`) from the last kept
    fix. A leg that is a jump (see `TrackSettings`) is a *spike* if the fix after it is plausible
    from the last kept fix — that one fix is dropped from the track and the mileage — and a *step*
    otherwise: the leg is left out of the mileage and the track goes on from the new position
    (the vehicle was carried, or the receiver was off while it drove). Both are reported."""
    settings = settings or TrackSettings()
    if not track:
        raise ValueError("a track has at least one fix")
    vehicle = track[0].vehicle_id
    for a, b in pairwise(track):
        if b.vehicle_id != vehicle or b.at <= a.at:
            raise ValueError("one vehicle's fixes in strictly increasing time order (see tracks())")

    def jump(a: Fix, b: Fix, km: float) -> bool:
        return km > settings.jump_min_km and _speed_kmh(a, b, km) > settings.max_speed_kmh

    kept = [track[0]]
    legs: list[Leg] = []
    jumps: list[Jump] = []
    for i in range(1, len(track)):
        last, fix = kept[-1], track[i]
        km = between(last, fix)
        if not jump(last, fix, km):
            legs.append(Leg(last, fix, km))
            kept.append(fix)
            continue
        after = track[i + 1] if i + 1 < len(track) else None
        if after is not None and not jump(last, after, between(last, after)):
            jumps.append(Jump(JumpKind.spike, last, fix, km, _speed_kmh(last, fix, km)))
        else:
            jumps.append(Jump(JumpKind.step, last, fix, km, _speed_kmh(last, fix, km)))
            kept.append(fix)
    return CleanTrack(vehicle, tuple(kept), tuple(legs), tuple(jumps))


def local_day_shares(start: datetime, end: datetime) -> list[tuple[date, float]]:
    """The local (Asia/Shanghai) days an interval spans, each with its share of the interval's
    duration; a zero-length interval belongs wholly to its day."""
    day = start.astimezone(LOCAL).date()
    total = (end - start).total_seconds()
    if total <= 0:
        return [(day, 1.0)]
    shares: list[tuple[date, float]] = []
    at = start
    while True:
        boundary = start_of_local_day(day + timedelta(days=1))
        if end <= boundary:
            shares.append((day, (end - at).total_seconds() / total))
            return shares
        shares.append((day, (boundary - at).total_seconds() / total))
        at, day = boundary, day + timedelta(days=1)


def km_per_day(legs: Iterable[Leg]) -> dict[date, float]:
    """Mileage per local day. A leg over midnight is shared between the days in proportion to its
    time on each (legs are seconds to minutes long; a receiver off over midnight is the exception).
    A day appears if a fix was reported on it or a leg of some length passes through it: a car
    parked for a week is not listed with 0 km on each day it sent nothing."""
    parts: dict[date, list[float]] = defaultdict(list)
    for leg in legs:
        parts[leg.start.at.astimezone(LOCAL).date()]
        parts[leg.end.at.astimezone(LOCAL).date()]
        if leg.km > 0:
            for day, share in local_day_shares(leg.start.at, leg.end.at):
                parts[day].append(leg.km * share)
    return {day: math.fsum(kms) for day, kms in sorted(parts.items())}
