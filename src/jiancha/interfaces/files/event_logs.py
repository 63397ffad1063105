"""Process-mining event logs (事件日志) read one event at a time: XES, CSV and OCEL 2.0 JSON.

Each reader yields `LogEvent`s in the file's order without holding the file: memory stays flat
however many events it has (OCEL keeps its objects' ids and types, see below). Reading is all
these readers do; mapping the events onto cases and steps is the caller's.

Timestamps are instants in UTC. A timestamp without an offset (or a date alone) is a problem
unless the caller names the zone it was written in (`naive_tz`); so is one outside the years the
platform reasons about (`timeutil.plausible_instant`).

Problems. A reader cannot refuse a file before yielding its good events, since it streams; so it
yields every good event, skips the bad ones, and when the file is read raises `Rejected` naming
each problem by its row (CSV: the row a spreadsheet shows, header = 1) or event number (XES,
OCEL: from 1) and its field, in Chinese and English (the first `MAX_PROBLEMS` of them). A file it
cannot read at all (not XML/JSON/CSV, an XML entity declaration, a column the mapping names but
the header lacks, a case type OCEL does not declare) is refused at once. Since a file with a bad
event keeps nothing, the caller reads it twice: `check(read_xes(f))` to validate — it builds
nothing but the events and returns their number — then, once it passed, the importing pass.

XES (IEEE 1849): `concept:name` of a trace is the case id, of an event its activity;
`time:timestamp` its instant; `org:resource` its resource; trace attributes but `concept:name`
are the case's attributes; every other event attribute (`lifecycle:transition` too) is an
attribute, typed: string, id → text, int, float, boolean, date → ISO 8601 text. A float NaN or
infinity is left out like an empty cell (JSON has neither; pm4py writes NaN for a missing value).
Nested (meta-)attributes are flattened under their parent's key: `amount/currency`; a list is a
JSON array of its items' values (the items' keys dropped); a container's children are nested
attributes. `<global>` attributes fill in what a trace or event lacks, except `concept:name` and
`time:timestamp`: a default case id would merge traces and a default activity or instant invents
a fact (ProM writes `__INVALID__` and 1970 there). Trace attributes come before the trace's
events (the XES schema's order); one after them is a problem, and so is an event outside a trace.
Log-level attributes, extensions and classifiers are not read. A DOCTYPE declaring an ENTITY is
refused before it is parsed.

CSV: `CsvColumns` says which columns hold the case, activity, timestamp and resource (or
`CsvColumns.guess` finds them by pm4py's or common names); columns named `case:...` and those in
`case_attributes` are the case's attributes (`case:` dropped from the key, as XES has them), the
others but `ignore` the event's. Empty cells are left out; a cell that is a JSON number becomes
one (`561` → 561, `35.0` → 35.0) except in the case, activity and resource columns and those in
`text`, and except digits with a leading zero or more than 15 of them: identifiers, not amounts.
The stream is text: `io.TextIOWrapper(open_log(path), encoding="utf-8-sig", newline="")`.

OCEL 2.0 JSON (ocel-standard.org): flattened on one object type, the case type: each event related
to an object of that type is a `LogEvent` of that case (an event of two such objects is in both,
with the same position); its `type` is the activity; its attributes by name, typed as `eventTypes`
declares, with `ocel:eid` (its id) and `objects` (its other related objects as
`{"id", "type", "qualifier"}`); `org:resource` (or `resource`) is the resource; the case
attributes are the case object's, each at its latest `time`. Events of no case object are checked
but not yielded; object-to-object relationships are not read. An incremental parser (ijson) reads
the stream once for each array, so it must be seekable: the types, the objects — memory grows with
the objects (ids and types, the case objects' attributes), not with the events — then the events.
"""

from __future__ import annotations

import csv
import gzip
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, BinaryIO, TextIO, cast
from xml.etree import ElementTree as ET
from xml.parsers import expat
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ijson

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import plausible_instant

