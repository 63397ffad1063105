"""Official vehicles (公务用车, R-MON-3): vehicles registered with their unit, each unit's geofences,
the GPS/BeiDou fixes received, and the checks of the unit's pack raised as signals.

**Units.** A vehicle belongs to one department (its unit, 使用单位). A unit's system (its API token)
registers and reports its own vehicles and sends its own geofences; an administrator may do so
for any unit. Fixes of a vehicle not registered — or registered to another unit — refuse the
whole batch, naming the fix.

**Ledger.** Vehicles and geofences are ledgered one entry per registration or version, with what
the row holds. Fixes are ledgered one entry per *batch* (kind `vehicle_fixes`): the batch's count,
first and last instant, vehicles, and the SHA-256 over its rows' canonical lines (`fix_line`,
sorted); each row carries its batch's `ledger_seq`. A year of fixes every 30 s is a million rows
per vehicle: an entry a row would double what is stored and make the chain walk as long as the
fixes table, while an entry per batch (at most 10,000 rows) keeps the chain short and still lets
`jiancha verify` recompute each batch's hash from its rows — any row changed, added or removed is
found. Only new fixes are kept: a fix for an instant already held is a repeat (the first kept).

**Checks.** After each batch, for each vehicle it touched, the fixes from 24 hours before its
earliest new fix to 24 hours after its latest are checked by every `vehicle_use` rule of the
unit's pack, against the unit's geofences in force. Each episode found is matched with those kept
(`vehicle_episodes`, same vehicle, kind and fence, overlapping in time): a match is the same
episode — its end moves on, its subject and signal stay — so a window that starts in the middle of
an episode, or the same fixes sent again, raise nothing new. A new episode raises one signal per
rule on the subject `vehicle:<id>/<kind>/<fence or ->@<start>` on the vehicle's unit; one still
going on at the last fix raises at once if the rule's `raise_ongoing` (default true) says so —
it has already held for the dwell — else once later fixes show it ended, or once the vehicle has
been silent for longer than the rule's `max_gap_minutes` (the clock's `watch`).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.rules.families import vehicles as family
from jiancha.domain.rules.model import Rule
from jiancha.domain.timeutil import iso_local, iso_utc, start_of_local_day, utcnow
from jiancha.domain.vehicles import rules as checks
from jiancha.domain.vehicles.geofences import Fence, read_geofences
from jiancha.domain.vehicles.rules import Violation, ViolationKind, mileage
from jiancha.domain.vehicles.tracks import MAX_VEHICLE_ID, Fix, clean, read_csv, read_json, tracks
from jiancha.services import packs
from jiancha.services.signals import Subject, raise_on_subjects
from jiancha.store import calendar as calendar_store
from jiancha.store.bulk import insert_many
from jiancha.store.cases import chunks
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import (
    departments,
    signals,
    vehicle_episodes,
    vehicle_fixes,
    vehicle_geofences,
    vehicles,
)

MAX_FIXES = 10_000  # a batch through the API, and one ledger entry
MAX_VEHICLES = 1_000
LOOKBACK = timedelta(hours=24)


# -- vehicles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleIn:
    vehicle_id: str
    department_code: str | None
    plate: str
    name: str


def _text(item: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise ValueError(key)
    return value.strip()


def parse_vehicles(raw: Any) -> list[VehicleIn]:
    """One vehicle or an array: `vehicle_id` (required), `department_code` (the unit), `plate`,
    `name`; every problem named by its place, in both languages."""
    items = raw if isinstance(raw, list) else [raw]
    problems: list[Problem] = []
    if not items:
        problems.append(Problem("empty", "", "没有车辆", "no vehicles"))
    if len(items) > MAX_VEHICLES:
        zh, en = f"一次最多 {MAX_VEHICLES} 辆", f"at most {MAX_VEHICLES} vehicles at once"
        problems.append(Problem("too_many", "", zh, en))
    found: list[VehicleIn] = []
    seen: set[str] = set()
    limits = {"vehicle_id": MAX_VEHICLE_ID, "department_code": 64, "plate": 32, "name": 200}
    for i, item in enumerate(items[:MAX_VEHICLES]):
        if not isinstance(item, dict):
            problems.append(Problem("not_object", f"[{i}]", "应为 JSON 对象", "must be a JSON object", i))
            continue
        values: dict[str, str | None] = {}
        bad: set[str] = set()
        for key, limit in limits.items():
            try:
                values[key] = _text(item, key, limit)
            except ValueError:
                zh, en = f"应为不超过 {limit} 字的文本", f"must be text of at most {limit} characters"
                problems.append(Problem("wrong_type", f"[{i}].{key}", zh, en, i))
                bad.add(key)
                values[key] = None
        ident = values["vehicle_id"]
        if not ident:
            if "vehicle_id" not in bad:
                zh, en = "缺少车辆编号", "vehicle_id is missing"
                problems.append(Problem("required", f"[{i}].vehicle_id", zh, en, i))
            continue
        if ident in seen:
            zh, en = f"车辆 {ident} 重复", f"vehicle {ident} is repeated"
            problems.append(Problem("repeated", f"[{i}].vehicle_id", zh, en, i))
        seen.add(ident)
        found.append(
            VehicleIn(ident, values["department_code"] or None, values["plate"] or "", values["name"] or "")
        )
    if problems:
        raise _refused(problems)
    return found


def _refused(problems: list[Problem], what: str = "vehicles") -> Rejected:
    zh = {"vehicles": "车辆登记", "fixes": "定位数据", "geofences": "围栏"}[what]
    return Rejected(
        f"{what}_rejected",
        f"{zh}有错误，未作任何记录",
        f"the {what} have errors; nothing was recorded",
        problems,
    )


def _not_yours(zh: str, en: str) -> Rejected:
    return Rejected("not_your_unit", zh, en, status=403)


def register(
    db: Database,
    items: Sequence[VehicleIn],
    by: str,
    sender_department: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Register vehicles (a re-registration changes the unit, plate or name), ledgered. A unit's
    system registers its own vehicles only; an administrator names the unit."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        known = set(conn.execute(select(departments.c.code)).scalars())
        held = {
            r.vehicle_id: r
            for part in chunks(sorted(v.vehicle_id for v in items))
            for r in conn.execute(select(vehicles).where(vehicles.c.vehicle_id.in_(part)))
        }
        problems: list[Problem] = []
        rows: list[dict[str, Any]] = []
        for i, v in enumerate(items):
            unit = v.department_code or sender_department
            old = held.get(v.vehicle_id)
            if sender_department is not None and (
                unit != sender_department or (old is not None and old.department_code != sender_department)
            ):
                raise _not_yours(
                    "接入系统只能登记本单位的车辆", "a unit's system registers only its own unit's vehicles"
                )
            if unit is None or unit not in known:
                zh, en = (
                    "使用单位应为已登记的部门编码",
                    "department_code must name a known department (the unit)",
                )
                problems.append(Problem("unknown_department", f"[{i}].department_code", zh, en, i))
                continue
            row = {"vehicle_id": v.vehicle_id, "department_code": unit, "plate": v.plate, "name": v.name}
            if old is not None and all(getattr(old, k) == row[k] for k in row):
                continue
            rows.append({**row, "registered_at": now, "recorded_by": by})
        if problems:
            raise _refused(problems)
        seqs = append(
            conn, [Entry("vehicle", f"vehicle:{r['vehicle_id']}", vehicle_record(r)) for r in rows], now
        )
        for r, seq in zip(rows, seqs, strict=True):
            if r["vehicle_id"] in held:
                conn.execute(
                    vehicles.update()
                    .where(vehicles.c.vehicle_id == r["vehicle_id"])
                    .values(**r, ledger_seq=seq)
                )
            else:
                conn.execute(vehicles.insert().values(**r, ledger_seq=seq))
    return {"received": len(items), "registered": len(rows), "unchanged": len(items) - len(rows)}


def vehicle_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "v": 1,
        "vehicle_id": row["vehicle_id"],
        "department_code": row["department_code"],
        "plate": row["plate"],
        "name": row["name"],
        "registered_at": iso_utc(row["registered_at"]),
        "recorded_by": row["recorded_by"],
    }


# -- geofences ------------------------------------------------------------------------------------


def receive_geofences(
    db: Database,
    department: str,
    doc: Mapping[str, Any],
    by: str,
    sender_department: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A unit's geofences (a GeoJSON FeatureCollection), kept as received as a new version unless
    it is the same as the one in force; refused whole if a feature is bad."""
    now = now or utcnow()
    if sender_department is not None and department != sender_department:
        raise _not_yours(
            "接入系统只能报送本单位的围栏", "a unit's system sends only its own unit's geofences"
        )
    if not isinstance(doc, Mapping):
        read_geofences(orjson.dumps(doc))  # refused: not a FeatureCollection
    fences = read_geofences(doc)  # Rejected naming feature and field
    geojson = {k: v for k, v in doc.items() if k != "department_code"}
    digest = hashlib.sha256(orjson.dumps(geojson, option=orjson.OPT_SORT_KEYS)).hexdigest()
    with db.write() as conn:
        lock(conn)
        if conn.execute(select(departments.c.code).where(departments.c.code == department)).first() is None:
            zh, en = f"部门 {department} 不存在", f"department {department} is not known"
            raise Rejected(
                "unknown_department", zh, en, [Problem("unknown_department", "department", zh, en)]
            )
        newest = conn.execute(
            select(vehicle_geofences.c.version, vehicle_geofences.c.sha256)
            .where(vehicle_geofences.c.department_code == department)
            .order_by(vehicle_geofences.c.version.desc())
            .limit(1)
        ).first()
        if newest is not None and newest.sha256 == digest:
            return {
                "department_code": department,
                "version": newest.version,
                "fences": len(fences),
                "unchanged": True,
            }
        row = {
            "department_code": department,
            "version": (newest.version if newest else 0) + 1,
            "geojson": geojson,
            "sha256": digest,
            "fence_count": len(fences),
            "received_at": now,
            "recorded_by": by,
        }
        (seq,) = append(
            conn, [Entry("geofences", f"geofences:{department}/{row['version']}", geofence_record(row))], now
        )
        conn.execute(vehicle_geofences.insert().values(**row, ledger_seq=seq))
    return {
        "department_code": department,
        "version": row["version"],
        "fences": len(fences),
        "unchanged": False,
    }


