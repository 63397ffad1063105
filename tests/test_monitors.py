"""The monitors of other supervised areas (R-MON-4..10) on the platform: records through the API
and as files, validated whole, versioned and ledgered, the pack's checks raised as signals on the
department once per subject, the clock's daily checks, the indices, scope, and the demo's records
firing every rule with messages that fill in."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, update

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.errors import Rejected
from jiancha.domain.monitors import MONITORS
from jiancha.domain.monitors.base import Record, Records, Today
from jiancha.domain.rules.families import monitors as family
from jiancha.domain.timeutil import LOCAL
from jiancha.interfaces.files import importer
from jiancha.services import demo_monitors, integrity, monitors, packs, signals
from jiancha.store.database import Database
from jiancha.store.tables import ledger, monitor_records
from jiancha.store.tables import signals as signal_rows

from .conftest import client_as, ensure_organisation, system_client
from .monitoring import CITY
from .monitoring import kept as kept_record

UNIT = "330900-SCJG"
OTHER = "330900-JTYS"
OTHER_CITY = "330800-SCJG"


def reception(rid: str, **changed: Any) -> dict[str, Any]:
    """A reception within every standard, unless changed."""
    return {
        "id": rid,
        "day": "2026-09-15",
        "visiting_unit": "邻市市场监督管理局",
        "reason": "食品安全执法交流",
        "has_letter": True,
        "guests": 4,
        "companions": 2,
        "meals": 1,
        "meals_cost": 480.0,
        **changed,
    }


def raised(db: Database, prefix: str = "") -> dict[str, str]:
    _, rows = signals.list_signals(db, signals.SignalFilter(), limit=1000)
    return {str(r["subject"]): str(r["rule_id"]) for r in rows if str(r["subject"] or "").startswith(prefix)}


def raised_all(db: Database, prefix: str) -> list[tuple[str, str]]:
    _, rows = signals.list_signals(db, signals.SignalFilter(), limit=1000)
    return [
        (str(r["subject"]), str(r["rule_id"])) for r in rows if str(r["subject"] or "").startswith(prefix)
    ]


def kept(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(monitor_records)).scalar_one())


def test_records_raise_their_checks_once_on_the_department_and_every_version_is_ledgered(
    db: Database,
) -> None:
    sender = system_client(db, UNIT)
    sent = sender.post(
        "/api/v1/monitors/three_public/reception",
        json=[
            reception("R-1"),  # within every standard
            reception("R-2", meals_cost=1600.0),  # 1600 / 6 diners = 266.67 a head
            reception("R-3", has_letter=False, guests=2, companions=4, meals_cost=300.0),
        ],
    )
    assert sent.status_code == 201, sent.text
    assert sent.json() == {
        "monitor": "three_public",
        "kind": "reception",
        "received": 3,
        "recorded": 3,
        "unchanged": 0,
        "signals": 3,
    }
    rules = defaultdict(set)
    for subject, rule_id in raised_all(db, "three_public:"):
        rules[subject].add(rule_id)
    assert rules == {
        "three_public:reception/R-2": {"SG-RECEPTION-COST"},
        # 4 companions for 2 guests (3 allowed), and no letter
        "three_public:reception/R-3": {"SG-RECEPTION-LETTER", "SG-RECEPTION-COMPANIONS"},
    }
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id="SG-RECEPTION-COST"))
    (cost,) = rows
    assert cost["department_code"] == UNIT and cost["colour"] == "red" and cost["case_no"] is None
    assert "266.67" in cost["message_zh"] and "266.67" in cost["message_en"]
    assert cost["explanation"]["values"]["records"] == ["reception/R-2"]

    # The same records again: nothing kept, nothing raised.
    again = sender.post(
        "/api/v1/monitors/three_public/reception",
        json=[reception("R-1"), reception("R-2", meals_cost=1600.0)],
    )
    assert again.json()["recorded"] == 0 and again.json()["unchanged"] == 2 and again.json()["signals"] == 0
    # R-2 corrected is its second version; its signal stays the one raised (a signal is answered,
    # not taken back by the source), and R-1 now over the standard raises its own.
    fixed = sender.post(
        "/api/v1/monitors/three_public/reception",
        json=[reception("R-2", meals_cost=600.0), reception("R-1", meals_cost=2000.0)],
    ).json()
    assert fixed["recorded"] == 2 and fixed["signals"] == 1
    assert raised(db)["three_public:reception/R-1"] == "SG-RECEPTION-COST"
    reader = client_as(db, "e_supervisor", region="330900")
    shown = reader.get("/api/v1/monitors/three_public/reception/R-2").json()
    assert shown["version"] == 2 and shown["data"]["meals_cost"] == 600.0
    assert [v["data"]["meals_cost"] for v in shown["versions"]] == [1600.0, 600.0]
    assert [s["rule_id"] for s in shown["signals"]] == ["SG-RECEPTION-COST"]
    with db.read() as conn:
        entries = conn.execute(
            select(func.count()).select_from(ledger).where(ledger.c.ref == "three_public:reception/R-2")
        ).scalar_one()
    assert entries == 2
    # A watch's signals by the start of their subject (LIKE's wildcards taken literally).
    by_subject = reader.get("/api/v1/signals", params={"subject": "three_public:reception/R-3"}).json()
    assert {s["rule_id"] for s in by_subject["signals"]} == {"SG-RECEPTION-LETTER", "SG-RECEPTION-COMPANIONS"}
    assert reader.get("/api/v1/signals", params={"subject": "three_public:%"}).json()["total"] == 0
    assert reader.get("/api/v1/signals", params={"subject": "three_public:"}).json()["total"] == 4
    listed = reader.get("/api/v1/monitors/three_public/reception", params={"flagged": "true"}).json()
    assert listed["total"] == 3 and {r["id"] for r in listed["records"]} == {"R-1", "R-2", "R-3"}
    assert reader.get("/api/v1/monitors/three_public/reception").json()["total"] == 3
    overview = {m["monitor"]: m for m in reader.get("/api/v1/monitors").json()["monitors"]}
    assert set(overview) == set(MONITORS)
    spending = overview["three_public"]
    assert spending["unresolved_signals"] == 4
    assert {k["kind"]: k["records"] for k in spending["kinds"]}["reception"] == 3
    assert integrity.check(db).ok


def test_a_bad_record_refuses_the_batch_naming_place_and_field_in_both_languages(db: Database) -> None:
    sender = system_client(db, UNIT)
    before = kept(db)
    answer = sender.post(
        "/api/v1/monitors/three_public/reception",
        json=[reception("R-1"), reception("R-2", guests=0), reception("R-3", colour="red"), "x"],
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "records_rejected"
    fields = {p["field"]: p for p in error["problems"]}
    assert set(fields) == {"[1].guests", "[2].colour", "[3]"}
    assert (
        fields["[1].guests"]["message_zh"] == "数值过小"
        and "greater than" in fields["[1].guests"]["message_en"]
    )
    assert fields["[2].colour"]["code"] == "unknown_field"
    # A cross-field rule speaks both languages too.
    mixed = sender.post(
        "/api/v1/monitors/three_public/reception", json=reception("R-9", meals=0, meals_cost=10.0)
    )
    (problem,) = mixed.json()["error"]["problems"]
    assert problem["field"] == "[0]" or problem["field"].startswith("[0]")
    assert "meals" in problem["message_zh"] and "meals" in problem["message_en"]
    assert problem["message_zh"] != problem["message_en"]
    assert kept(db) == before
    unknown = sender.post("/api/v1/monitors/nothing/reception", json=reception("R-1"))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_monitor"
    wrong_kind = sender.post("/api/v1/monitors/three_public/meeting", json=reception("R-1"))
    assert wrong_kind.status_code == 404 and wrong_kind.json()["error"]["code"] == "unknown_record_kind"
    repeated = sender.post(
        "/api/v1/monitors/three_public/reception", json=[reception("R-1"), reception("R-1")]
    )
    assert [p["field"] for p in repeated.json()["error"]["problems"]] == ["[1].id"]


def test_a_department_sends_and_sees_only_its_own(db: Database) -> None:
    ensure_organisation(db)
    sender = system_client(db, UNIT)
    refused = sender.post(
        "/api/v1/monitors/three_public/reception", json=reception("R-1", department_code=OTHER)
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_unit"
    assert (
        sender.post(
            "/api/v1/monitors/three_public/reception", json=reception("R-1", meals_cost=5000.0)
        ).status_code
        == 201
    )
    # The same id from another department's system is another department's record: refused.
    other = system_client(db, OTHER)
    assert other.post("/api/v1/monitors/three_public/reception", json=reception("R-1")).status_code == 403
    neighbour = client_as(db, "post_user", department=OTHER_CITY)
    assert neighbour.get("/api/v1/monitors/three_public/reception").json()["total"] == 0
    assert neighbour.get("/api/v1/monitors/three_public/reception/R-1").status_code == 404
    spending = next(
        m for m in neighbour.get("/api/v1/monitors").json()["monitors"] if m["monitor"] == "three_public"
    )
    assert spending["unresolved_signals"] == 0
    own = client_as(db, "post_user", department=UNIT)
    assert (
        own.get("/api/v1/monitors/three_public/reception/R-1").json()["signals"][0]["rule_id"]
        == "SG-RECEPTION-COST"
    )


def test_a_file_of_mixed_records_is_kept_whole_or_refused_naming_its_rows(db: Database) -> None:
    ensure_organisation(db)
    event = {
        "id": "E-1",
        "department_code": UNIT,
        "official_id": "P-1",
        "official_name": "张三",
        "post": "科长",
        "kind": "investigation",  # the event's own kind: a mixed file names the record's `record_kind`
        "occurred_on": "2026-09-01",
    }
    lines = [
        {"monitor": "three_public", "record_kind": "reception", **reception("F-1", department_code=UNIT)},
        {"monitor": "integrity_risk", "record_kind": "integrity_event", **event, "kind": "gossip"},
        {"monitor": "integrity_risk", "record_kind": "integrity_event", **event, "id": "E-2"},
    ]
    with pytest.raises(Rejected) as refused:
        importer.import_file(db, b"\n".join(orjson.dumps(line) for line in lines), "records.jsonl", by="test")
    assert [(p.index, p.field) for p in refused.value.problems] == [(2, "[0].kind")]
    assert kept(db) == 0
    lines[1]["kind"] = "criticism"
    summary = importer.import_file(
        db, b"\n".join(orjson.dumps(line) for line in lines), "records.jsonl", by="test"
    )
    assert summary["kind"] == "monitors" and summary["records"] == 3 and summary["recorded"] == 3
    one_kind = orjson.dumps([{**event, "id": "E-3"}])
    summary = importer.import_file(
        db, one_kind, "events.json", kind="integrity_risk/integrity_event", by="test"
    )
    assert summary["recorded"] == 1
    unknown = orjson.dumps([{**reception("F-2"), "department_code": "NOWHERE"}])
    with pytest.raises(Rejected) as nowhere:
        importer.import_file(db, unknown, "x.json", kind="three_public/reception", by="test")
    assert [(p.index, p.code) for p in nowhere.value.problems] == [(1, "unknown_department")]
    assert kept(db) == 4


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LOCAL)


def test_the_clock_raises_what_time_alone_brings_once_a_day(db: Database) -> None:
    """A village registered to disclose monthly: September's disclosure is due 10 days after the
    month ends; none is sent, so the day after the due day the clock's daily run raises it."""
    ensure_organisation(db)
    village = {
        "id": "V-1",
        "village": "330900001",
        "name": "东岙村",
        "township": "东湖街道",
        "disclosure": "monthly",
        "since": "2026-09-01",
        "until": "2027-08-31",
    }
    first = monitors.receive(
        db,
        "village_assets",
        "village",
        monitors.parse("village_assets", "village", [village]),
        "test",
        UNIT,
        at("2026-10-05"),
    )
    assert first["signals"] == 0
    assert monitors.watch(db, at("2026-10-10")) == 0  # due by 10 October: not late on the day
    assert monitors.watch(db, at("2026-10-11")) == 1
    assert raised(db, "village_assets:") == {"village_assets:disclosure/330900001@2026-09": "SZ-DISCLOSURE"}
    assert monitors.watch(db, at("2026-10-11", 15)) == 0  # once a day, and once per subject
    assert monitors.watch(db, at("2026-10-12")) == 0