MAX_PROBLEMS = 1000  # kept and named; all are counted
CHUNK = 64 * 1024  # bytes read at a time: what the parsers hold beyond one event
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One event of a log. `case_attributes` is shared by the events of a case (an XES trace, an
    OCEL object): read it, don't change it. `position` is the CSV row (header = 1) or the XES/OCEL
    event number."""

    case_id: str
    activity: str
    timestamp: datetime
    resource: str | None
    attributes: dict[str, Any]
    case_attributes: dict[str, Any]
    position: int


def check(events: Iterable[LogEvent]) -> int:
    """The validating pass: read every event and count them; a reader's Rejected names every
    problem of the file."""
    count = 0
    for _ in events:
        count += 1
    return count


def open_log(path: Path) -> BinaryIO:
    """The file's bytes, decompressed if it is gzip (recognised by its first bytes, whatever its
    name: `.xes.gz`, `.json.gz`, ...)."""
    with path.open("rb") as f:
        magic = f.read(2)
    if magic == GZIP_MAGIC:
        return cast(BinaryIO, gzip.open(path, "rb"))
    return path.open("rb")


# -- problems -------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, code: str, zh: str, en: str, field: str | None = None) -> None:
        super().__init__(en)
        self.code, self.zh, self.en, self.field = code, zh, en, field


@dataclass(frozen=True)
class _Where:
    """How a file names its places: 第 3 行 / row 3, 第 3 个事件 / event 3."""

    zh: str
    en: str
    sheet: str | None = None

    def problem(self, index: int, field: str, code: str, zh: str, en: str) -> Problem:
        return Problem(
            code,
            field,
            f"{self.zh.format(index)} {field}：{zh}",
            f"{self.en.format(index)}, {field}: {en}",
            index,
            self.sheet,
        )

    def bad(self, index: int, field: str, e: _Bad) -> Problem:
        return self.problem(index, e.field or field, e.code, e.zh, e.en)


ROW = _Where("第 {} 行", "row {}")
EVENT = _Where("第 {} 个事件", "event {}")
OCEL_EVENT = _Where("第 {} 个事件", "event {}", "events")
OCEL_OBJECT = _Where("第 {} 个对象", "object {}", "objects")


class _Problems:
    """A file's problems: the first MAX_PROBLEMS kept, all counted."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(problem)

    def raise_any(self) -> None:
        if not self.count:
            return
        shown_zh = f"（列出前 {MAX_PROBLEMS} 处）" if self.count > MAX_PROBLEMS else ""
        shown_en = f" (the first {MAX_PROBLEMS} listed)" if self.count > MAX_PROBLEMS else ""
        raise Rejected(
            "log_rejected",
            f"事件日志有 {self.count} 处错误{shown_zh}",
            f"the event log has {self.count} errors{shown_en}",
            list(self.kept),
        )

    def unreadable(self, zh: str, en: str) -> Rejected:
        """The file cannot be read on: refused now, naming what was found before."""
        return Rejected("unreadable_file", zh, en, [*self.kept, Problem("unreadable_file", "(file)", zh, en)])


def _read(stream: BinaryIO, problems: _Problems) -> bytes:
    try:
        return stream.read(CHUNK)
    except (OSError, EOFError) as e:  # a truncated or corrupt gzip file
        raise problems.unreadable("文件无法读取（压缩文件损坏？）", f"the file cannot be read: {e}") from e


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _instant(value: Any, naive_tz: tzinfo | None) -> datetime:
    if _blank(value):
        raise _Bad("required", "缺少时间", "the timestamp is missing")
    if not isinstance(value, str):
        raise _Bad("wrong_type", "时间应为 ISO 8601 文本", "the timestamp must be ISO 8601 text")
    text = value.strip()
    try:
        at = datetime.fromisoformat(text)
    except ValueError as e:
        raise _Bad(
            "bad_time",
            f"时间 {text[:40]} 格式无效，应为 ISO 8601，如 2006-07-24T00:00:00+01:00",
            f"the timestamp {text[:40]} is not ISO 8601, e.g. 2006-07-24T00:00:00+01:00",
        ) from e
    if at.tzinfo is None:
        if naive_tz is None:
            what_zh, what_en = (
                ("只有日期", "is a date alone") if len(text) <= 10 else ("没有时区偏移", "has no offset")
            )
            raise _Bad(
                "no_offset",
                f"时间 {text} {what_zh}，须带时区偏移，如 +08:00 或 Z（或为文件指定时区）",
                f"the timestamp {text} {what_en}: it needs an offset such as +08:00 or Z "
                "(or a time zone given for the file)",
            )
        at = at.replace(tzinfo=naive_tz)
    try:
        return plausible_instant(at)
    except ValueError as e:
        zh, _, en = str(e).partition(" | ")
        raise _Bad("out_of_range", zh, en) from e


