"""`jiancha import FILE --format xes|ocel|csv [--pack P]`: an event log kept elsewhere (R-ING-2)
becomes cases and step events, judged by the pack P.

Two passes over the file, each streaming (constant memory whatever its size): the first reads
every event and checks it — readable, an activity the mapping knows, an instant not to come — so a file with a
bad event keeps nothing, each problem named by its row or event number; the second maps each
event (`domain/logs.py`: the pack's `log:` mapping, or one made from the file's activities) and
ingests them in batches, each durable on its own, with a progress report. Before the second pass
the log's department (in a region of its own, given the pack) and its item are put in place when
missing. Re-running an import adds only what is missing: an event's id is its case and its place
in the log (`A1#3`), so the same file again is recognised as duplicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from pydantic import ValidationError

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import PROMISED_DUE, EventIn
from jiancha.domain.logs import LogMapping, for_file
from jiancha.domain.timeutil import iso_utc, local_date
from jiancha.domain.validation import problems_from
from jiancha.interfaces.files.event_logs import (
    CsvColumns,
    LogEvent,
    open_log,
    read_csv_log,
    read_ocel,
    read_xes,
)
from jiancha.services import catalogue, ingest, organisation, packs
from jiancha.store import cases as case_store
from jiancha.store.database import Database

FORMATS = ("xes", "ocel", "csv")
BATCH = 2_000
MAX_PROBLEMS = 100  # a file wrong throughout names its first hundred problems, not millions


@dataclass(frozen=True)
class LogSource:
    """Where the events come from, read again for each pass."""

    path: Path
    format: str
    columns: CsvColumns | None = None  # csv: which column is what (guessed from the header when absent)
    case_type: str | None = None  # ocel: the object type whose objects are the cases
    naive_tz: tzinfo | None = None  # the zone of timestamps written without an offset

    def events(self) -> AbstractContextManager[Iterator[LogEvent]]:
        return _Reading(self)


class _Reading(AbstractContextManager[Iterator[LogEvent]]):
    def __init__(self, source: LogSource) -> None:
        self.source = source
        self.stream: IO[Any] | None = None

    def __enter__(self) -> Iterator[LogEvent]:
        s = self.source
        if s.format == "csv":
            self.stream = s.path.open(encoding="utf-8-sig", newline="")
            columns = s.columns or CsvColumns.guess(_header(s.path))
            if s.naive_tz is not None and columns.naive_tz is None:
                columns = replace(columns, naive_tz=s.naive_tz)
            return read_csv_log(self.stream, columns)
        self.stream = open_log(s.path)
        if s.format == "xes":
            return read_xes(self.stream, s.naive_tz)
        if not s.case_type:
            zh, en = "OCEL 日志须用 --case-type 指明以哪类对象为办件", "an OCEL log needs --case-type"
            raise Rejected("no_case_type", zh, en, [Problem("required", "case_type", zh, en)])
        return read_ocel(self.stream, s.case_type, s.naive_tz)

    def __exit__(self, *_: object) -> None:
        if self.stream is not None:
            self.stream.close()


def mapping_of(path: Path) -> LogMapping:
    """A mapping file (YAML, as a pack's `log:` section), Rejected naming what is wrong."""
    import yaml

    try:
        return LogMapping.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, OSError) as e:
        zh, en = f"无法读取映射文件 {path.name}", f"cannot read the mapping file {path.name}: {e}"
        raise Rejected("mapping_rejected", zh, en) from e
    except ValidationError as e:
        zh, en = f"映射文件 {path.name} 有错误", f"the mapping file {path.name} has errors"
        raise Rejected("mapping_rejected", zh, en, problems_from(e)) from e


def _deadline(mapping: LogMapping, attribute: str | None) -> LogMapping:
    return mapping.model_copy(update={"deadline": attribute}) if attribute else mapping


def _stem(path: Path) -> str:
    return path.name.split(".")[0]


def _header(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f), [])


def source_of(
    path: Path,
    fmt: str,
    columns: str | None = None,
    case_type: str | None = None,
    timezone: str | None = None,
) -> LogSource:
    if fmt not in FORMATS:
        zh, en = f"未知的日志格式 {fmt}", f"unknown log format {fmt}; use one of {', '.join(FORMATS)}"
        raise Rejected("unknown_format", zh, en, [Problem("not_allowed", "format", zh, en)])
    zone: tzinfo | None = None
    if timezone:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            zh, en = f"未知的时区 {timezone}", f"unknown time zone {timezone} (e.g. Europe/Rome, UTC)"
            raise Rejected("unknown_timezone", zh, en, [Problem("not_allowed", "timezone", zh, en)]) from e
    return LogSource(path, fmt, CsvColumns.parse(columns) if columns else None, case_type, zone)