def geofence_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "v": 1,
        "department_code": row["department_code"],
        "version": row["version"],
        "sha256": row["sha256"],
        "fence_count": row["fence_count"],
        "received_at": iso_utc(row["received_at"]),
        "recorded_by": row["recorded_by"],
        "geojson": row["geojson"],
    }


def fences_of(conn: Connection, codes: Iterable[str]) -> dict[str, tuple[Fence, ...]]:
    """The geofences in force of each department (none: an empty tuple)."""
    found: dict[str, tuple[Fence, ...]] = {}
    for code in sorted(set(codes)):
        row = conn.execute(
            select(vehicle_geofences.c.geojson)
            .where(vehicle_geofences.c.department_code == code)
            .order_by(vehicle_geofences.c.version.desc())
            .limit(1)
        ).first()
        found[code] = read_geofences(row.geojson) if row is not None else ()
    return found


# -- fixes ----------------------------------------------------------------------------------------


def read_fixes(data: bytes, csv: bool) -> tuple[Fix, ...]:
    """Fixes of a JSON or CSV body, all good or Rejected naming every bad row and field."""
    found = (read_csv(data) if csv else read_json(data)).accepted()
    if len(found) > MAX_FIXES:
        zh, en = f"一次最多 {MAX_FIXES} 个定位点", f"at most {MAX_FIXES} fixes at once"
        raise _refused([Problem("too_many", "", zh, en)], "fixes")
    if not found:
        raise _refused([Problem("empty", "", "没有定位点", "no fixes")], "fixes")
    return found