def _date_text(text: str, naive_tz: tzinfo | None) -> str:
    """A date attribute as ISO 8601 text; a date without offset stays so unless a zone is given."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError as e:
        raise _Bad("bad_time", "日期格式无效，应为 ISO 8601", "the date is not ISO 8601") from e
    if at.tzinfo is None and naive_tz is not None:
        at = at.replace(tzinfo=naive_tz)
    return at.isoformat()


# -- XES ------------------------------------------------------------------------------------------

_SKIP = object()  # a value left out (NaN)
_TYPES = frozenset({"string", "id", "date", "int", "float", "boolean", "list", "container"})
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
_STANDARD = ("concept:name", "time:timestamp", "org:resource")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _scalar(kind: str, text: str | None, key: str, naive_tz: tzinfo | None) -> Any:
    if text is None:
        raise _Bad("required", "缺少 value", "the value is missing", key)
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            number = float(text)
            return number if math.isfinite(number) else _SKIP
        if kind == "boolean":
            flag = text.strip().lower()
            if flag in _TRUE or flag in _FALSE:
                return flag in _TRUE
            raise ValueError(text)
        if kind == "date":
            return _date_text(text, naive_tz)
    except ValueError as e:
        raise _Bad(
            "wrong_type",
            f"值 {text[:40]} 不是 {kind} 类型",
            f"the value {text[:40]} is not of type {kind}",
            key,
        ) from e
    return text  # string, id


def _flatten(elem: ET.Element, key: str, naive_tz: tzinfo | None) -> Iterator[tuple[str, Any]]:
    """(key, value) of an attribute and of its nested attributes, flattened under its key."""
    kind = _local(elem.tag)
    children = list(elem)
    if kind == "list":
        values = next((c for c in children if _local(c.tag) == "values"), None)
        items = list(values) if values is not None else children
        yield key, [_item(c, f"{key}[{n}]", naive_tz) for n, c in enumerate(items) if _local(c.tag) in _TYPES]
        if values is None:
            return
        children = [c for c in children if c is not values]
    elif kind != "container":
        value = _scalar(kind, elem.get("value"), key, naive_tz)
        if value is not _SKIP:
            yield key, value
    for child in children:
        if _local(child.tag) in _TYPES:
            yield from _flatten(child, f"{key}/{_key(child, key)}", naive_tz)


def _item(elem: ET.Element, key: str, naive_tz: tzinfo | None) -> Any:
    """A list item's value: its nested attributes are kept only for a container or a list."""
    kind = _local(elem.tag)
    if kind in ("list", "container"):
        flat = dict(_flatten(elem, "", naive_tz))
        return flat[""] if kind == "list" else {k[1:]: v for k, v in flat.items()}
    value = _scalar(kind, elem.get("value"), key, naive_tz)
    return None if value is _SKIP else value


def _key(elem: ET.Element, parent: str | None = None) -> str:
    key = elem.get("key")
    if not key or key.isspace():
        where = f"{parent}/" if parent else ""
        raise _Bad("required", "属性缺少 key", "an attribute has no key", f"{where}(attribute)")
    return key


class _Prolog:
    """Looks at what precedes the root element and refuses an ENTITY declaration: an entity can
    expand to far more than the file (and ElementTree would expand it)."""

    def __init__(self) -> None:
        self.parser: Any = expat.ParserCreate()
        self.parser.EntityDeclHandler = self._entity
        self.parser.StartElementHandler = self._root

    class _Root(Exception):
        pass

    def _entity(self, name: str, *_: Any) -> None:
        zh = f"文件的 DOCTYPE 声明了实体 {name}，出于安全不予读取"
        en = f"the file's DOCTYPE declares the entity {name}; a log with entity declarations is refused"
        raise Rejected("xml_entity", zh, en, [Problem("xml_entity", "DOCTYPE", zh, en)])

    def _root(self, *_: Any) -> None:
        raise self._Root

    def feed(self, chunk: bytes) -> None:
        if self.parser is None:
            return
        try:
            self.parser.Parse(chunk, False)
        except (self._Root, expat.ExpatError):  # the root reached, or bad XML the reader reports
            self.parser = None


def _xml(stream: BinaryIO, problems: _Problems) -> Iterator[tuple[str, ET.Element]]:
    """(start|end, element) of the document, CHUNK bytes at a time."""
    prolog = _Prolog()
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))

    def parsed() -> Iterator[tuple[str, ET.Element]]:
        return cast(Iterator[tuple[str, ET.Element]], parser.read_events())

    try:
        while chunk := _read(stream, problems):
            prolog.feed(chunk)
            parser.feed(chunk)
            yield from parsed()
        parser.close()
        yield from parsed()
    except ET.ParseError as e:
        line, column = e.position
        raise problems.unreadable(
            f"文件第 {line} 行第 {column} 列不是有效的 XML",
            f"the file is not valid XML at line {line}, column {column}: {e}",
        ) from e


@dataclass
class _Trace:
    number: int
    attributes: dict[str, Any]
    case_id: str | None = None
    events: int = 0  # how many started
    problems: list[tuple[str, _Bad]] | None = None  # named at its first event (none: nothing to name)


@dataclass
class _Event:
    number: int
    attributes: dict[str, Any]
    activity: str | None = None
    time: str | None = None
    resource: str | None = None
    bad: bool = False