def check(
    db: Database, source: LogSource, mapping: LogMapping | None, deadline: str | None = None
) -> tuple[list[str], int]:
    """The first pass: every event readable, mappable, valid as an event, not in the future, and
    at one with what is stored (its id not used for other content, its case not another item's). Returns the
    activities in the order first seen, and how many events; Rejected naming every problem (the
    first hundred) by the file's row or event number."""
    problems: list[Problem] = []
    seen: dict[str, None] = {}
    count = 0
    ids = _EventIds()
    as_events = _deadline(mapping if mapping is not None else for_file(_stem(source.path), []), deadline)
    item_kept = any(i.code == as_events.item.code for i in catalogue.current_items(db))
    batch: list[tuple[int, EventIn]] = []
    latest = ingest.latest_plausible()

    def stored() -> None:
        problems.extend(_against_store(db, batch, item_kept))
        batch.clear()

    try:
        with source.events() as events:
            for e in events:
                count += 1
                if e.activity not in seen:
                    seen[e.activity] = None
                if len(problems) >= MAX_PROBLEMS:
                    continue  # keep counting; a hundred problems say enough
                if as_events.step_of(e.activity) is None:
                    zh = f"活动 {e.activity} 不在规则包的日志映射中"
                    en = f"activity {e.activity} is not in the pack's log mapping"
                    problems.append(Problem("unknown_activity", "activity", zh, en, e.position))
                    continue
                if e.timestamp.timestamp() > latest:  # a log is history: nothing in it is to come
                    problems.append(ingest.in_future("timestamp", e.position))
                    continue
                try:
                    batch.append((e.position, event_in(as_events, e, ids.of(e, as_events))))
                except ValidationError as bad:
                    problems.extend(p.at(e.position) for p in problems_from(bad))
                if len(batch) >= BATCH:
                    stored()
        stored()
    except Rejected as e:
        whole = Problem(e.code, "", e.message_zh, e.message_en)
        problems = [*e.problems, *problems] if e.problems else [*problems, whole]
    if problems:
        raise Rejected(
            "log_rejected",
            "日志中有无法导入的事件，未写入任何内容",
            "the log has events that cannot be imported; nothing was written",
            problems[:MAX_PROBLEMS],
        )
    if count == 0:
        raise Rejected("empty_log", "日志中没有事件", "the log holds no events")
    return list(seen), count


def _against_store(db: Database, batch: list[tuple[int, EventIn]], item_kept: bool) -> list[Problem]:
    """What the store says of a batch: with the log's item kept, every check ingestion makes; else
    (a first import) only that its cases are no other item's."""
    if not batch:
        return []
    events = [e for _, e in batch]
    if item_kept:
        try:
            ingest.check_events(db, events)
        except Rejected as e:
            return [p.at(batch[p.index][0]) if p.index is not None else p for p in e.problems]
        return []
    with db.read() as conn:
        taken = case_store.by_case_no(conn, sorted({e.case_no for e in events}))
    return [
        Problem(
            "item_mismatch",
            "case",
            f"办件 {e.case_no} 已属于事项 {taken[e.case_no].item_code}",
            f"case {e.case_no} belongs to item {taken[e.case_no].item_code} already",
            row,
        )
        for row, e in batch
        if e.case_no in taken
    ]