def fix_line(
    vehicle_id: str, at: datetime, lat: float, lon: float, speed: float | None, ignition: bool | None
) -> str:
    """A fix as its batch's hash reads it."""
    flag = "" if ignition is None else ("1" if ignition else "0")
    return f"{vehicle_id}\t{iso_utc(at)}\t{lat!r}\t{lon!r}\t{'' if speed is None else repr(speed)}\t{flag}\n"


def batch_sha256(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
    return digest.hexdigest()


def receive_fixes(
    db: Database, fixes: Sequence[Fix], by: str, sender_department: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """Keep the new fixes (one ledger entry per 10,000), check the vehicles they touched and raise
    what the checks find — in one transaction per 10,000 fixes; everything is checked first, so a
    bad fix refuses the whole input before anything is written."""
    now = now or utcnow()
    ids = sorted({f.vehicle_id for f in fixes})
    with db.read() as conn:
        units = _units(conn, ids)
    problems: list[Problem] = []
    reported: set[str] = set()
    for n, f in enumerate(fixes, start=1):
        unit = units.get(f.vehicle_id)
        if f.vehicle_id in reported:
            continue
        if unit is None or (sender_department is not None and unit != sender_department):
            reported.add(f.vehicle_id)
            zh = f"第 {n} 个定位点 vehicle_id：车辆 {f.vehicle_id} 未登记为本单位车辆"
            en = f"fix {n}, vehicle_id: vehicle {f.vehicle_id} is not registered to this unit"
            problems.append(Problem("unknown_vehicle", "vehicle_id", zh, en, n))
    if problems:
        raise _refused(problems, "fixes")
    ordered = sorted(fixes, key=lambda f: (f.vehicle_id, f.at))
    accepted = raised = 0
    for part in chunks(ordered, MAX_FIXES):
        done = _receive_part(db, part, by, units, now)
        accepted += done[0]
        raised += done[1]
    return {
        "received": len(fixes),
        "accepted": accepted,
        "repeated": len(fixes) - accepted,
        "vehicles": len(ids),
        "signals_raised": raised,
    }


def _units(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    return {
        str(r.vehicle_id): str(r.department_code)
        for part in chunks(list(ids))
        for r in conn.execute(
            select(vehicles.c.vehicle_id, vehicles.c.department_code).where(vehicles.c.vehicle_id.in_(part))
        )
    }


def _receive_part(
    db: Database, part: Sequence[Fix], by: str, units: Mapping[str, str], now: datetime
) -> tuple[int, int]:
    with db.write() as conn:
        lock(conn)
        new: list[Fix] = []
        for vehicle_id, track in tracks(part).items():
            held = {
                at
                for (at,) in conn.execute(
                    select(vehicle_fixes.c.at).where(
                        vehicle_fixes.c.vehicle_id == vehicle_id,
                        vehicle_fixes.c.at >= track[0].at,
                        vehicle_fixes.c.at <= track[-1].at,
                    )
                )
            }
            new.extend(f for f in track if f.at not in held)
        if not new:
            return 0, 0
        lines = [fix_line(f.vehicle_id, f.at, f.lat, f.lon, f.speed_kmh, f.ignition) for f in new]
        record = {
            "v": 1,
            "count": len(new),
            "sha256": batch_sha256(lines),
            "first_at": iso_utc(min(f.at for f in new)),
            "last_at": iso_utc(max(f.at for f in new)),
            "vehicles": sorted({f.vehicle_id for f in new}),
            "received_at": iso_utc(now),
            "recorded_by": by,
        }
        (seq,) = append(conn, [Entry("vehicle_fixes", f"fixes:{record['first_at']}", record)], now)
        insert_many(
            conn,
            vehicle_fixes,
            [
                {
                    "vehicle_id": f.vehicle_id,
                    "at": f.at,
                    "lat": f.lat,
                    "lon": f.lon,
                    "speed_kmh": f.speed_kmh,
                    "ignition": f.ignition,
                    "received_at": now,
                    "ledger_seq": seq,
                }
                for f in new
            ],
        )
        spans: dict[str, tuple[datetime, datetime]] = {}
        for f in new:
            lo, hi = spans.get(f.vehicle_id, (f.at, f.at))
            spans[f.vehicle_id] = (min(lo, f.at), max(hi, f.at))
        raised = assess(conn, spans, units, now)
    return len(new), raised


# -- the checks -----------------------------------------------------------------------------------


def _fixes(conn: Connection, vehicle_id: str, since: datetime, until: datetime) -> list[Fix]:
    return [
        Fix(vehicle_id, r.at, r.lat, r.lon, r.speed_kmh, r.ignition)
        for r in conn.execute(
            select(
                vehicle_fixes.c.at,
                vehicle_fixes.c.lat,
                vehicle_fixes.c.lon,
                vehicle_fixes.c.speed_kmh,
                vehicle_fixes.c.ignition,
            )
            .where(
                vehicle_fixes.c.vehicle_id == vehicle_id,
                vehicle_fixes.c.at >= since,
                vehicle_fixes.c.at <= until,
            )
            .order_by(vehicle_fixes.c.at)
        )
    ]


def violations(rule: Rule, fixes: Sequence[Fix], fences: Sequence[Fence], calendar: Any) -> list[Violation]:
    """What one rule finds in one vehicle's fixes."""
    settings = family.settings_of(rule)
    if not fixes:
        return []
    track = clean(tracks(fixes)[fixes[0].vehicle_id], settings.track)
    kind = family.kind_of(rule)
    if kind == ViolationKind.out_of_hours:
        return checks.out_of_hours(track, fences, calendar, settings)
    if kind == ViolationKind.out_of_area:
        return checks.out_of_area(track, fences, settings)
    if kind == ViolationKind.special_area:
        return checks.special_areas(track, fences, calendar, settings)
    return checks.unregistered_parking(track, fences, calendar, settings)


def assess(
    conn: Connection, spans: Mapping[str, tuple[datetime, datetime]], units: Mapping[str, str], now: datetime
) -> int:
    """Check each vehicle over its window around the new fixes (inside the caller's transaction)
    and raise the episodes' signals; returns how many were raised."""
    judges = packs.for_departments(conn, {units[v] for v in spans})
    fences = fences_of(conn, {units[v] for v in spans})
    calendar = calendar_store.load(conn)
    plates = {
        str(r.vehicle_id): {"plate": r.plate, "name": r.name}
        for part in chunks(sorted(spans))
        for r in conn.execute(
            select(vehicles.c.vehicle_id, vehicles.c.plate, vehicles.c.name).where(
                vehicles.c.vehicle_id.in_(part)
            )
        )
    }
    found: dict[str, list[Subject]] = defaultdict(list)
    for vehicle_id, (lo, hi) in sorted(spans.items()):
        unit = units[vehicle_id]
        pack = judges[unit]
        rules = pack.vehicle_rules()
        if not rules:
            continue
        fixes = _fixes(conn, vehicle_id, lo - LOOKBACK, hi + LOOKBACK)
        for rule in rules:
            for v in violations(rule, fixes, fences[unit], calendar):
                if _episode(conn, rule, v, unit, now):
                    subject = _subject_of(conn, v)
                    found[pack.pack].append(
                        Subject(subject, unit, family.finding(rule, v, plates[vehicle_id]), rule)
                    )
    raised = 0
    by_name = {p.pack: p for p in judges.values()}
    for name, subjects in sorted(found.items()):
        raised += raise_on_subjects(conn, by_name[name], subjects, now)
    return raised


def _overlapping(conn: Connection, v: Violation) -> Any:
    return conn.execute(
        select(vehicle_episodes)
        .where(
            vehicle_episodes.c.vehicle_id == v.vehicle_id,
            vehicle_episodes.c.kind == str(v.kind),
            vehicle_episodes.c.fence_id == (v.where.fence_id or ""),
            vehicle_episodes.c.start <= v.end,
            vehicle_episodes.c.end >= v.start,
        )
        .order_by(vehicle_episodes.c.start)
        .limit(1)
    ).first()


def _subject_of(conn: Connection, v: Violation) -> str:
    row = _overlapping(conn, v)
    return str(row.subject) if row is not None else family.subject(v)


def _episode(conn: Connection, rule: Rule, v: Violation, unit: str, now: datetime) -> bool:
    """Keep the episode (new, or the one it continues); whether its signal is to be raised now."""
    due = not v.ongoing or family.raises_ongoing(rule)
    row = _overlapping(conn, v)
    where = {"lat": v.where.lat, "lon": v.where.lon, "fence_name": v.where.fence_name}
    values = orjson.loads(orjson.dumps({**v.values, "where": where}))
    if row is None:
        conn.execute(
            vehicle_episodes.insert().values(
                vehicle_id=v.vehicle_id,
                department_code=unit,
                kind=str(v.kind),
                fence_id=v.where.fence_id or "",
                start=v.start,
                end=v.end,
                ongoing=v.ongoing,
                raised=due,
                subject=family.subject(v),
                values=values,
                updated_at=now,
            )
        )
        return due
    if v.end >= row.end:
        conn.execute(
            vehicle_episodes.update()
            .where(vehicle_episodes.c.id == row.id)
            .values(
                start=min(row.start, v.start),
                end=v.end,
                ongoing=v.ongoing,
                values=values,
                updated_at=now,
                raised=row.raised or due,
            )
        )
    # raise_on_subjects raises once per subject and rule: a rule seeing it again adds nothing.
    return due


def watch(db: Database, now: datetime) -> int:
    """The clock's look at episodes waiting for their end (`raise_ongoing: false`): a vehicle
    silent for longer than the rule's `max_gap_minutes` after the episode's last fix has ended it
    (the dwell's own rule: a gap ends a stretch); its signal is raised then."""
    waiting_now = select(vehicle_episodes).where(~vehicle_episodes.c.raised, vehicle_episodes.c.ongoing)
    # Read first: every clock tick calls this, and most find nothing to wait for; a write
    # transaction would take the database's write lock for nothing.
    with db.read() as conn:
        if conn.execute(waiting_now.limit(1)).first() is None:
            return 0
    raised = 0
    with db.write() as conn:
        waiting = conn.execute(waiting_now).all()
        if not waiting:
            return 0
        judges = packs.for_departments(conn, {r.department_code for r in waiting})
        for r in waiting:
            pack = judges[r.department_code]
            latest = conn.execute(
                select(func.max(vehicle_fixes.c.at)).where(vehicle_fixes.c.vehicle_id == r.vehicle_id)
            ).scalar_one()
            for rule in pack.vehicle_rules():
                if family.kind_of(rule) != r.kind:
                    continue
                gap = timedelta(minutes=family.settings_of(rule).max_gap_minutes)
                if (latest is not None and latest > r.end) or now - r.end <= gap:
                    continue
                place = dict(r.values.get("where") or {})
                v = Violation(
                    ViolationKind(r.kind),
                    r.vehicle_id,
                    r.start,
                    r.end,
                    checks.Where(
                        float(place.get("lat", 0.0)),
                        float(place.get("lon", 0.0)),
                        r.fence_id or None,
                        place.get("fence_name"),
                    ),
                    ongoing=False,
                    values={k: x for k, x in r.values.items() if k != "where"},
                )
                plate = conn.execute(
                    select(vehicles.c.plate, vehicles.c.name).where(vehicles.c.vehicle_id == r.vehicle_id)
                ).first()
                finding = family.finding(rule, v, {"plate": plate.plate if plate else ""})
                conn.execute(
                    vehicle_episodes.update()
                    .where(vehicle_episodes.c.id == r.id)
                    .values(raised=True, ongoing=False, updated_at=now)
                )
                raised += raise_on_subjects(
                    conn, pack, [Subject(r.subject, r.department_code, finding, rule)], now
                )
    return raised


# -- reading --------------------------------------------------------------------------------------


def list_vehicles(
    db: Database, scope: Scope = EVERYTHING, department: str | None = None
) -> list[dict[str, Any]]:
    """The vehicles in scope with their last fix and how many episodes raised signals."""
    query = select(vehicles).where(scope.restrict(vehicles.c.department_code))
    if department:
        query = query.where(vehicles.c.department_code == department)
    with db.read() as conn:
        rows = conn.execute(query.order_by(vehicles.c.department_code, vehicles.c.vehicle_id)).all()
        counts = _episode_counts(conn, [r.vehicle_id for r in rows])
        return [
            {
                **_vehicle(r),
                "last_fix_at": _last_fix(conn, r.vehicle_id),
                "episodes": counts.get(r.vehicle_id, 0),
            }
            for r in rows
        ]


def _episode_counts(conn: Connection, ids: list[str]) -> dict[str, int]:
    return {
        str(v): int(n)
        for part in chunks(ids)
        for v, n in conn.execute(
            select(vehicle_episodes.c.vehicle_id, func.count())
            .where(vehicle_episodes.c.vehicle_id.in_(part), vehicle_episodes.c.raised)
            .group_by(vehicle_episodes.c.vehicle_id)
        )
    }


def _last_fix(conn: Connection, vehicle_id: str) -> str | None:
    at = conn.execute(
        select(func.max(vehicle_fixes.c.at)).where(vehicle_fixes.c.vehicle_id == vehicle_id)
    ).scalar_one()
    return iso_local(at) if at is not None else None


def _vehicle(r: Any) -> dict[str, Any]:
    return {
        "vehicle_id": r.vehicle_id,
        "department_code": r.department_code,
        "plate": r.plate,
        "name": r.name,
        "registered_at": iso_local(r.registered_at),
        "ledger_seq": r.ledger_seq,
    }


def vehicle(
    db: Database, vehicle_id: str, scope: Scope = EVERYTHING, limit: int = 50
) -> dict[str, Any] | None:
    """A vehicle, its last fix and its most recent episodes, each with its signals."""
    with db.read() as conn:
        row = conn.execute(select(vehicles).where(vehicles.c.vehicle_id == vehicle_id)).first()
        if row is None or not scope.has_department(row.department_code):
            return None
        episodes = conn.execute(
            select(vehicle_episodes)
            .where(vehicle_episodes.c.vehicle_id == vehicle_id)
            .order_by(vehicle_episodes.c.start.desc())
            .limit(limit)
        ).all()
        flags: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for part in chunks([e.subject for e in episodes]):
            for s in conn.execute(
                select(signals.c.id, signals.c.subject, signals.c.rule_id, signals.c.colour, signals.c.state)
                .where(signals.c.subject.in_(part))
                .order_by(signals.c.id)
            ):
                flags[str(s.subject)].append(
                    {"id": s.id, "rule_id": s.rule_id, "colour": s.colour, "state": s.state}
                )
        last = _last_fix(conn, vehicle_id)
    return {
        **_vehicle(row),
        "last_fix_at": last,
        "episodes": [
            {
                "subject": e.subject,
                "kind": e.kind,
                "fence_id": e.fence_id or None,
                "start": iso_local(e.start),
                "end": iso_local(e.end),
                "ongoing": e.ongoing,
                "raised": e.raised,
                "values": e.values,
                "signals": flags.get(e.subject, []),
            }
            for e in episodes
        ],
    }


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The instants a local month 'YYYY-MM' spans [start, end)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as e:
        zh, en = "月份应为 YYYY-MM", "month must be YYYY-MM"
        raise Rejected("bad_month", zh, en, [Problem("bad_month", "month", zh, en)]) from e
    after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return start_of_local_day(first), start_of_local_day(after)


def monthly_mileage(db: Database, month: str, scope: Scope = EVERYTHING) -> dict[str, Any]:
    """Kilometres per vehicle and per unit in a local month, by day (the domain's `mileage`: jumps
    left out, a leg over midnight shared by time). A leg across the month's start is not counted."""
    start, end = month_bounds(month)
    vehicle_rows: list[dict[str, Any]] = []
    unit_days: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    jumps = 0
    with db.read() as conn:
        listed = conn.execute(
            select(vehicles.c.vehicle_id, vehicles.c.department_code, vehicles.c.plate)
            .where(scope.restrict(vehicles.c.department_code))
            .order_by(vehicles.c.department_code, vehicles.c.vehicle_id)
        ).all()
        for r in listed:
            fixes = [f for f in _fixes(conn, r.vehicle_id, start, end) if f.at < end]
            if not fixes:
                continue
            found = mileage(fixes, {r.vehicle_id: r.department_code})
            days = {
                d.isoformat(): km
                for d, km in found.vehicle_day.get(r.vehicle_id, {}).items()
                if d.strftime("%Y-%m") == month
            }
            jumps += len(found.jumps)
            for day, km in days.items():
                unit_days[r.department_code][day].append(km)
            vehicle_rows.append(
                {
                    "vehicle_id": r.vehicle_id,
                    "plate": r.plate,
                    "department_code": r.department_code,
                    "km": round(math.fsum(days.values()), 3),
                    "days": {d: round(km, 3) for d, km in days.items()},
                }
            )
    units = [
        {
            "department_code": unit,
            "km": round(math.fsum(km for kms in days.values() for km in kms), 3),
            "days": {d: round(math.fsum(kms), 3) for d, kms in sorted(days.items())},
        }
        for unit, days in sorted(unit_days.items())
    ]
    return {"month": month, "vehicles": vehicle_rows, "units": units, "jumps_left_out": jumps}


# -- integrity ------------------------------------------------------------------------------------


def integrity_mismatch(conn: Connection) -> str | None:
    """The first vehicle, geofence version or batch of fixes that differs from its ledger entry."""
    from jiancha.store.tables import ledger

    def payload(seq: int) -> tuple[str | None, dict[str, Any]]:
        row = conn.execute(select(ledger.c.kind, ledger.c.payload).where(ledger.c.seq == seq)).first()
        return (None, {}) if row is None else (str(row.kind), orjson.loads(bytes(row.payload)))

    for r in conn.execute(select(vehicles).order_by(vehicles.c.id)):
        kind, rec = payload(r.ledger_seq)
        if kind != "vehicle" or rec != vehicle_record(dict(r._mapping)):
            return f"vehicle {r.vehicle_id} differs from ledger entry {r.ledger_seq}"
    registered = {f"vehicle:{v}" for (v,) in conn.execute(select(vehicles.c.vehicle_id))}
    for (ref,) in conn.execute(select(ledger.c.ref).where(ledger.c.kind == "vehicle").distinct()):
        if ref not in registered:
            return f"the vehicle of ledger reference {ref} is missing"
    versions = 0
    for r in conn.execute(select(vehicle_geofences).order_by(vehicle_geofences.c.id)):
        versions += 1
        kind, rec = payload(r.ledger_seq)
        if kind != "geofences" or rec != geofence_record(dict(r._mapping)):
            return (
                f"geofences {r.department_code} version {r.version} differ from ledger entry {r.ledger_seq}"
            )
    entries = int(
        conn.execute(
            select(func.count()).select_from(ledger).where(ledger.c.kind == "geofences")
        ).scalar_one()
    )
    if entries != versions:
        return f"{entries} geofence entries in the ledger but {versions} versions kept"
    return _fix_batches(conn)


def _fix_batches(conn: Connection) -> str | None:
    from jiancha.store.tables import ledger

    stray = conn.execute(
        select(vehicle_fixes.c.ledger_seq)
        .outerjoin(ledger, and_(ledger.c.seq == vehicle_fixes.c.ledger_seq, ledger.c.kind == "vehicle_fixes"))
        .where(ledger.c.seq.is_(None))
        .limit(1)
    ).first()
    if stray is not None:
        return f"fixes claim ledger entry {stray.ledger_seq}, which is no batch of fixes"
    last = 0
    while True:
        entries = conn.execute(
            select(ledger.c.seq, ledger.c.payload)
            .where(ledger.c.kind == "vehicle_fixes", ledger.c.seq > last)
            .order_by(ledger.c.seq)
            .limit(20)
        ).all()
        if not entries:
            return None
        lines: dict[int, list[str]] = defaultdict(list)
        for r in conn.execute(
            select(vehicle_fixes).where(
                vehicle_fixes.c.ledger_seq >= entries[0].seq, vehicle_fixes.c.ledger_seq <= entries[-1].seq
            )
        ):
            lines[int(r.ledger_seq)].append(
                fix_line(r.vehicle_id, r.at, r.lat, r.lon, r.speed_kmh, r.ignition)
            )
        for e in entries:
            rec = orjson.loads(bytes(e.payload))
            held = lines.get(int(e.seq), [])
            if len(held) != rec.get("count") or batch_sha256(held) != rec.get("sha256"):
                count = rec.get("count")
                return f"the fixes of ledger entry {e.seq} differ from it ({len(held)} rows, {count} in it)"
        last = int(entries[-1].seq)
