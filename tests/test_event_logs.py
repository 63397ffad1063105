"""Process-mining event logs read one event at a time: XES, CSV and OCEL 2.0, on the real road-fines
log (tests/data/road-fines, README there) and on small files written here."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jiancha.domain.errors import Rejected
from jiancha.interfaces.files.event_logs import (
    CsvColumns,
    LogEvent,
    check,
    open_log,
    read_csv_log,
    read_ocel,
    read_xes,
)

# The log, copied from the workplace's shared data with its source (tests/data/road-fines/README.md).
ROAD_FINES = Path(__file__).parent / "data" / "road-fines"


def csv_events(path: Path, columns: CsvColumns | None = None) -> list[LogEvent]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(read_csv_log(f, columns or CsvColumns.guess(header)))


def xes_events(path: Path, **kw: Any) -> list[LogEvent]:
    with open_log(path) as f:
        return list(read_xes(f, **kw))


def read_until_rejected(events: Iterator[LogEvent]) -> tuple[list[LogEvent], Rejected]:
    got: list[LogEvent] = []
    with pytest.raises(Rejected) as e:
        for event in events:
            got.append(event)
    return got, e.value


# -- the real log ---------------------------------------------------------------------------------


def test_the_xes_and_the_csv_of_the_100_traces_give_the_same_events() -> None:
    xes = xes_events(ROAD_FINES / "roadtraffic100traces.xes")
    rows = csv_events(ROAD_FINES / "roadtraffic100traces.csv")
    assert len(xes) == len(rows) == 390
    assert len({e.case_id for e in xes}) == 100
    for x, c in zip(xes, rows, strict=True):
        assert (x.case_id, x.activity, x.timestamp, x.resource) == (
            c.case_id,
            c.activity,
            c.timestamp,
            c.resource,
        )
        # XES writes article and points as int, pm4py's CSV as 157.0: equal numbers.
        assert x.attributes == c.attributes
    first = xes[0]
    assert first == LogEvent(
        "N77802",
        "Create Fine",
        datetime(2005, 3, 22, 23, 0, tzinfo=UTC),
        "537",
        {
            "amount": 35.0,
            "dismissal": "NIL",
            "vehicleClass": "A",
            "totalPaymentAmount": 0.0,
            "lifecycle:transition": "complete",
            "article": 157,
            "points": 0,
        },
        {},
        1,
    )
    assert rows[0].position == 2  # the header is row 1


def test_the_gzipped_log_of_one_trace_per_variant_has_231_cases_and_1891_events() -> None:
    # Its timestamps carry no offset: read as UTC when told so, refused otherwise.
    events = xes_events(ROAD_FINES / "roadtraffic_1t_per_variant.xes.gz", naive_tz=UTC)
    assert len(events) == 1891
    assert len({e.case_id for e in events}) == 231
    assert events[0].timestamp == datetime(2006, 7, 24, tzinfo=UTC)
    with open_log(ROAD_FINES / "roadtraffic_1t_per_variant.xes.gz") as f:
        got, rejected = read_until_rejected(read_xes(f))
    assert got == []
    assert rejected.message_en == "the event log has 1891 errors (the first 1000 listed)"
    first = rejected.problems[0]
    assert (first.index, first.field, first.code) == (1, "time:timestamp", "no_offset")
    assert first.message_en.startswith(
        "event 1, time:timestamp: the timestamp 2006-07-24T00:00:00 has no offset"
    )
    assert first.message_zh.startswith("第 1 个事件 time:timestamp：时间 2006-07-24T00:00:00 没有时区偏移")


def test_gzip_is_recognised_by_its_bytes_whatever_the_name(tmp_path: Path) -> None:
    renamed = tmp_path / "variants.xes"
    shutil.copy(ROAD_FINES / "roadtraffic_1t_per_variant.xes.gz", renamed)
    assert check(read_xes(open_log(renamed), naive_tz=UTC)) == 1891


def test_the_10k_csv_gives_10000_cases_34724_events_and_the_activity_counts_of_the_csv_module() -> None:
    path = ROAD_FINES / "traffic_fines_10k.csv"
    with path.open(newline="") as f:
        raw = list(csv.DictReader(f))
    events = csv_events(path)
    assert len(events) == len(raw) == 34_724
    assert len({e.case_id for e in events}) == len({r["case_id"] for r in raw}) == 10_000
    assert Counter(e.activity for e in events) == Counter(r["activity"] for r in raw)
    assert Counter(e.activity for e in events)["Create Fine"] == 10_000
    first = events[0]
    assert (first.case_id, first.activity, first.resource, first.position) == ("A1", "Create Fine", "561", 2)
    assert first.timestamp == datetime(2006, 7, 24, tzinfo=UTC)
    assert first.attributes == {
        "lifecycle": "complete",
        "amount": 35.0,
        "article": 157.0,
        "dismissal": "NIL",
        "points": 0.0,
        "totalpaymentamount": 0.0,
        "vehicleclass": "A",
        "activity_instance_id": 1,
    }


# -- bad input ------------------------------------------------------------------------------------

XES_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
)


def xes(body: str) -> io.BytesIO:
    return io.BytesIO(XES_HEAD + body.encode() + b"</log>\n")


def event(
    activity: str | None = "Create Fine", at: str | None = "2006-07-24T00:00:00+02:00", extra: str = ""
) -> str:
    name = f'<string key="concept:name" value="{activity}"/>' if activity is not None else ""
    time = f'<date key="time:timestamp" value="{at}"/>' if at is not None else ""
    return f"<event>{name}{time}{extra}</event>"


def test_the_good_events_are_yielded_then_every_bad_one_is_named_by_number_and_field() -> None:
    body = (
        '<trace><string key="concept:name" value="A1"/>'
        + event()
        + event(at=None)
        + event(at="2006-07-24T00:00:00")
        + event(activity=None)
        + "</trace>"
        + '<trace><string key="concept:name" value="A2"/>'
        + event(extra='<int key="points" value="two"/>')
        + event("Send Fine")
        + "</trace>"
    )
    got, rejected = read_until_rejected(read_xes(xes(body)))
    assert [(e.case_id, e.position) for e in got] == [("A1", 1), ("A2", 6)]
    assert rejected.code == "log_rejected"
    assert [(p.index, p.field, p.code) for p in rejected.problems] == [
        (2, "time:timestamp", "required"),
        (3, "time:timestamp", "no_offset"),
        (4, "concept:name", "required"),
        (5, "points", "wrong_type"),
    ]
    missing_time, naive, no_activity, bad_int = (p for p in rejected.problems)
    assert missing_time.message_zh == "第 2 个事件 time:timestamp：缺少时间"
    assert missing_time.message_en == "event 2, time:timestamp: the timestamp is missing"
    assert "第 3 个事件" in naive.message_zh and "须带时区偏移" in naive.message_zh
    assert "event 3" in naive.message_en and "needs an offset" in naive.message_en
    assert no_activity.message_zh == "第 4 个事件 concept:name：缺少活动名称"
    assert no_activity.message_en == "event 4, concept:name: the activity is missing"
    assert bad_int.message_en == "event 5, points: the value two is not of type int"
    with pytest.raises(Rejected):
        check(read_xes(xes(body)))


def test_a_trace_without_case_id_is_named_at_its_first_event() -> None:
    body = "<trace>" + event() + event() + "</trace>"
    got, rejected = read_until_rejected(read_xes(xes(body)))
    assert got == []
    [problem] = rejected.problems
    assert (problem.index, problem.field) == (1, "concept:name")
    assert problem.message_zh == "第 1 个事件 concept:name：第 1 个轨迹缺少案件编号（concept:name）"
    assert problem.message_en == "event 1, concept:name: trace 1 has no case id (concept:name)"


def test_a_doctype_declaring_an_entity_is_refused_before_it_is_expanded() -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE log [\n<!ENTITY lol "lol">\n'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        b'<log><trace><string key="concept:name" value="&lol2;"/></trace></log>\n'
    )
    got, rejected = read_until_rejected(read_xes(io.BytesIO(laughs)))
    assert got == []
    assert rejected.code == "xml_entity"
    [problem] = rejected.problems
    assert problem.field == "DOCTYPE"
    assert "实体 lol" in problem.message_zh and "entity lol" in problem.message_en


def test_a_file_that_is_not_xml_or_not_xes_is_refused() -> None:
    _, rejected = read_until_rejected(read_xes(io.BytesIO(b"<log><trace></log>")))
    assert rejected.code == "unreadable_file"
    assert "line 1" in rejected.message_en and "第 1 行" in rejected.message_zh
    _, rejected = read_until_rejected(read_xes(io.BytesIO(b"<html></html>")))
    assert rejected.message_en == "the root element is html, not an XES log"


def csv_of(text: str, columns: CsvColumns) -> Iterator[LogEvent]:
    return read_csv_log(io.StringIO(text), columns)


COLUMNS = CsvColumns("case_id", "activity", "timestamp", "resource")


def test_a_csv_row_without_offset_date_or_activity_is_named_by_row_and_column() -> None:
    text = (
        "case_id,activity,timestamp,resource\n"
        "A1,Create Fine,2006-07-24 00:00:00+00:00,561\n"
        "A1,Send Fine,2006-12-05,\n"
        "A1,Payment,2006-12-06 10:00:00,\n"
        "A1,,2006-12-07T00:00:00Z,\n"
        "A2,Create Fine,2006-07-24T00:00:00Z,\n"
    )
    got, rejected = read_until_rejected(csv_of(text, COLUMNS))
    assert [e.position for e in got] == [2, 6]
    assert [(p.index, p.field, p.code) for p in rejected.problems] == [
        (3, "timestamp", "no_offset"),
        (4, "timestamp", "no_offset"),
        (5, "activity", "required"),
    ]
    date_alone = rejected.problems[0]
    assert date_alone.message_zh.startswith("第 3 行 timestamp：时间 2006-12-05 只有日期")
    assert date_alone.message_en.startswith("row 3, timestamp: the timestamp 2006-12-05 is a date alone")
    assert rejected.problems[2].message_en == "row 5, activity: the activity is missing"
    # Given the zone they were written in, local times are instants.
    rome = CsvColumns("case_id", "activity", "timestamp", naive_tz=ZoneInfo("Europe/Rome"))
    got, _ = read_until_rejected(csv_of(text, rome))
    assert [e.timestamp for e in got[1:3]] == [
        datetime(2006, 12, 4, 23, 0, tzinfo=UTC),
        datetime(2006, 12, 6, 9, 0, tzinfo=UTC),
    ]


def test_a_mapping_naming_a_column_the_header_lacks_is_refused_at_once() -> None:
    columns = CsvColumns("case_id", "activity", "when", ignore=("matricola",))
    with pytest.raises(Rejected) as e:
        next(csv_of("case_id,activity,timestamp\nA1,Create Fine,2006-07-24T00:00:00Z\n", columns))
    assert [(p.index, p.field, p.code) for p in e.value.problems] == [
        (1, "when", "unknown_column"),
        (1, "matricola", "unknown_column"),
    ]
    problem = e.value.problems[0]
    assert problem.message_zh.startswith("第 1 行 when：映射 timestamp=when 所指的列 when 不在表头中")
    assert problem.message_en.startswith(
        "row 1, when: the column when of the mapping timestamp=when is not in"
    )


def test_csv_cells_that_are_numbers_become_numbers_but_identifiers_stay_text() -> None:
    text = (
        "case_id,activity,timestamp,resource,amount,points,code,serial,ratio,note,matricola,case:region,empty\n"
        "007,Create Fine,2006-07-24T00:00:00Z,561,35.0,2,0042,123456789012345678,1e3,3 ,561,North,\n"
    )
    columns = CsvColumns(
        "case_id", "activity", "timestamp", "resource", ignore=("empty",), text=("matricola",)
    )
    [e] = csv_of(text, columns)
    assert (e.case_id, e.resource) == ("007", "561")
    assert e.attributes == {
        "amount": 35.0,
        "points": 2,
        "code": "0042",
        "serial": "123456789012345678",
        "ratio": 1000.0,
        "note": 3,
        "matricola": "561",
    }
    assert e.case_attributes == {"region": "North"}


def test_columns_are_guessed_from_pm4py_and_common_names() -> None:
    pm4py = ["case:concept:name", "concept:name", "time:timestamp", "org:resource", "case:REG"]
    assert CsvColumns.guess(pm4py) == CsvColumns(
        "case:concept:name", "concept:name", "time:timestamp", "org:resource"
    )
    common = ["\ufeffCase ID", "Activity", "Timestamp", "User", "amount"]
    assert CsvColumns.guess(common) == CsvColumns("Case ID", "Activity", "Timestamp", "User")
    assert CsvColumns.guess(["caseid", "event", "time"]) == CsvColumns("caseid", "event", "time")
    with pytest.raises(Rejected) as e:
        CsvColumns.guess(["id", "activity", "when"])
    assert [(p.index, p.field) for p in e.value.problems] == [(1, "case"), (1, "timestamp")]
    assert "case_id" in e.value.problems[0].message_en and "案件编号" in e.value.problems[0].message_zh


def test_columns_are_parsed_from_a_command_line_option() -> None:
    parsed = CsvColumns.parse(
        "case=case_id, activity=activity,timestamp=timestamp,resource=resource,"
        "ignore=lastsent;matricola,text=activity_instance_id,naive_tz=Asia/Shanghai"
    )
    assert parsed == CsvColumns(
        "case_id",
        "activity",
        "timestamp",
        "resource",
        ignore=("lastsent", "matricola"),
        text=("activity_instance_id",),
        naive_tz=ZoneInfo("Asia/Shanghai"),
    )
    with pytest.raises(Rejected) as e:
        CsvColumns.parse("case=case_id,activity=activity,colour=red,naive_tz=Mars/Olympus")
    assert [p.field for p in e.value.problems] == ["colour", "naive_tz", "timestamp"]
    assert all(p.message_zh and p.message_en for p in e.value.problems)


def test_xes_types_globals_nesting_and_lists() -> None:
    body = (
        '<global scope="trace"><string key="region" value="unknown"/></global>'
        '<global scope="event"><string key="lifecycle:transition" value="complete"/>'
        '<string key="org:resource" value="desk"/><string key="concept:name" value="__INVALID__"/></global>'
        '<trace><string key="concept:name" value="A1"/><date key="REG" value="2006-07-01T00:00:00+02:00"/>'
        + event(
            extra='<int key="article" value="157"/><float key="amount" value="35.5">'
            '<string key="currency" value="EUR"/></float><boolean key="paid" value="false"/>'
            '<id key="ref" value="0042"/><float key="expense" value="NaN"/>'
            '<list key="fees"><values><float key="fee" value="1.5"/><float key="fee" value="2"/></values>'
            "</list>"
            '<string key="lifecycle:transition" value="start"/>'
        )
        + event("Send Fine", extra='<string key="org:resource" value="541"/>')
        + "</trace>"
        + '<trace><string key="concept:name" value="A2"/>'
        + event(activity=None)
        + "</trace>"
    )
    got, rejected = read_until_rejected(read_xes(xes(body)))
    first, second = got
    assert first.attributes == {
        "article": 157,
        "amount": 35.5,
        "amount/currency": "EUR",
        "paid": False,
        "ref": "0042",
        "fees": [1.5, 2.0],
        "lifecycle:transition": "start",
    }
    assert first.case_attributes == {"REG": "2006-07-01T00:00:00+02:00", "region": "unknown"}
    assert first.resource == "desk"
    assert (second.resource, second.attributes) == ("541", {"lifecycle:transition": "complete"})
    # A default activity would invent one: the event without its own is still a problem.
    assert [(p.index, p.field) for p in rejected.problems] == [(3, "concept:name")]


# -- memory ---------------------------------------------------------------------------------------


def write_large_xes(path: Path, megabytes: int) -> int:
    """An XES log of about `megabytes` MB in the road-fines' shape; returns its number of events."""
    start = datetime(2006, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    events = 0
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n')
        case = 0
        while f.tell() < megabytes * 1_000_000:
            case += 1
            f.write(f'  <trace>\n    <string key="concept:name" value="C{case}"/>\n')
            for step, activity in enumerate(
                ("Create Fine", "Send Fine", "Insert Fine Notification", "Payment")
            ):
                at = (start + timedelta(days=case % 3000, hours=step)).isoformat()
                f.write(
                    "    <event>\n"
                    f'      <string key="concept:name" value="{activity}"/>\n'
                    f'      <date key="time:timestamp" value="{at}"/>\n'
                    f'      <string key="org:resource" value="{case % 700}"/>\n'
                    f'      <float key="amount" value="{35 + case % 7}.0"/>\n'
                    '      <string key="lifecycle:transition" value="complete"/>\n'
                    "    </event>\n"
                )
                events += 1
            f.write("  </trace>\n")
        f.write("</log>\n")
    return events


@pytest.mark.slow
def test_memory_stays_flat_reading_a_50_mb_xes(tmp_path: Path) -> None:
    path = tmp_path / "large.xes"
    expected = write_large_xes(path, 50)
    tracemalloc.start()
    try:
        with open_log(path) as f:
            count = check(read_xes(f))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == expected > 150_000
    assert peak < 3_000_000, f"peak {peak:,} bytes"


def test_memory_stays_flat_reading_a_gzipped_csv(tmp_path: Path) -> None:
    path = tmp_path / "large.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case_id", "activity", "timestamp", "resource", "amount"])
        for n in range(100_000):
            w.writerow([f"C{n // 4}", "Send Fine", f"2006-07-{1 + n % 28:02d}T00:00:00Z", n % 700, "35.0"])
    tracemalloc.start()
    try:
        with io.TextIOWrapper(open_log(path), encoding="utf-8-sig", newline="") as f:
            count = check(read_csv_log(f, COLUMNS))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert peak < 1_000_000, f"peak {peak:,} bytes"