def read_xes(stream: BinaryIO, naive_tz: tzinfo | None = None) -> Iterator[LogEvent]:
    """The events of an XES log (see the module's docstring); Rejected after the good events if
    any was bad. `naive_tz`: the zone of timestamps written without an offset."""
    problems = _Problems()
    defaults: dict[str, dict[str, Any]] = {"event": {}, "trace": {}}
    root = top = ET.Element("log")  # the log and its child being read (a trace, a global, ...)
    trace: _Trace | None = None
    event: _Event | None = None
    depth = traces = events = 0
    for action, elem in _xml(stream, problems):
        # An event's attributes are read when it ends: the elements inside it cost only this test.
        if action == "start":
            depth += 1
            if depth > 3:
                continue
            kind = _local(elem.tag)
            if depth == 1 and kind != "log":
                raise problems.unreadable(
                    f"根元素是 {kind}，不是 XES 日志（log）", f"the root element is {kind}, not an XES log"
                )
            if depth == 1:
                root = elem
            elif depth == 2:
                top = elem
                if kind == "trace":
                    traces += 1
                    trace = _Trace(traces, {})
                elif kind == "event":
                    events += 1
                    event = _Event(events, {}, bad=True)
                    zh, en = (
                        "事件不在任何轨迹（trace）中，没有所属案件",
                        "the event is outside any trace: it has no case",
                    )
                    problems.add(EVENT.problem(events, "trace", "no_trace", zh, en))
            elif kind == "event" and trace is not None:
                events += 1
                event = _Event(events, {})
                trace.events += 1
                if trace.events == 1:
                    _begin_trace(trace, defaults["trace"], events, problems)
            continue
        depth -= 1
        if depth > 2:
            continue
        kind = _local(elem.tag)
        if depth == 2 and trace is not None:  # a child of a trace
            if kind == "event" and event is not None:
                found = _end_event(elem, event, trace, defaults["event"], naive_tz, problems)
                event = None
                if found is not None:
                    yield found
            elif kind in _TYPES:
                _trace_attribute(elem, trace, events, naive_tz, problems)
            top.remove(elem)  # read: let it go, so memory stays flat
        elif depth == 2 and _local(top.tag) == "global" and kind in _TYPES:
            scope = top.get("scope", "event")
            try:
                defaults.setdefault(scope, {}).update(_flatten(elem, _key(elem), naive_tz))
            except _Bad as e:
                zh, en = f"全局属性（{scope}）{e.zh}", f"a global attribute ({scope}): {e.en}"
                raise problems.unreadable(zh, en) from e
        elif depth == 1:  # a child of the log
            trace = event = None
            root.remove(elem)
    problems.raise_any()


def _begin_trace(trace: _Trace, defaults: dict[str, Any], first: int, problems: _Problems) -> None:
    """The trace's attributes are complete when its first event starts: its case is known."""
    for key, value in defaults.items():
        if key != "concept:name":
            trace.attributes.setdefault(key, value)
    where_zh, where_en = f"第 {trace.number} 个轨迹", f"trace {trace.number}"
    for field, e in trace.problems or ():
        problems.add(EVENT.problem(first, field, e.code, f"{where_zh}：{e.zh}", f"{where_en}: {e.en}"))
    if _blank(trace.case_id):
        zh, en = f"{where_zh}缺少案件编号（concept:name）", f"{where_en} has no case id (concept:name)"
        problems.add(EVENT.problem(first, "concept:name", "required", zh, en))
        trace.case_id = None


def _trace_attribute(
    elem: ET.Element, trace: _Trace, last_event: int, naive_tz: tzinfo | None, problems: _Problems
) -> None:
    try:
        key = _key(elem)
        if trace.events:
            zh = f"第 {trace.number} 个轨迹的属性 {key} 在其事件之后（XES 中轨迹属性在事件之前）"
            en = f"trace {trace.number}: attribute {key} comes after the trace's events (XES puts them first)"
            problems.add(EVENT.problem(last_event, key, "misplaced", zh, en))
            return
        if key == "concept:name":
            trace.case_id = (elem.get("value") or "").strip()
        else:
            trace.attributes.update(_flatten(elem, key, naive_tz))
    except _Bad as e:
        trace.problems = [*(trace.problems or ()), (e.field or "(attribute)", e)]


def _event_attribute(elem: ET.Element, event: _Event, naive_tz: tzinfo | None, problems: _Problems) -> None:
    try:
        key = _key(elem)
        if key == "concept:name":
            event.activity = elem.get("value")
        elif key == "time:timestamp":
            event.time = elem.get("value")
        elif key == "org:resource":
            event.resource = elem.get("value")
        else:
            event.attributes.update(_flatten(elem, key, naive_tz))
    except _Bad as e:
        problems.add(EVENT.bad(event.number, "(attribute)", e))
        event.bad = True