def test_an_index_shows_every_component_and_sums_to_what_it_says(db: Database) -> None:
    ensure_organisation(db)
    events = [
        {
            "id": "E-1",
            "official_id": "P-1",
            "official_name": "李四",
            "post": "股长",
            "kind": "report_substantiated",
            "occurred_on": "2026-09-01",
        },
        {
            "id": "E-2",
            "official_id": "P-1",
            "official_name": "李四",
            "post": "股长",
            "kind": "criticism",
            "occurred_on": "2026-09-10",
        },
        {
            "id": "E-3",
            "official_id": "P-1",
            "official_name": "李四",
            "post": "股长",
            "kind": "commendation",
            "occurred_on": "2026-09-20",
        },
    ]
    monitors.receive(
        db,
        "integrity_risk",
        "integrity_event",
        monitors.parse("integrity_risk", "integrity_event", events),
        "test",
        UNIT,
        at("2026-10-01"),
    )
    found = monitors.index(db, "integrity_risk", now=at("2026-10-01"))
    assert found["rule_id"] is not None and found["settings"]["window_days"] == 365
    rows = [r for r in found["rows"] if r["department_code"] == UNIT]
    assert rows
    for row in rows:
        components = row["components"]
        assert components and all({"weight", "points"} <= set(c) for c in components)
    official = next(r for r in rows if r["official"] == "P-1")
    points = {c["kind"]: c["points"] for c in official["components"] if c.get("points")}
    assert sum(points.values()) == pytest.approx(official["index"])
    assert points["commendation"] < 0 < points["criticism"]
    reader = client_as(db, "e_supervisor", region="330900")
    assert reader.get("/api/v1/monitors/integrity_risk/index").json()["rows"]
    assert reader.get("/api/v1/monitors/three_public/index").status_code == 404


