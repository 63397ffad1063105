"""`jiancha import FILE --format xes|ocel|csv [--pack P]`: an event log kept elsewhere (R-ING-2)
becomes cases and step events, judged by the pack P.

Two passes over the file, each streaming (constant memory whatever its size): the first reads
every event and checks it — readable, an activity the mapping knows, an instant — so a file with a
bad event keeps nothing, each problem named by its row or event number; the second maps each
event (`domain/logs.py`: the pack's `log:` mapping, or one made from the file's activities) and
ingests them in batches, each durable on its own, with a progress report. Before the second pass
the log's department (in a region of its own, given the pack) and its item are put in place when
missing. Re-running an import adds only what is missing: an event's id is its case and its place
in the log (`A1#3`), so the same file again is recognised as duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import EventIn
from jiancha.domain.logs import LogMapping, for_file
from jiancha.interfaces.files.event_logs import (
    CsvColumns,
    LogEvent,
    open_log,
    read_csv_log,
    read_ocel,
    read_xes,
)
from jiancha.services import catalogue, ingest, organisation, packs
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
            return read_csv_log(self.stream, s.columns or CsvColumns.guess(_header(s.path)))
        self.stream = open_log(s.path)
        if s.format == "xes":
            return read_xes(self.stream)
        if not s.case_type:
            zh, en = "OCEL 日志须用 --case-type 指明以哪类对象为办件", "an OCEL log needs --case-type"
            raise Rejected("no_case_type", zh, en, [Problem("required", "case_type", zh, en)])
        return read_ocel(self.stream, s.case_type)

    def __exit__(self, *_: object) -> None:
        if self.stream is not None:
            self.stream.close()


def _header(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f), [])


def source_of(path: Path, fmt: str, columns: str | None = None, case_type: str | None = None) -> LogSource:
    if fmt not in FORMATS:
        zh, en = f"未知的日志格式 {fmt}", f"unknown log format {fmt}; use one of {', '.join(FORMATS)}"
        raise Rejected("unknown_format", zh, en, [Problem("not_allowed", "format", zh, en)])
    return LogSource(path, fmt, CsvColumns.parse(columns) if columns else None, case_type)


def check(source: LogSource, mapping: LogMapping | None) -> tuple[list[str], int]:
    """The first pass: every event readable and mappable. Returns the activities in the order
    first seen, and how many events; Rejected naming every problem (the first hundred)."""
    problems: list[Problem] = []
    seen: dict[str, None] = {}
    count = 0
    try:
        with source.events() as events:
            for e in events:
                count += 1
                if e.activity not in seen:
                    seen[e.activity] = None
                if (
                    mapping is not None
                    and mapping.step_of(e.activity) is None
                    and len(problems) < MAX_PROBLEMS
                ):
                    zh = f"活动 {e.activity} 不在规则包的日志映射中"
                    en = f"activity {e.activity} is not in the pack's log mapping"
                    problems.append(Problem("unknown_activity", "activity", zh, en, e.position))
    except Rejected as e:
        problems = (
            [*e.problems, *problems]
            if e.problems
            else [*problems, Problem(e.code, "", e.message_zh, e.message_en)]
        )
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


def event_in(mapping: LogMapping, e: LogEvent) -> EventIn:
    step = mapping.step_of(e.activity)
    assert step is not None  # checked in the first pass
    attributes: dict[str, Any] = mapping.attributes(dict(e.attributes))
    if e.case_attributes:
        attributes["case"] = mapping.attributes(dict(e.case_attributes))
    return EventIn(
        source_system=mapping.source_system,
        event_id=f"{e.case_id}#{e.position}",
        case_no=e.case_id,
        item_code=mapping.item.code,
        step=step.step,
        action=step.action,
        actor=(e.resource or mapping.actor)[:200],
        occurred_at=e.timestamp,
        attributes=attributes,
    )


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
) -> dict[str, Any]:
    """Check the whole log, then ingest it in batches; `progress(done, total)` after each batch."""
    pack = packs.load(pack_name) if pack_name else packs.active()
    activities, total = check(source, pack.log)
    mapping = pack.log or for_file(source.path.name.split(".")[0], activities)
    prepare(db, mapping, pack.pack)
    accepted = duplicates = done = 0
    batch: list[EventIn] = []

    def flush() -> None:
        nonlocal accepted, duplicates, done
        if not batch:
            return
        result = ingest.ingest_events(db, batch)
        accepted += result.accepted
        duplicates += result.duplicates
        done += len(batch)
        batch.clear()
        if progress:
            progress(done, total)

    with source.events() as events:
        for e in events:
            batch.append(event_in(mapping, e))
            if len(batch) >= BATCH:
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