# -- OCEL 2.0 -------------------------------------------------------------------------------------


def ocel(events_first: bool = False, **changes: Any) -> io.BytesIO:
    """Two orders and two items; 'pay orders' settles both orders at once."""
    doc: dict[str, Any] = {
        "objectTypes": [
            {
                "name": "order",
                "attributes": [{"name": "price", "type": "float"}, {"name": "status", "type": "string"}],
            },
            {"name": "item", "attributes": [{"name": "weight", "type": "float"}]},
        ],
        "eventTypes": [
            {"name": "place order", "attributes": [{"name": "channel", "type": "string"}]},
            {"name": "pick item", "attributes": []},
            {
                "name": "pay orders",
                "attributes": [{"name": "total", "type": "float"}, {"name": "paid_at", "type": "time"}],
            },
        ],
        "objects": [
            {
                "id": "o1",
                "type": "order",
                "attributes": [
                    {"name": "status", "time": "2024-05-02T00:00:00Z", "value": "paid"},
                    {"name": "status", "time": "2024-05-01T00:00:00Z", "value": "open"},
                    {"name": "price", "time": "1970-01-01T00:00:00Z", "value": "100"},
                ],
                "relationships": [{"objectId": "i1", "qualifier": "contains"}],
            },
            {
                "id": "o2",
                "type": "order",
                "attributes": [{"name": "price", "time": "1970-01-01T00:00:00Z", "value": 20.5}],
            },
            {
                "id": "i1",
                "type": "item",
                "attributes": [{"name": "weight", "time": "1970-01-01T00:00:00Z", "value": "2"}],
            },
            {"id": "i2", "type": "item", "attributes": []},
        ],
        "events": [
            {
                "id": "e1",
                "type": "place order",
                "time": "2024-05-01T09:00:00+08:00",
                "attributes": [
                    {"name": "channel", "value": "web"},
                    {"name": "org:resource", "value": "Wang"},
                ],
                "relationships": [
                    {"objectId": "o1", "qualifier": "order"},
                    {"objectId": "i1", "qualifier": "item"},
                    {"objectId": "i2", "qualifier": "item"},
                ],
            },
            {
                "id": "e2",
                "type": "pick item",
                "time": "2024-05-01T10:00:00Z",
                "attributes": [],
                "relationships": [{"objectId": "i1", "qualifier": "item"}],
            },
            {
                "id": "e3",
                "type": "pay orders",
                "time": "2024-05-02T00:00:00Z",
                "attributes": [
                    {"name": "total", "value": "120.5"},
                    {"name": "paid_at", "value": "2024-05-02T08:00:00+08:00"},
                ],
                "relationships": [
                    {"objectId": "o1", "qualifier": "paid"},
                    {"objectId": "o2", "qualifier": "paid"},
                ],
            },
        ],
    }
    doc.update(changes)
    if events_first:
        doc = {"events": doc.pop("events"), **doc}
    return io.BytesIO(json.dumps(doc).encode())


