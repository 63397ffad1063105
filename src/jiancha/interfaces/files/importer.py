"""`jiancha import FILE`: recognise what a file holds and hand it to the right service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import EventIn
from jiancha.domain.timeutil import utcnow
from jiancha.domain.vehicles.tracks import read_file
from jiancha.interfaces.files.catalogue_files import detect_format, read_catalogue
from jiancha.interfaces.files.disclosure_files import read_published_list
from jiancha.interfaces.files.events_files import _Unreadable, read_events
from jiancha.interfaces.files.monitor_files import import_records, is_monitor_kind, looks_like_records
from jiancha.interfaces.files.procurement_files import looks_like_ocds, read_releases
from jiancha.services import calendar as calendar_service
from jiancha.services import catalogue, ingest, openness, organisation, procurement, vehicles
from jiancha.store.database import Database

KINDS = (
    "catalogue",
    "events",
    "calendar",
    "organisation",
    "disclosure",
    "procurement",
    "vehicles",
    "geofences",
    "monitors",  # or <monitor>/<kind>, e.g. three_public/reception
)
BATCH = 1000


def guess_kind(data: bytes, filename: str) -> str:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "catalogue"
    if name.endswith(".geojson"):
        return "geofences"
    if name.endswith((".jsonl", ".ndjson")):
        line = next((line for line in data.splitlines() if line.strip()), b"{}")
        try:
            if looks_like_records(orjson.loads(line)):
                return "monitors"
        except orjson.JSONDecodeError:
            pass
        return "procurement" if looks_like_ocds(data) else "events"
    head = data[:4096].decode("utf-8-sig", errors="replace")
    if name.endswith(".csv"):
        header = head.splitlines()[0] if head else ""
        if header.startswith("table"):
            return "catalogue"
        if "event_id" in header:
            return "events"
        if "captured_at" in header:
            return "disclosure"
        if "workday" in header:
            return "calendar"
        if "vehicle_id" in header and "lat" in header:
            return "vehicles"
    if name.endswith(".json"):
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            raise Rejected(
                "unreadable_file", "文件不是有效的 JSON", f"the file is not valid JSON: {e}"
            ) from e
        if isinstance(doc, list):
            first = doc[0] if doc and isinstance(doc[0], dict) else {}
            if "ocid" in first:
                return "procurement"
            if looks_like_records(first):
                return "monitors"
            return "vehicles" if "points" in first or {"vehicle_id", "lat"} <= set(first) else "events"
        if isinstance(doc, dict):
            if doc.get("type") == "FeatureCollection":
                return "geofences"
            if "points" in doc and "vehicle_id" in doc:
                return "vehicles"
            if "ocid" in doc or "releases" in doc or "records" in doc:
                return "procurement"
            if "items" in doc:
                return "catalogue"
            if "days" in doc:
                return "calendar"
            if "regions" in doc or "departments" in doc:
                return "organisation"
            if "entries" in doc and "captured_at" in doc:
                return "disclosure"
            if "event_id" in doc:
                return "events"
    raise Rejected(
        "unknown_kind", "无法判断文件内容，请用 --kind 指明", "cannot tell what the file holds; use --kind"
    )


def import_file(
    db: Database,
    data: bytes,
    filename: str,
    *,
    kind: str | None = None,
    by: str = "import",
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    kind = kind or guess_kind(data, filename)
    if kind == "catalogue":
        changes = read_catalogue(data, detect_format(filename), now=utcnow(), changed_by=by)
        return {"kind": kind, **catalogue.apply_changes(db, changes).as_dict()}
    if kind == "calendar":
        year, days = calendar_service.parse_schedule(data, filename)
        calendar_service.load_year(db, year, days, source="file", by=by)
        return {"kind": kind, "year": year, "days": len(days)}
    if kind == "organisation":
        return {"kind": kind, **organisation.save(db, organisation.parse(orjson.loads(data)), by=by)}
    if kind == "events":
        return {"kind": kind, **import_events(db, data, filename, progress)}
    if kind == "disclosure":
        published = openness.parse_list(read_published_list(data, filename))
        return {"kind": kind, **openness.receive(db, published, by)}
    if kind == "procurement":
        return {"kind": kind, **import_releases(db, data, filename, by)}
    if kind == "vehicles":
        return {"kind": kind, **import_tracks(db, data, filename, by)}
    if kind == "geofences":
        return {"kind": kind, **import_geofences(db, data, by)}
    if is_monitor_kind(kind):
        return {"kind": kind, **import_records(db, data, filename, kind, by)}
    raise Rejected(
        "unknown_kind", f"未知的导入类型 {kind}", f"unknown kind {kind}; use one of {', '.join(KINDS)}"
    )


def import_releases(db: Database, data: bytes, filename: str, by: str) -> dict[str, Any]:
    """A trading platform's OCDS file: all of it or nothing, problems naming the file's rows."""
    rows = read_releases(data, filename)
    try:
        releases = procurement.parse_releases([raw for _, raw in rows])
        return procurement.receive(db, releases, by)
    except Rejected as e:
        e.problems = [p.at(rows[p.index][0]) if p.index is not None else p for p in e.problems]
        raise


def import_tracks(db: Database, data: bytes, filename: str, by: str) -> dict[str, Any]:
    """A vehicle system's tracks (CSV or JSON, R-MON-3): every row good, and every vehicle
    registered, or nothing is kept; problems name the file's rows and fields."""
    fixes = read_file(data, filename).accepted()
    if not fixes:
        raise Rejected("empty_file", "文件中没有定位点", "the file holds no fixes")
    return vehicles.receive_fixes(db, fixes, by, None)