class _EventIds:
    """An event's id: its case and a digest of what it says (activity, instant, resource,
    attributes), so the same log sent again — as XES or as CSV — is recognised event by event;
    a second event of a case identical in every field to one before it in the same run of the
    case's events gets `-2`, `-3`… (a log whose cases' events are scattered cannot tell such twins
    apart: they are one event)."""

    def __init__(self) -> None:
        self.case: str | None = None
        self.seen: dict[str, int] = {}

    def of(self, e: LogEvent, mapping: LogMapping) -> str:
        if e.case_id != self.case:
            self.case, self.seen = e.case_id, {}
        said = _plain([e.activity, iso_utc(e.timestamp), e.resource, mapping.attributes(dict(e.attributes))])
        digest = hashlib.sha256(orjson.dumps(said, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
        n = self.seen[digest] = self.seen.get(digest, 0) + 1
        case = e.case_id if len(e.case_id) <= 100 else hashlib.sha256(e.case_id.encode()).hexdigest()[:32]
        return f"{case}#{digest}" + (f"-{n}" if n > 1 else "")


def _plain(value: Any) -> Any:
    """A value as the digest reads it: a whole float as an integer, so `157.0` (CSV) and `157`
    (an XES int) say the same, as they compare equal when the store sees the event again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def event_in(mapping: LogMapping, e: LogEvent, event_id: str) -> EventIn:
    step = mapping.step_of(e.activity)
    assert step is not None  # checked in the first pass
    attributes: dict[str, Any] = mapping.attributes(dict(e.attributes))
    if e.case_attributes:
        attributes["case"] = mapping.attributes(dict(e.case_attributes))
    if mapping.deadline:
        given = e.attributes.get(mapping.deadline, e.case_attributes.get(mapping.deadline))
        if given is not None and given != "":
            attributes[PROMISED_DUE] = _day(given)
    return EventIn(
        source_system=mapping.source_system,
        event_id=event_id,
        case_no=e.case_id,
        item_code=mapping.item.code,
        step=step.step,
        action=step.action,
        actor=(e.resource or mapping.actor)[:200],
        occurred_at=e.timestamp,
        attributes=attributes,
    )


def _day(value: Any) -> Any:
    """A deadline as the local date it falls on (a date as written; an instant in China's time,
    as every due date of the platform); what is no date is passed on for the event's check to
    refuse, naming the attribute."""
    if isinstance(value, datetime):
        return local_date(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            return (
                date.fromisoformat(text).isoformat()
                if len(text) == 10
                else local_date(datetime.fromisoformat(text)).isoformat()
            )
        except ValueError:
            return value
    return value


def prepare(db: Database, mapping: LogMapping, pack_name: str) -> None:
    """The log's region (given the pack), department and item, when missing."""
    owner = mapping.owner
    organisation.save(
        db,
        organisation.parse(
            {
                "regions": [
                    {
                        "code": owner.region_code,
                        "name": owner.region_name,
                        "level": owner.region_level,
                        "pack": pack_name,
                    }
                ],
                "departments": [
                    {
                        "code": owner.department_code,
                        "name": owner.department_name,
                        "region_code": owner.region_code,
                    }
                ],
            }
        ),
        by="import",
    )
    if not any(i.code == mapping.item.code for i in catalogue.current_items(db)):
        catalogue.apply_changes(db, [mapping.catalogue_change()])


def import_log(
    db: Database,
    source: LogSource,
    pack_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    mapping: LogMapping | None = None,
    deadline: str | None = None,
) -> dict[str, Any]:
    """Check the whole log, then ingest it in batches; `progress(done, total)` after each batch.
    The mapping: the one given (`--mapping`), else the pack's, else one made from the file;
    `deadline` (`--deadline`) names the attribute of the source's deadline over the mapping's."""
    pack = packs.load(pack_name) if pack_name else packs.active()
    given = mapping or pack.log
    activities, total = check(db, source, given, deadline)
    mapping = _deadline(given or for_file(_stem(source.path), activities), deadline)
    ids = _EventIds()
    prepare(db, mapping, pack.pack)
    accepted = duplicates = done = 0
    batch: list[EventIn] = []

    def flush() -> None:
        nonlocal accepted, duplicates, done
        if not batch:
            return
        # Judged at the log's own time: the latest instant of the batch (see ingest_events).
        result = ingest.ingest_events(db, batch, judged_at=max(e.occurred_at for e in batch))
        accepted += result.accepted
        duplicates += result.duplicates
        done += len(batch)
        batch.clear()
        if progress:
            progress(done, total)

    with source.events() as events:
        for e in events:
            # A log written case by case keeps a case's events in one batch where it can.
            if len(batch) >= BATCH and e.case_id != batch[-1].case_no:
                flush()
            batch.append(event_in(mapping, e, ids.of(e, mapping)))
            if len(batch) >= 4 * BATCH:
                flush()
    flush()
    return {
        "format": source.format,
        "pack": pack.pack,
        "source_system": mapping.source_system,
        "item": mapping.item.code,
        "department": mapping.owner.department_code,
        "cases": _cases_of(db, mapping.item.code),
        "events": done,
        "accepted": accepted,
        "duplicates": duplicates,
    }


def _cases_of(db: Database, item_code: str) -> int:
    """The cases of the log's item now kept (counted here: a set of the file's case ids would
    grow with the file)."""
    from sqlalchemy import func, select

    from jiancha.store.tables import cases

    with db.read() as conn:
        return int(conn.execute(select(func.count()).where(cases.c.item_code == item_code)).scalar_one())