@pytest.mark.parametrize("events_first", [False, True])
def test_ocel_is_flattened_on_the_case_type_an_event_of_two_orders_in_both(events_first: bool) -> None:
    got = list(read_ocel(ocel(events_first), "order"))
    assert [(e.case_id, e.activity, e.position) for e in got] == [
        ("o1", "place order", 1),
        ("o1", "pay orders", 3),
        ("o2", "pay orders", 3),
    ]
    placed, paid_o1, paid_o2 = got
    assert placed.timestamp == datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    assert placed.resource == "Wang"
    assert placed.attributes == {
        "channel": "web",
        "ocel:eid": "e1",
        "objects": [
            {"id": "i1", "type": "item", "qualifier": "item"},
            {"id": "i2", "type": "item", "qualifier": "item"},
        ],
    }
    assert placed.case_attributes == {
        "status": "paid",
        "price": 100.0,
    }  # the latest status, price as declared
    assert paid_o1.attributes == {
        "total": 120.5,
        "paid_at": "2024-05-02T08:00:00+08:00",
        "ocel:eid": "e3",
        "objects": [{"id": "o2", "type": "order", "qualifier": "paid"}],
    }
    assert paid_o2.attributes["objects"] == [{"id": "o1", "type": "order", "qualifier": "paid"}]
    assert paid_o2.case_attributes == {"price": 20.5}
    items = list(read_ocel(ocel(), "item"))
    assert [(e.case_id, e.activity) for e in items] == [
        ("i1", "place order"),
        ("i2", "place order"),
        ("i1", "pick item"),
    ]
    assert items[0].case_attributes == {"weight": 2.0}


