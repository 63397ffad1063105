"""Corrections of important data (R-AUD-2): deleting or altering a case, an event or a catalogue
entry needs the approval of the top-level agency, is recorded as a correction in the ledger pointing
at the original, and leaves the original readable; tables changed behind it fail verification."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from jiancha.services import integrity
from jiancha.store.database import Database
from jiancha.store.tables import cases, events, ledger

from .conftest import Desk, client_as, drop_ledger_triggers, event

OWNER = "330900-SCJG"


@pytest.fixture
def desk(db: Database) -> Iterator[Desk]:
    with Desk(db) as d:
        yield d


@pytest.fixture
def chief(db: Database, desk: Desk) -> Iterator[TestClient]:
    """A leader of the top-level agency (the province, at the top of the region tree)."""
    with client_as(db, "system_supervisor", region="330000", username="chief", leader=True) as c:
        yield c


def two_steps(desk: Desk) -> None:
    r = desk.post(
        "/api/v1/events",
        json=[event(1), event(2, step="undertake", post="承办岗", at="2026-09-15T09:00:00+08:00")],
    )
    assert r.status_code == 200, r.text


def ask(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/corrections", json={"reason": "录入错误，以纸质卷宗为准", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


def decide(client: TestClient, no: str, approve: bool = True, reason: str = "") -> Any:
    return client.post(f"/api/v1/corrections/{no}/decision", json={"approve": approve, "reason": reason})


def entry(db: Database, seq: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(ledger.c.kind, ledger.c.payload).where(ledger.c.seq == seq)).one()
    return {"kind": row.kind, **orjson.loads(bytes(row.payload))}


def test_an_event_is_corrected_only_once_the_top_level_leader_approves(
    db: Database, desk: Desk, chief: TestClient
) -> None:
    two_steps(desk)
    before = desk.department.get("/api/v1/cases/C-1").json()
    assert before["accepted_at"].startswith("2026-09-14T09:00")
    asked = ask(
        desk.department,
        event={"source_system": "SYS-A", "event_id": "E-1"},
        changes={"occurred_at": "2026-09-10T09:00:00+08:00"},
    )
    assert asked["state"] == "requested" and asked["requested_by"] == "科长乙 (official)"
    unchanged = desk.department.get("/api/v1/cases/C-1").json()
    assert unchanged["accepted_at"] == before["accepted_at"], "nothing changes before approval"

    # Not the requester, not a supervisor who is no leader, not a leader below the top.
    assert decide(desk.department, asked["correction_no"]).status_code == 403
    assert decide(desk.supervisor, asked["correction_no"]).status_code == 403
    with client_as(db, "system_supervisor", region="330900", username="city.chief", leader=True) as city:
        assert decide(city, asked["correction_no"]).status_code == 403

    done = decide(chief, asked["correction_no"])
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "approved" and done.json()["decided_by"] == "chief"
    after = desk.department.get("/api/v1/cases/C-1").json()
    assert after["accepted_at"].startswith("2026-09-10T09:00")
    assert after["legal_due"] < before["legal_due"], "the deadline follows the corrected acceptance"
    corrected = next(e for e in after["events"] if e["event_id"] == "E-1")
    assert corrected["occurred_at"].startswith("2026-09-10T09:00") and not corrected["voided"]
    assert [c["correction_no"] for c in after["corrections"]] == [asked["correction_no"]]

    # The ledger: a correction entry pointing at the original entry, which is unchanged.
    record = entry(db, done.json()["applied_seq"])
    assert record["kind"] == "correction" and record["action"] == "approve"
    assert record["original_seq"] == corrected["ledger_seq"]
    original = entry(db, corrected["ledger_seq"])
    assert original["kind"] == "event" and original["occurred_at"] == "2026-09-14T01:00:00.000000Z"
    assert record["before"]["occurred_at"] == original["occurred_at"]
    assert record["after"]["occurred_at"] == "2026-09-10T01:00:00.000000Z"
    assert done.json()["before"]["occurred_at"] == original["occurred_at"], "the original stays readable"
    assert integrity.check(db).ok, integrity.check(db).describe()

    # The source re-sending the original is told it is a duplicate, and changes nothing.
    again = desk.post("/api/v1/events", json=[event(1)])
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert decide(chief, asked["correction_no"]).status_code == 409, "decided once"
    assert integrity.check(db).ok


def test_a_voided_event_stays_readable_and_stops_counting(
    db: Database, desk: Desk, chief: TestClient
) -> None:
    two_steps(desk)
    asked = ask(desk.supervisor, event={"source_system": "SYS-A", "event_id": "E-2"}, action="void")
    also = ask(
        desk.department, event={"source_system": "SYS-A", "event_id": "E-2"}, changes={"post": "审核岗"}
    )
    assert decide(chief, asked["correction_no"]).json()["state"] == "approved"
    stale = decide(chief, also["correction_no"])
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "target_changed"
    case = desk.supervisor.get("/api/v1/cases/C-1").json()
    assert case["event_count"] == 1 and case["current_step"] == "accept"
    assert [(e["event_id"], e["voided"]) for e in case["events"]] == [("E-1", False), ("E-2", True)]
    assert integrity.check(db).ok, integrity.check(db).describe()
    gone = desk.supervisor.post(
        "/api/v1/corrections",
        json={"event": {"source_system": "SYS-A", "event_id": "E-2"}, "action": "void", "reason": "再次"},
    )
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "already_void"


def test_a_voided_case_leaves_the_watch_and_the_public_and_its_signals_are_withdrawn(
    db: Database, desk: Desk, chief: TestClient
) -> None:
    desk.post("/api/v1/events", json=[event(1), event(2, step="approve", post="批准岗")])
    registered = desk.post(
        "/api/v1/cases",
        json={
            "source_system": "SYS-A",
            "case_no": "C-1",
            "item_code": "SCJG-XK-001",
            "received_at": "2026-09-14T08:00:00+08:00",
            "applicant": {"name": "王小明", "id_number": "330902199001011234", "phone": "13812345678"},
        },
    ).json()
    check_code = registered["check_code"]
    progress = {"case_no": "C-1", "check_code": check_code}
    assert desk.public.get("/api/v1/public/progress", params=progress).status_code == 200
    open_signals = desk.supervisor.get("/api/v1/signals", params={"case_no": "C-1", "state": "open"}).json()
    assert open_signals["total"] >= 1

    asked = ask(desk.department, case_no="C-1", action="void", reason="测试数据误推送至生产系统")
    assert decide(chief, asked["correction_no"], approve=True).status_code == 200
    case = desk.supervisor.get("/api/v1/cases/C-1").json()
    assert case["status"] == "voided" and case["next_check_at"] is None
    assert desk.public.get("/api/v1/public/progress", params=progress).status_code == 404
    withdrawn = desk.supervisor.get("/api/v1/signals", params={"case_no": "C-1"}).json()["signals"]
    assert {s["state"] for s in withdrawn} == {"withdrawn"}
    more = desk.post("/api/v1/events", json=[event(3, step="complete", post="受理岗")])
    assert more.status_code == 422 and more.json()["error"]["problems"][0]["code"] == "case_voided"
    assert integrity.check(db).ok, integrity.check(db).describe()


def test_a_registration_is_corrected_masked_and_refusals_need_a_reason(
    db: Database, desk: Desk, chief: TestClient
) -> None:
    desk.post("/api/v1/events", json=[event(1)])
    desk.post(
        "/api/v1/cases",
        json={
            "source_system": "SYS-A",
            "case_no": "C-1",
            "item_code": "SCJG-XK-001",
            "received_at": "2026-09-14T08:00:00+08:00",
            "applicant": {"name": "王小名", "phone": "13812345678"},
        },
    )
    asked = ask(desk.department, case_no="C-1", changes={"applicant_name": "王小明"})
    assert asked["before"]["applicant_name"] != "王小名" and "王小明" not in str(asked), "masked"
    assert asked["before"]["check_code"] == "***"
    refused = decide(chief, asked["correction_no"], approve=False)
    assert refused.status_code == 422 and refused.json()["error"]["problems"][0]["field"] == "reason"
    no = decide(chief, asked["correction_no"], approve=False, reason="未附户籍证明")
    assert no.json()["state"] == "refused"
    with db.read() as conn:
        assert conn.execute(select(cases.c.applicant_name)).scalar_one() == "王小名"
    again = ask(desk.department, case_no="C-1", changes={"applicant_name": "王小明"})
    assert decide(chief, again["correction_no"]).json()["state"] == "approved"
    with db.read() as conn:
        assert conn.execute(select(cases.c.applicant_name)).scalar_one() == "王小明"
    assert integrity.check(db).ok, integrity.check(db).describe()
    kinds = [
        (e["what"], e["who"])
        for e in desk.supervisor.get("/api/v1/supervision/ledger", params={"kind": "correction"}).json()[
            "entries"
        ]
    ]
    assert kinds == [
        ("request", "科长乙 (official)"),
        ("refuse", "chief"),
        ("request", "科长乙 (official)"),
        ("approve", "chief"),
    ]


def test_catalogue_changes_to_existing_items_wait_for_approval_new_items_do_not(
    db: Database, desk: Desk, chief: TestClient
) -> None:
    from .conftest import licence_item

    new = licence_item("SCJG-XK-002", name="食品生产许可").model_dump(mode="json")
    r = desk.admin.post(
        "/api/v1/catalogue/changes",
        json=[
            {"kind": "add", "code": "SCJG-XK-002", "effective_from": "2026-10-01", "item": new},
            {"kind": "suspend", "code": "SCJG-XK-001", "effective_from": "2026-10-01", "reason": "暂停办理"},
        ],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == ["SCJG-XK-002"] and body["awaiting_approval"]["codes"] == ["SCJG-XK-001"]
    assert desk.public.get("/api/v1/catalogue/items/SCJG-XK-001").json()["status"] == "active"
    no = body["awaiting_approval"]["correction_no"]
    assert decide(chief, no).json()["state"] == "approved"
    item = desk.public.get("/api/v1/catalogue/items/SCJG-XK-001").json()
    assert item["status"] == "suspended" and no in item["versions"][-1]["reason"]
    assert item["versions"][-1]["changed_by"] == "管理员 (admin)"
    # Sending the catalogue as it stands changes nothing and asks nothing.
    same = desk.admin.post("/api/v1/catalogue/import", params={"format": "json"}, content=b"[]")
    assert same.status_code in (200, 422) and "awaiting_approval" not in same.text
    assert integrity.check(db).ok


def test_requests_are_scoped_and_checked_field_by_field(db: Database, desk: Desk) -> None:
    two_steps(desk)
    with (
        client_as(db, "post_user", department="330900-JTYS") as other,
        client_as(db, "administrator", username="admin2") as admin,
    ):
        r = other.post("/api/v1/corrections", json={"case_no": "C-1", "action": "void", "reason": "重复办件"})
        assert r.status_code == 404, "another department's case is not even told to exist"
        r = admin.post("/api/v1/corrections", json={"case_no": "C-1", "action": "void", "reason": "重复办件"})
        assert r.status_code == 403, "an administrator reads no case"
        assert other.get("/api/v1/corrections").json()["corrections"] == []
    bad = [
        ({"case_no": "C-1", "changes": {"status": "closed"}}, "changes"),
        ({"case_no": "C-1", "event": {"source_system": "SYS-A", "event_id": "E-1"}}, ""),
        (
            {"event": {"source_system": "SYS-A", "event_id": "E-1"}, "changes": {"occurred_at": "yesterday"}},
            "changes.occurred_at",
        ),
        ({"case_no": "C-1", "changes": {"applicant_phone": "1" * 40}}, "changes.applicant_phone"),
        ({"case_no": "C-1", "changes": {"title": ""}}, "changes"),
    ]
    for body, field in bad:
        r = desk.department.post("/api/v1/corrections", json={"reason": "更正", **body})
        assert r.status_code == 422, (body, r.text)
        error = r.json()["error"]
        assert error["message_zh"] and error["message_en"]
        assert any(p["field"].startswith(field) for p in error["problems"]), (body, error)


def test_verification_fails_when_a_correction_is_undone_or_invented(
    db: Database, desk: Desk, chief: TestClient
) -> None:
    two_steps(desk)
    asked = ask(
        desk.department,
        event={"source_system": "SYS-A", "event_id": "E-1"},
        changes={"actor": "李四"},
    )
    decide(chief, asked["correction_no"])
    assert integrity.check(db).ok
    drop_ledger_triggers(db)
    with db.write() as conn:  # quietly put the original back
        conn.execute(
            update(events).where(events.c.event_id == "E-1").values(actor="张三", correction_seq=None)
        )
    report = integrity.check(db)
    assert not report.ok and "undone" in report.describe()
    with db.write() as conn:
        conn.execute(update(events).where(events.c.event_id == "E-1").values(actor="李四"))
        conn.execute(
            text("UPDATE events SET correction_seq = (SELECT MAX(seq) FROM ledger WHERE kind = 'correction')")
        )
    report = integrity.check(db)
    assert not report.ok and "E-2" in report.describe(), "E-2 was never corrected"
    with db.write() as conn:
        conn.execute(
            update(events).where(events.c.event_id == "E-2").values(correction_seq=None, voided=True)
        )
    report = integrity.check(db)
    assert not report.ok and "voided without an approved correction" in report.describe()