def _end_event(
    elem: ET.Element,
    event: _Event,
    trace: _Trace | None,
    defaults: dict[str, Any],
    naive_tz: tzinfo | None,
    problems: _Problems,
) -> LogEvent | None:
    for child in elem:
        if _local(child.tag) in _TYPES:
            _event_attribute(child, event, naive_tz, problems)
    for key, value in defaults.items():
        if key == "org:resource":
            event.resource = event.resource or str(value)
        elif key not in _STANDARD:
            event.attributes.setdefault(key, value)
    if _blank(event.activity):
        zh, en = "缺少活动名称", "the activity is missing"
        problems.add(EVENT.problem(event.number, "concept:name", "required", zh, en))
        event.bad = True
    try:
        at = _instant(event.time, naive_tz)
    except _Bad as e:
        problems.add(EVENT.bad(event.number, "time:timestamp", e))
        event.bad = True
    if event.bad or trace is None or trace.case_id is None:
        return None
    return LogEvent(
        trace.case_id,
        cast(str, event.activity).strip(),
        at,
        None if _blank(event.resource) else cast(str, event.resource).strip(),
        event.attributes,
        trace.attributes,
        event.number,
    )


# -- CSV ------------------------------------------------------------------------------------------

# The names recognised for each role, most specific first (pm4py's, then common ones); a header
# cell is compared in lower case with spaces as underscores ("Case ID" is case_id).
GUESSES: dict[str, tuple[str, ...]] = {
    "case": ("case:concept:name", "case_id", "case", "caseid"),
    "activity": ("concept:name", "activity", "event"),
    "timestamp": ("time:timestamp", "timestamp", "time"),
    "resource": ("org:resource", "resource", "user"),
}
_ROLE_ZH = {"case": "案件编号", "activity": "活动", "timestamp": "时间", "resource": "办理人"}
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
MAX_INT_DIGITS = 15  # longer digit strings are identifiers (and beyond a JSON double's precision)


def _columns_rejected(problems: list[Problem]) -> Rejected:
    return Rejected("bad_columns", "CSV 列的映射有误", "the CSV column mapping is wrong", problems)