def test_ocel_bad_events_are_named_by_number_and_field_and_an_unknown_case_type_refused() -> None:
    events = [
        {
            "id": "e1",
            "type": "place order",
            "time": "2024-05-01T09:00:00",
            "relationships": [{"objectId": "o1"}],
        },
        {
            "id": "e2",
            "type": "place order",
            "time": "2024-05-01T09:00:00Z",
            "relationships": [{"objectId": "o9"}],
        },
        {"id": "e3", "time": "2024-05-01T09:00:00Z", "relationships": [{"objectId": "o2"}]},
        {
            "id": "e4",
            "type": "pay orders",
            "time": "2024-05-01T09:00:00Z",
            "relationships": [{"objectId": "o2"}],
        },
    ]
    got, rejected = read_until_rejected(read_ocel(ocel(events=events), "order"))
    assert [(e.case_id, e.position) for e in got] == [("o2", 4)]
    assert [(p.sheet, p.index, p.field, p.code) for p in rejected.problems] == [
        ("events", 1, "time", "no_offset"),
        ("events", 2, "relationships", "unknown_object"),
        ("events", 3, "type", "required"),
    ]
    assert rejected.problems[1].message_zh == "第 2 个事件 relationships：关联的对象 o9 不存在"
    assert (
        rejected.problems[1].message_en
        == "event 2, relationships: the related object o9 is not among the objects"
    )
    _, rejected = read_until_rejected(read_ocel(ocel(), "invoice"))
    assert rejected.code == "unknown_case_type"
    assert "declared: order, item" in rejected.message_en and "invoice" in rejected.message_zh
    _, rejected = read_until_rejected(read_ocel(io.BytesIO(b'{"objectTypes": [}'), "order"))
    assert rejected.code == "unreadable_file"