def import_geofences(db: Database, data: bytes, by: str) -> dict[str, Any]:
    """A unit's geofences: a GeoJSON FeatureCollection naming its unit in a top-level
    `department_code` (a foreign member, which GeoJSON allows)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise Rejected("unreadable_file", "文件不是有效的 JSON", f"the file is not valid JSON: {e}") from e
    department = doc.get("department_code") if isinstance(doc, dict) else None
    if not isinstance(department, str) or not department:
        zh = "围栏文件须在顶层写明所属单位 department_code"
        en = "a geofence file names its unit in a top-level department_code"
        raise Rejected("no_department", zh, en, [Problem("required", "department_code", zh, en)])
    return vehicles.receive_geofences(db, department, doc, by, None)


def import_events(
    db: Database, data: bytes, filename: str, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Check the whole file first — form, catalogue, cases, attachments, reused ids — so a bad row
    rejects it before anything is written; then ingest in batches, each durable on its own. A
    re-run after a crash only adds what is missing, because repeats are recognised as duplicates.
    Problems name the file's own row (line) numbers."""
    problems: list[Problem] = []
    valid: list[EventIn] = []
    lines: list[int] = []  # the file row of each valid event
    readable: list[tuple[int, Any]] = []
    for row, raw in read_events(data, filename):
        if isinstance(raw, _Unreadable):
            problems.append(raw.problem(row))
        else:
            readable.append((row, raw))
    for start in range(0, len(readable), BATCH):
        part = readable[start : start + BATCH]
        try:
            valid.extend(ingest.validate_events([raw for _, raw in part]))
            lines.extend(row for row, _ in part)
        except Rejected as e:
            problems.extend(p.at(part[p.index][0] if p.index is not None else None) for p in e.problems)
    if not problems:
        try:
            ingest.check_events(db, valid)
        except Rejected as e:
            problems.extend(p.at(lines[p.index] if p.index is not None else None) for p in e.problems)
    if problems:
        raise Rejected(
            "events_rejected",
            "文件中有无效事件，未写入任何内容",
            "the file has invalid events; nothing was written",
            problems,
        )
    accepted = duplicates = 0
    for start in range(0, len(valid), BATCH):
        result = ingest.ingest_events(db, valid[start : start + BATCH])
        accepted += result.accepted
        duplicates += result.duplicates
        if progress:
            progress(start + len(valid[start : start + BATCH]))
    return {"events": len(valid), "accepted": accepted, "duplicates": duplicates}