def test_a_record_changed_behind_the_ledger_s_back_is_found(db: Database) -> None:
    ensure_organisation(db)
    monitors.receive(
        db,
        "three_public",
        "reception",
        monitors.parse("three_public", "reception", [reception("R-1")]),
        "test",
        UNIT,
    )
    assert integrity.check(db).ok
    with db.write() as conn:
        conn.execute(update(monitor_records).values(data={**reception("R-1"), "meals_cost": 1.0}))
    report = integrity.check(db)
    assert not report.ok and "three_public:reception/R-1" in str(report.mismatch)


# -- the demo's records ---------------------------------------------------------------------------

DEPARTMENTS = CITY


def _demo_records(family_name: str, today: date) -> dict[str, Records]:
    """A monitor's demo records as the service would read them, by department."""
    found: dict[str, list[Record]] = defaultdict(list)
    for kind, raw in demo_monitors.MODULES[family_name].demo(today, DEPARTMENTS):
        record = kept_record(MONITORS[family_name], kind, raw, "")
        found[record.department_code].append(record)
    return {code: Records(rs) for code, rs in found.items()}


@pytest.mark.parametrize("today", [date(2026, 11, 24), date(2026, 1, 31), date(2027, 3, 1)])
def test_every_rule_of_the_default_pack_hits_on_the_demo_and_its_messages_fill_in(today: date) -> None:
    pack = packs.load("default")
    calendar = WorkCalendar.weekdays_only()
    silent = []
    for rule in (r.rule() for r in pack.rules if r.family in MONITORS):
        hits = [
            hit
            for records in _demo_records(rule.family, today).values()
            for hit in family.check_of(rule).run(family.settings_of(rule), records, Today(today, calendar))
        ]
        if not hits:
            silent.append(rule.id)
        for hit in hits:
            values = family.finding(rule, hit).values
            for message in (rule.message_zh, rule.message_en):
                missing = set(re.findall(r"\{(\w+)\}", message)) - set(values)
                assert not missing, f"{rule.id}: {missing}"
    assert silent == []


def test_the_demo_city_sends_every_monitor_s_records_and_raises_their_signals(db: Database) -> None:
    from jiancha.services import organisation

    organisation.save(
        db,
        organisation.parse(
            {
                "regions": [{"code": "330900", "name": "示范市", "level": "city"}],
                "departments": [
                    {"code": c, "name": s, "region_code": "330900"} for s, c in DEPARTMENTS.items()
                ],
            }
        ),
        by="test",
    )
    now = at("2026-11-24")
    raised_by = demo_monitors.send(db, DEPARTMENTS, now)
    assert set(raised_by) == set(MONITORS) and all(n > 0 for n in raised_by.values()), raised_by
    with db.read() as conn:
        families = set(conn.execute(select(signal_rows.c.family).distinct()).scalars())
    assert set(MONITORS) <= families
    # Built again the same day: every record is unchanged, nothing new raised.
    assert set(demo_monitors.send(db, DEPARTMENTS, now).values()) == {0}
    assert integrity.check(db).ok