@dataclass(frozen=True)
class CsvColumns:
    """Which CSV columns hold what. Columns named `case:...` and `case_attributes` are the case's
    attributes; `ignore` are left out; `text` stay text though they look like numbers; `naive_tz`
    is the zone of timestamps written without an offset (else they are problems)."""

    case: str
    activity: str
    timestamp: str
    resource: str | None = None
    case_attributes: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    naive_tz: tzinfo | None = None

    @classmethod
    def guess(cls, header: Sequence[str]) -> CsvColumns:
        """The columns found by pm4py's names (case:concept:name, concept:name, time:timestamp,
        org:resource) or common ones (case_id, activity, timestamp, resource, ...)."""
        names = {_normal(name): name.strip().lstrip("\ufeff") for name in reversed(header)}
        found = {role: next((names[c] for c in GUESSES[role] if c in names), None) for role in GUESSES}
        missing = [role for role in ("case", "activity", "timestamp") if found[role] is None]
        if missing:
            raise _columns_rejected(
                [
                    ROW.problem(
                        1,
                        role,
                        "missing_column",
                        f"表头中找不到{_ROLE_ZH[role]}列（可用列名：{'、'.join(GUESSES[role])}）",
                        f"no {role} column in the header (names recognised: {', '.join(GUESSES[role])})",
                    )
                    for role in missing
                ]
            )
        return cls(
            case=cast(str, found["case"]),
            activity=cast(str, found["activity"]),
            timestamp=cast(str, found["timestamp"]),
            resource=found["resource"],
        )

    @classmethod
    def parse(cls, text: str) -> CsvColumns:
        """From a command-line option: `case=case_id,activity=activity,timestamp=timestamp,
        resource=user,ignore=a;b,case_attributes=c;d,text=e,naive_tz=Asia/Shanghai`."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, eq, value = (s.strip() for s in part.partition("="))
            if key not in known or not eq or not value:
                zh = f"无法识别 {part}：应为 名称=列名，名称为 {'、'.join(sorted(known))} 之一"
                en = f"cannot read {part}: expected name=column, name one of {', '.join(sorted(known))}"
                problems.append(Problem("bad_columns", key or part, zh, en))
            elif key in ("case_attributes", "ignore", "text"):
                values[key] = tuple(filter(None, (v.strip() for v in value.split(";"))))
            elif key == "naive_tz":
                try:
                    values[key] = ZoneInfo(value)
                except (ZoneInfoNotFoundError, ValueError):
                    zh, en = f"未知的时区 {value}", f"unknown time zone {value}, e.g. Asia/Shanghai or UTC"
                    problems.append(Problem("bad_columns", key, zh, en))
            else:
                values[key] = value
        for role in ("case", "activity", "timestamp"):
            if role not in values and not any(p.field == role for p in problems):
                zh, en = f"须指明{_ROLE_ZH[role]}列：{role}=列名", f"name the {role} column: {role}=column"
                problems.append(Problem("required", role, zh, en))
        if problems:
            raise _columns_rejected(problems)
        return cls(**values)


def _normal(name: str) -> str:
    return name.strip().lstrip("\ufeff").lower().replace(" ", "_")


def _cell(text: str) -> Any:
    """A cell that is a JSON number as a number, else the text (see the module's docstring)."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return text
    if match.group(1) is None and match.group(2) is None:
        return int(text) if len(text) - text.startswith("-") <= MAX_INT_DIGITS else text
    number = float(text)
    return number if math.isfinite(number) else text


@dataclass(frozen=True)
class _Plan:
    """Where each role's cell is, and what the other columns become."""

    case: int
    activity: int
    timestamp: int
    resource: int | None
    attributes: tuple[tuple[int, str, bool], ...]  # (column, key, as text)
    case_attributes: tuple[tuple[int, str, bool], ...]


def _plan(header: list[str], columns: CsvColumns) -> _Plan:
    named = {
        "case": columns.case,
        "activity": columns.activity,
        "timestamp": columns.timestamp,
        **({"resource": columns.resource} if columns.resource else {}),
    }
    problems: list[Problem] = []
    for role, name in [
        *named.items(),
        *(("case_attributes", n) for n in columns.case_attributes),
        *(("ignore", n) for n in columns.ignore),
        *(("text", n) for n in columns.text),
    ]:
        if name not in header:
            zh = f"映射 {role}={name} 所指的列 {name} 不在表头中（表头：{'、'.join(header)}）"
            en = f"the column {name} of the mapping {role}={name} is not in the header ({', '.join(header)})"
            problems.append(ROW.problem(1, name, "unknown_column", zh, en))
    for name in sorted({n for n in header if n and header.count(n) > 1}):
        zh, en = f"列名 {name} 重复", f"the column name {name} appears more than once"
        problems.append(ROW.problem(1, name, "duplicate_column", zh, en))
    if problems:
        raise _columns_rejected(problems)
    roles = set(named.values())
    attributes, case_attributes = [], []
    for i, name in enumerate(header):
        if not name or name in roles or name in columns.ignore:
            continue
        as_text = name in columns.text
        if name in columns.case_attributes:
            case_attributes.append((i, name, as_text))
        elif name.startswith("case:"):
            case_attributes.append((i, name.removeprefix("case:"), as_text))
        else:
            attributes.append((i, name, as_text))
    index = header.index
    return _Plan(
        index(columns.case),
        index(columns.activity),
        index(columns.timestamp),
        index(columns.resource) if columns.resource else None,
        tuple(attributes),
        tuple(case_attributes),
    )


def _values(row: list[str], where: tuple[tuple[int, str, bool], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, key, as_text in where:
        if i < len(row) and (cell := row[i].strip()):
            out[key] = cell if as_text else _cell(cell)
    return out


def read_csv_log(stream: TextIO, columns: CsvColumns) -> Iterator[LogEvent]:
    """The events of a CSV log, one a row (see the module's docstring); Rejected after the good
    events if any row was bad, at once if the mapping names a column the header lacks."""
    problems = _Problems()
    reader = csv.reader(stream)
    number = 1
    try:
        header = [name.strip() for name in next(reader, [])]
        if header:
            header[0] = header[0].lstrip("\ufeff")
        plan = _plan(header, columns)
        for row in reader:
            number += 1
            if not any(cell.strip() for cell in row):
                continue
            found = _row(row, number, len(header), plan, columns, problems)
            if found is not None:
                yield found
    except csv.Error as e:
        raise problems.unreadable(f"第 {number} 行无法按 CSV 读取", f"row {number} is not CSV: {e}") from e
    except UnicodeDecodeError as e:
        raise problems.unreadable("文件不是 UTF-8 编码", f"the file is not UTF-8: {e}") from e
    problems.raise_any()


def _row(
    row: list[str], number: int, width: int, plan: _Plan, columns: CsvColumns, problems: _Problems
) -> LogEvent | None:
    def cell(i: int) -> str:
        return row[i].strip() if i < len(row) else ""

    bad = False
    if len(row) > width:
        zh, en = (
            f"有 {len(row)} 个单元格，表头只有 {width} 列",
            f"has {len(row)} cells, the header {width} columns",
        )
        problems.add(ROW.problem(number, "(row)", "extra_cells", zh, en))
        bad = True
    case, activity = cell(plan.case), cell(plan.activity)
    for name, value, zh, en in (
        (columns.case, case, "缺少案件编号", "the case id is missing"),
        (columns.activity, activity, "缺少活动名称", "the activity is missing"),
    ):
        if not value:
            problems.add(ROW.problem(number, name, "required", zh, en))
            bad = True
    try:
        at = _instant(cell(plan.timestamp), columns.naive_tz)
    except _Bad as e:
        problems.add(ROW.bad(number, columns.timestamp, e))
        bad = True
    if bad:
        return None
    resource = cell(plan.resource) if plan.resource is not None else ""
    return LogEvent(
        case,
        activity,
        at,
        resource or None,
        _values(row, plan.attributes),
        _values(row, plan.case_attributes),
        number,
    )


# -- OCEL 2.0 -------------------------------------------------------------------------------------


def _json_items(stream: BinaryIO, start: int, prefix: str, problems: _Problems) -> Iterator[Any]:
    """The items of the JSON array at `prefix`, built one at a time, in one read from `start`."""
    stream.seek(start)
    try:
        yield from ijson.items(stream, prefix, use_float=True, buf_size=CHUNK)
    except ijson.JSONError as e:
        raise problems.unreadable("文件不是有效的 JSON", f"the file is not valid JSON: {e}") from e
    except (OSError, EOFError) as e:  # a truncated or corrupt gzip file
        raise problems.unreadable("文件无法读取（压缩文件损坏？）", f"the file cannot be read: {e}") from e


def _typed(value: Any, kind: str | None, naive_tz: tzinfo | None) -> Any:
    """An OCEL attribute's value as its declared type (values are often written as text)."""
    if isinstance(value, float) and not math.isfinite(value):
        return _SKIP
    if not isinstance(value, str) or kind is None:
        return value
    try:
        if kind == "integer":
            return int(value)
        if kind == "float":
            number = float(value)
            return number if math.isfinite(number) else _SKIP
        if kind == "boolean":
            return _scalar("boolean", value, "", None)
    except ValueError as e:
        raise _Bad(
            "wrong_type", f"值 {value[:40]} 不是 {kind} 类型", f"the value {value[:40]} is not of type {kind}"
        ) from e
    if kind == "time":
        return _date_text(value, naive_tz)
    return value


def _declared(items: list[Any]) -> dict[str, dict[str, str]]:
    """Type name → attribute name → declared type, from objectTypes or eventTypes."""
    out: dict[str, dict[str, str]] = {}
    for t in items:
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            attributes = t.get("attributes")
            if not isinstance(attributes, list):
                attributes = []
            out[t["name"]] = {
                a["name"]: str(a.get("type"))
                for a in attributes
                if isinstance(a, dict) and isinstance(a.get("name"), str)
            }
    return out


def _order(time: Any) -> datetime:
    """When an object attribute's value was set, for choosing the latest (a missing or naive time
    sorts as UTC: it orders values, it is not an event's instant)."""
    try:
        at = datetime.fromisoformat(time) if isinstance(time, str) else datetime.min
    except ValueError:
        at = datetime.min
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass
class _Objects:
    types: dict[str, str]  # object id → type
    cases: dict[str, dict[str, Any]]  # case object id → its attributes (latest values)
    event_types: dict[str, dict[str, str]]


def _ocel_objects(
    stream: BinaryIO, start: int, case_type: str, naive_tz: tzinfo | None, problems: _Problems
) -> _Objects:
    declared = _declared(list(_json_items(stream, start, "objectTypes.item", problems)))
    if case_type not in declared:
        zh = f"OCEL 日志没有声明对象类型 {case_type}（已声明：{'、'.join(declared) or '无'}）"
        en = f"the OCEL log declares no object type {case_type} (declared: {', '.join(declared) or 'none'})"
        raise Rejected("unknown_case_type", zh, en, [Problem("unknown_case_type", "case_type", zh, en)])
    event_types = _declared(list(_json_items(stream, start, "eventTypes.item", problems)))
    types: dict[str, str] = {}
    cases: dict[str, dict[str, Any]] = {}
    for number, item in enumerate(_json_items(stream, start, "objects.item", problems), start=1):
        oid, otype = (item.get("id"), item.get("type")) if isinstance(item, dict) else (None, None)
        if not isinstance(oid, str) or not oid or not isinstance(otype, str):
            zh, en = "对象须有文本的 id 和 type", "an object needs a text id and type"
            problems.add(OCEL_OBJECT.problem(number, "id", "required", zh, en))
        elif oid in types:
            zh, en = f"对象编号 {oid} 重复", f"the object id {oid} appears more than once"
            problems.add(OCEL_OBJECT.problem(number, "id", "duplicate_id", zh, en))
        else:
            types[oid] = otype
            if otype == case_type:
                cases[oid] = _case_attributes(number, item, declared[case_type], naive_tz, problems)
    return _Objects(types, cases, event_types)


def _case_attributes(
    number: int, item: dict[str, Any], declared: dict[str, str], naive_tz: tzinfo | None, problems: _Problems
) -> dict[str, Any]:
    latest: dict[str, tuple[datetime, Any]] = {}
    for a in item.get("attributes") or ():
        name = a.get("name") if isinstance(a, dict) else None
        if not isinstance(name, str):
            zh, en = "属性须有文本的 name", "an attribute needs a text name"
            problems.add(OCEL_OBJECT.problem(number, "attributes", "required", zh, en))
            continue
        try:
            value = _typed(a.get("value"), declared.get(name), naive_tz)
        except _Bad as e:
            problems.add(OCEL_OBJECT.bad(number, f"attributes.{name}", e))
            continue
        at = _order(a.get("time"))
        if value is not _SKIP and (name not in latest or at >= latest[name][0]):
            latest[name] = (at, value)
    return {name: value for name, (_, value) in latest.items()}


def read_ocel(stream: BinaryIO, case_type: str, naive_tz: tzinfo | None = None) -> Iterator[LogEvent]:
    """The events of an OCEL 2.0 JSON log flattened on the objects of `case_type` (see the
    module's docstring); the stream is read once for each of its arrays, so it must be seekable.
    Rejected after the good events if any was bad."""
    if not stream.seekable():
        raise ValueError("read_ocel reads the stream once for each array: it must be seekable")
    start = stream.tell()
    problems = _Problems()
    objects = _ocel_objects(stream, start, case_type, naive_tz, problems)
    for number, item in enumerate(_json_items(stream, start, "events.item", problems), start=1):
        yield from _ocel_event(number, item, objects, case_type, naive_tz, problems)
    problems.raise_any()


def _ocel_event(
    number: int, item: Any, objects: _Objects, case_type: str, naive_tz: tzinfo | None, problems: _Problems
) -> Iterator[LogEvent]:
    if not isinstance(item, dict):
        problems.add(
            OCEL_EVENT.problem(number, "(event)", "wrong_type", "应为 JSON 对象", "must be a JSON object")
        )
        return
    bad = False
    activity = item.get("type")
    if _blank(activity) or not isinstance(activity, str):
        problems.add(
            OCEL_EVENT.problem(number, "type", "required", "缺少事件类型", "the event type is missing")
        )
        bad = True
    try:
        at = _instant(item.get("time"), naive_tz)
    except _Bad as e:
        problems.add(OCEL_EVENT.bad(number, "time", e))
        bad = True
    related: list[dict[str, Any]] = []
    for r in item.get("relationships") or ():
        oid = r.get("objectId") if isinstance(r, dict) else None
        if not isinstance(oid, str) or oid not in objects.types:
            zh, en = f"关联的对象 {oid} 不存在", f"the related object {oid} is not among the objects"
            problems.add(OCEL_EVENT.problem(number, "relationships", "unknown_object", zh, en))
            bad = True
            continue
        related.append({"id": oid, "type": objects.types[oid], "qualifier": r.get("qualifier")})
    declared = objects.event_types.get(activity, {}) if isinstance(activity, str) else {}
    attributes: dict[str, Any] = {}
    for a in item.get("attributes") or ():
        name = a.get("name") if isinstance(a, dict) else None
        if not isinstance(name, str):
            zh, en = "属性须有文本的 name", "an attribute needs a text name"
            problems.add(OCEL_EVENT.problem(number, "attributes", "required", zh, en))
            bad = True
            continue
        try:
            value = _typed(a.get("value"), declared.get(name), naive_tz)
        except _Bad as e:
            problems.add(OCEL_EVENT.bad(number, f"attributes.{name}", e))
            bad = True
            continue
        if value is not _SKIP:
            attributes[name] = value
    if bad:
        return
    resource = attributes.pop("org:resource", None)
    if resource is None:
        resource = attributes.pop("resource", None)
    cases = dict.fromkeys(r["id"] for r in related if r["type"] == case_type)
    for case_id in cases:
        others = [r for r in related if r["id"] != case_id]
        yield LogEvent(
            case_id,
            cast(str, activity).strip(),
            at,
            None if _blank(resource) else str(resource).strip(),
            {**attributes, "ocel:eid": item.get("id"), "objects": others},
            objects.cases[case_id],
            number,
        )
