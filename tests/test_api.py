"""The JSON API: conventions (bilingual errors, never a 500 on bad input) and the ingestion path."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from jiancha.store.database import Database

from .conftest import Desk, client_as, event


@pytest.fixture
def client(db: Database) -> Iterator[Desk]:
    with Desk(db) as c:
        yield c


def test_openapi_is_served_at_api_docs(client: Desk) -> None:
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/events" in spec["paths"] and "/api/v1/cases" in spec["paths"]
    assert "EventIn" in spec["components"]["schemas"]


def test_push_events_then_read_the_case_with_due_dates_and_current_step(client: Desk) -> None:
    r = client.post(
        "/api/v1/events",
        json=[event(1), event(2, step="undertake", post="承办岗", at="2026-09-15T09:00:00+08:00")],
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    listing = client.get("/api/v1/cases").json()
    assert listing["total"] == 1
    c = listing["cases"][0]
    assert (c["current_step"], c["legal_due"], c["promised_due"]) == ("undertake", "2026-10-16", "2026-09-28")
    again = client.post("/api/v1/events", json=event(1)).json()
    assert again["duplicates"] == 1 and again["results"][0]["status"] == "duplicate"


def test_a_bad_batch_gets_every_problem_in_both_languages_and_nothing_is_written(client: Desk) -> None:
    r = client.post(
        "/api/v1/events", json=[event(1), {**event(2), "occurred_at": "31/02/2026"}, {"event_id": 3}]
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "events_rejected" and err["message_zh"] and err["message_en"]
    fields = {(p["index"], p["field"]) for p in err["problems"]}
    assert (1, "occurred_at") in fields and (2, "source_system") in fields and (2, "case_no") in fields
    assert all(p["message_zh"] and p["message_en"] for p in err["problems"])
    assert client.get("/api/v1/cases").json()["total"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b"42",
        b'"x"',
        b"[1,2]",
        "\ud800".encode("utf-8", "surrogatepass"),
        b'{"occurred_at": {"$gt": 1}}',
        b"[" + b"{}," * 10_000 + b"{}]",
    ],
)
def test_malformed_bodies_get_clear_errors_never_500(client: Desk, payload: bytes) -> None:
    r = client.post("/api/v1/events", content=payload, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["message_zh"]


def test_register_a_case_with_its_applicant_and_show_masked_personal_data(client: Desk) -> None:
    body = {
        "source_system": "SYS-A",
        "case_no": "C-9",
        "item_code": "SCJG-XK-001",
        "received_at": "2026-09-14T08:30:00+08:00",
        "title": "某某餐饮店食品经营许可",
        "applicant": {"name": "王小明", "id_number": "330902199001011234", "phone": "13812345678"},
    }
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201 and len(r.json()["check_code"]) == 6
    assert client.post("/api/v1/cases", json=body).json()["status"] == "duplicate"
    detail = client.get("/api/v1/cases/C-9").json()
    assert detail["applicant"] == {"name": "王**", "id_number": "330902********1234", "phone": "138****5678"}
    assert "330902199001011234" not in client.get("/api/v1/cases/C-9").text
    assert client.get("/api/v1/cases/NOPE").status_code == 404
    # Unmasked only to a supervisor who says why, and each such read is in the ledger.
    url = "/api/v1/cases/C-9/applicant"
    assert client.get(url).status_code == 422, "no reason, no read"
    assert client.department.get(url, params={"reason": "回访"}).status_code == 403
    shown = client.get(url, params={"reason": "电话回访申请人"}).json()
    assert shown == {"name": "王小明", "id_number": "330902199001011234", "phone": "13812345678"}
    audit = client.get("/api/v1/supervision/ledger", params={"kind": "personal_data"}).json()["entries"]
    assert [(e["ref"], e["who"], e["detail"]) for e in audit] == [
        ("case:C-9", "监察员甲 (supervisor)", "电话回访申请人")
    ]


def test_attachments_are_content_addressed(client: Desk) -> None:
    content = "处罚决定书".encode()
    digest = hashlib.sha256(content).hexdigest()
    r = client.post("/api/v1/attachments", content=content, headers={"x-filename": "decision.txt"})
    assert r.status_code == 201 and r.json()["sha256"] == digest
    assert client.post("/api/v1/attachments", content=content).json()["status"] == "duplicate"
    assert client.get(f"/api/v1/attachments/{digest}").content == content
    bad = client.post("/api/v1/attachments", content=content, headers={"x-sha256": "0" * 64})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "hash_mismatch"


def test_calendar_arithmetic_and_the_fallback_notice(client: Desk) -> None:
    r = client.get("/api/v1/calendar/arithmetic/add", params={"start": "2026-09-30", "days": 5}).json()
    assert r["result"] == "2026-10-13" and r["calendar_notice"] is None
    r = client.get("/api/v1/calendar/arithmetic/add", params={"start": "2026-12-30", "days": 3}).json()
    assert r["result"] == "2027-01-04" and r["calendar_notice"]["code"] == "calendar_fallback"
    assert client.get("/api/v1/calendar/2027").json()["covered"] is False
    put = client.put(
        "/api/v1/calendar/2027", json={"days": [{"date": "2027-01-01", "workday": False, "name": "元旦"}]}
    )
    assert put.status_code == 200, put.text
    r = client.get("/api/v1/calendar/arithmetic/add", params={"start": "2026-12-30", "days": 3}).json()
    assert r["result"] == "2027-01-05" and r["calendar_notice"] is None
    bad = client.put("/api/v1/calendar/2027", json={"days": [{"date": "2028-01-01", "workday": False}]})
    assert bad.status_code == 422


def test_ledger_verify_through_the_api(client: Desk) -> None:
    client.post("/api/v1/events", json=[event(1)])
    r = client.get("/api/v1/ledger/verify").json()
    assert r["ok"] is True and r["entries"] >= 3
    entries = client.get("/api/v1/ledger/entries", params={"after": 0, "limit": 2}).json()["entries"]
    assert entries[1]["prev_hash"] == entries[0]["entry_hash"]


def test_catalogue_is_readable_and_changes_are_versioned(db: Database, client: Desk) -> None:
    items = client.get("/api/v1/catalogue/items").json()
    assert {i["code"] for i in items["items"]} == {"SCJG-XK-001", "SCJG-CF-001"}
    r = client.post(
        "/api/v1/catalogue/changes",
        json={
            "kind": "suspend",
            "code": "SCJG-XK-001",
            "effective_from": "2026-10-01T00:00:00+08:00",
            "reason": "暂停办理",
            "changed_by": "admin",
        },
    )
    assert r.status_code == 200, r.text
    # Altering an existing entry waits for the top-level agency (R-AUD-2, tests/test_corrections.py).
    with client_as(db, "system_supervisor", username="chief", leader=True) as chief:
        no = r.json()["awaiting_approval"]["correction_no"]
        assert chief.post(f"/api/v1/corrections/{no}/decision", json={"approve": True}).status_code == 200
    item = client.get("/api/v1/catalogue/items/SCJG-XK-001").json()
    assert item["status"] == "suspended" and [v["change_kind"] for v in item["versions"]] == [
        "add",
        "suspend",
    ]
    bad = client.post(
        "/api/v1/catalogue/changes", json={"kind": "cancel", "code": "NOPE-9", "effective_from": "2026-10-01"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["field"] == "code"


HOSTILE = [
    ("post", "/api/v1/events", {**event(1), "actor": "张\u0000三"}),
    ("post", "/api/v1/events", {**event(1), "attributes": {"note": "a\u0000b"}}),
    ("post", "/api/v1/events", {**event(1), "occurred_at": "0001-01-01T00:00:00+14:00"}),
    ("post", "/api/v1/events", {**event(1), "occurred_at": "9999-12-31T23:59:00-12:00"}),
    ("post", "/api/v1/events", {**event(1), "action": "suspend", "attributes": {"reason": "r" * 100}}),
    ("post", "/api/v1/events", {**event(1), "action": "return", "attributes": {"to_step": 7}}),
    (
        "post",
        "/api/v1/cases",
        {
            "source_system": "S",
            "case_no": "C",
            "item_code": "SCJG-XK-001",
            "received_at": "0001-01-01T00:00:00+14:00",
        },
    ),
    ("get", "/api/v1/cases/C%00X", None),
    ("get", "/api/v1/cases?item=a%00b", None),
    ("get", "/api/v1/cases?offset=100000000000000000000", None),
    ("get", "/api/v1/ledger/entries?after=100000000000000000000", None),
    ("get", "/api/v1/catalogue/items/X/versions/99999999999999999999", None),
    ("get", "/api/v1/calendar/arithmetic/add?start=9999-12-01&days=3650", None),
    ("get", "/api/v1/calendar/arithmetic/count?start=0001-01-01&end=9999-12-31", None),
    (
        "put",
        "/api/v1/calendar/2027",
        {"days": [{"date": "2027-01-01", "workday": False}, {"date": "2027-01-01", "workday": False}]},
    ),
    (
        "put",
        "/api/v1/calendar/2027",
        {"days": [{"date": "2027-01-01", "workday": False, "name": "节" * 101}]},
    ),
    (
        "post",
        "/api/v1/catalogue/changes",
        {
            "kind": "merge",
            "code": "SCJG-XK-001",
            "merged_into": "SCJG-XK-001",
            "effective_from": "2026-10-01",
        },
    ),
    (
        "post",
        "/api/v1/catalogue/changes",
        {"kind": "suspend", "code": "SCJG-XK-001", "effective_from": "0001-01-01T00:00:00+14:00"},
    ),
]


@pytest.mark.parametrize(("method", "url", "body"), HOSTILE, ids=[f"{m} {u[:40]}" for m, u, _ in HOSTILE])
def test_hostile_input_gets_a_clear_4xx_in_both_languages(
    client: Desk, method: str, url: str, body: object
) -> None:
    r = client.request(method, url, json=body)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert err["message_zh"] and err["message_en"]


def test_a_nul_in_a_header_is_refused(client: Desk) -> None:
    r = client.post("/api/v1/attachments", content=b"x", headers={"x-filename": "a%00b"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "nul_character"


def test_numbers_in_attributes_read_back_exactly_as_the_ledger_recorded(client: Desk) -> None:
    odd = {
        "big": 1e16,
        "huge": 1e300,
        "negative_zero": -0.0,
        "fine": "1234.50",
        "int": 2**62,
        "beyond": 10**30,
    }
    r = client.post("/api/v1/events", json={**event(1), "attributes": odd})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/ledger/verify").json()["ok"] is True


def test_catalogue_import_and_export_through_the_api(client: Desk) -> None:
    exported = client.get("/api/v1/catalogue/export", params={"format": "xlsx"})
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    again = client.post("/api/v1/catalogue/import", params={"format": "xlsx"}, content=exported.content)
    assert again.status_code == 200 and sorted(again.json()["unchanged"]) == ["SCJG-CF-001", "SCJG-XK-001"]
    bad = client.post("/api/v1/catalogue/import", params={"format": "csv"}, content=b"table,code\nitems,X\n")
    assert bad.status_code == 422 and bad.json()["error"]["problems"]


def test_refusals_supplements_and_flagged_reviews_are_listed_to_verify(client: Desk) -> None:
    client.post(
        "/api/v1/events",
        json=[
            event(1),
            event(2, case_no="C-2"),
            event(3, case_no="C-3"),
            event(
                4,
                step="accept",
                action="reject",
                at="2026-09-14T10:00:00+08:00",
                attributes={"reason": "材料不全"},
            ),
            event(
                5, case_no="C-2", step="accept", action="request-supplement", at="2026-09-14T10:00:00+08:00"
            ),
            event(
                6,
                case_no="C-3",
                step="accept",
                action="accept",
                at="2026-09-14T11:00:00+08:00",
                attributes={"reconsideration": True},
            ),
        ],
    )
    body = client.get("/api/v1/to-verify").json()
    assert body["total"] == 3
    assert {tuple(i["kinds"]) for i in body["items"]} == {("refusal",), ("supplement",), ("reconsideration",)}
    only = client.get("/api/v1/to-verify", params={"kind": "reconsideration"}).json()
    assert [i["case_no"] for i in only["items"]] == ["C-3"]


def test_the_progress_query_shows_steps_and_dates_and_no_personal_data(client: Desk) -> None:
    body = {
        "source_system": "SYS-A",
        "case_no": "C-10",
        "item_code": "SCJG-XK-001",
        "received_at": "2026-09-14T08:30:00+08:00",
        "title": "王小明申请食品经营许可",
        "applicant": {"name": "王小明", "id_number": "330902199001011234", "phone": "13812345678"},
    }
    code = client.post("/api/v1/cases", json=body).json()["check_code"]
    accept = {
        "source_system": "SYS-A",
        "event_id": "P-1",
        "case_no": "C-10",
        "item_code": "SCJG-XK-001",
        "step": "accept",
        "action": "accept",
        "actor": "李受理",
        "post": "受理岗",
        "occurred_at": "2026-09-14T09:00:00+08:00",
    }
    assert client.post("/api/v1/events", json=[accept]).status_code == 200
    shown = client.get("/api/v1/public/progress", params={"case_no": "C-10", "check_code": code})
    assert shown.status_code == 200
    progress = shown.json()
    assert progress["steps"] == [{"step": "受理", "action": "accept", "at": "2026-09-14T09:00:00+08:00"}]
    assert progress["item_name"] == "食品经营许可" and progress["legal_due"]
    for personal in ("王小明", "330902", "13812345678", "李受理", body["title"]):
        assert personal not in shown.text
    wrong = client.get(
        "/api/v1/public/progress",
        params={"case_no": "C-10", "check_code": "000000" if code != "000000" else "111111"},
    )
    unknown = client.get("/api/v1/public/progress", params={"case_no": "NOPE", "check_code": code})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
