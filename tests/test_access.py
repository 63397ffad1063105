"""Access control (R-SEC-1): who may call what, and whose data they see.

The route tests are generated from the application's route table: a route added without declaring
who may call it, or without a case below, fails them — no route can escape.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jiancha.domain.access.roles import Capability
from jiancha.domain.corrections import CorrectionIn, EventKey
from jiancha.domain.errors import Rejected
from jiancha.domain.events import AttachmentRef
from jiancha.interfaces.api import create_app
from jiancha.interfaces.api.access import api_routes, declared
from jiancha.services import (
    access,
    accountability,
    attachments,
    complaints,
    corrections,
    evaluation,
    exports,
    ingest,
    monitors,
    notices,
    openness,
    procurement,
    signals,
    vehicles,
)
from jiancha.settings import AccessSettings
from jiancha.store.database import Database
from jiancha.store.tables import api_tokens, ledger, sessions, users

from .conftest import PASSWORD, client_as, ensure_organisation, event, system_client

APP = create_app(Database(f"sqlite:///{Path(tempfile.gettempdir()) / 'never-opened.sqlite3'}"))
ROUTES = api_routes(APP)


@pytest.fixture(autouse=True)
def streams_end_after_one_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """The big screen's stream (GET /api/v1/screen/stream) would never end for a client reading the
    whole answer: with no lifetime it sends one snapshot and ends, checked like any other answer."""
    monkeypatch.setenv("JIANCHA_SCREEN_LIFETIME", "0")


def test_every_route_declares_who_may_call_it() -> None:
    undeclared = [f"{m} {p}" for m, p, route in ROUTES if not declared(route)]
    assert not undeclared, f"routes with no access declared: {undeclared}"
    assert len(ROUTES) > 60


# -- the data of one department, and the callers who must not see it ----------------------------------

OWNER = "330900-SCJG"
INTEGRITY_EVENT = {
    "id": "E-OWNED",
    "department_code": OWNER,
    "official_id": "P-OWNED",
    "official_name": "钱七",
    "post": "科员",
    "kind": "report_substantiated",
    "occurred_on": "2026-09-10",
}


def owned(db: Database) -> dict[str, Any]:
    """A case of the department with a red signal, an explanation required of it (with a material),
    a complaint sent to it, an accountability record, a sample and a patrol."""
    ensure_organisation(db)
    letter, _ = attachments.store(db, "情况说明".encode(), filename="说明.pdf", uploaded_by="科长乙")
    evs = [event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00")]
    ingest.ingest_events(db, ingest.validate_events(evs))
    _, found = signals.list_signals(db, signals.SignalFilter(case_no="C-1", rule_id="PR-SKIPPED"))
    signal_id = int(found[0]["id"])
    notice = notices.issue(
        db,
        notices.NoticeIn(
            kind="explain", signal_id=signal_id, title="说明", requirement="请说明", issued_by="甲"
        ),  # type: ignore[arg-type]
    )
    notices.report(
        db, notice["notice_no"], "见附件", "科长乙", materials=[AttachmentRef(name="说明.pdf", sha256=letter)]
    )
    complaint = complaints.submit(
        db,
        complaints.parse(
            {
                "department_code": OWNER,
                "case_no": "C-1",
                "content": "超期未办",
                "complainant": {"name": "王小明", "phone": "13812345678"},
            }
        ),
    )
    complaints.decide(db, complaint["complaint_no"], True, "受理", "甲")
    record = accountability.record(
        db,
        accountability.parse(
            {
                "department_code": OWNER,
                "signal_id": signal_id,
                "fault": True,
                "finding": "跳过审查",
                "measures": ["order_correction"],
                "decided_by": "甲",
            }
        ),
    )
    # The department's own export request, waiting for its leader.
    client_as(db, "post_user", department=OWNER, username="owner.official").close()
    asker = access.sign_in(db, "owner.official", PASSWORD).caller
    export = exports.request(db, exports.ExportIn(what="cases", reason="自查"), asker)
    # And its request to correct one of the case's events, waiting for the top-level agency.
    fix = corrections.request(
        db,
        CorrectionIn(
            event=EventKey(source_system="SYS-A", event_id="E-1"),
            changes={"actor": "王五"},
            reason="录入错误",
        ),
        asker,
    )
    # September's scores of the city, published by its leader.
    client_as(db, "system_supervisor", region="330900", username="owner.chief", leader=True).close()
    chief = access.sign_in(db, "owner.chief", PASSWORD).caller
    evaluation.publish(db, "330900", "2026-09", chief)
    # What the department published on its portal (R-OPEN-3).
    published = openness.receive(
        db,
        openness.parse_list(
            {
                "department_code": OWNER,
                "captured_at": "2026-09-15T10:00:00+08:00",
                "entries": [
                    {"code": "SCJG-XK-001", "name": "食品经营许可"},
                    {"code": "SCJG-CF-001", "name": "对未取得食品经营许可从事食品经营活动的行政处罚"},
                ],
            }
        ),
        "test",
    )
    # A contracting process the department bought (R-MON-2), with its single bid flagged.
    procurement.receive(
        db,
        [
            {
                "ocid": "ocds-owned",
                "buyer": {"id": OWNER},
                "tender": {"procurementMethod": "open", "numberOfTenderers": 1},
            }
        ],
        "test",
    )
    # An official vehicle of the department (R-MON-3), with a trip at night on a working day.
    vehicles.register(
        db, vehicles.parse_vehicles({"vehicle_id": "V-OWNED", "department_code": OWNER}), "test", None
    )
    vehicles.receive_fixes(
        db,
        vehicles.read_fixes(
            orjson.dumps(
                [
                    {
                        "vehicle_id": "V-OWNED",
                        "at": f"2026-09-15T22:{m:02d}:00+08:00",
                        "lat": 30.1 + m / 1000,
                        "lon": 120.1,
                    }
                    for m in range(10)
                ]
            ),
            False,
        ),
        "test",
        None,
    )
    # An integrity event of one of the department's officials (R-MON-9), read by list, id and index.
    monitors.receive(
        db,
        "integrity_risk",
        "integrity_event",
        monitors.parse("integrity_risk", "integrity_event", [INTEGRITY_EVENT]),
        "test",
        None,
    )
    return {
        "vehicle_id": "V-OWNED",
        "ocid": "ocds-owned",
        "list_no": published["list_no"],
        "export_no": export["export_no"],
        "correction_no": fix["correction_no"],
        "case_no": "C-1",
        "signal_id": signal_id,
        "notice_no": notice["notice_no"],
        "complaint_no": complaint["complaint_no"],
        "record_no": record["record_no"],
        "sha256": letter,
    }


def path_for(path: str, data: dict[str, Any]) -> str:
    values = {
        **data,
        "code": "SCJG-XK-001",
        "version": 1,
        "name": "default",
        "year": 2026,
        "subscription_id": 1,
        "token_id": 1,
        "username": "official",
        "export_no": data.get("export_no", "DC-2026-000001"),
        "correction_no": data.get("correction_no", "GZ-2026-000001"),
        "sample_no": data.get("sample_no", "CC-2026-000001"),
        "list_no": data.get("list_no", "GK-2026-000001"),
        "department": OWNER,
        "vehicle_id": data.get("vehicle_id", "V-OWNED"),
        "monitor": "integrity_risk",
        "kind": "integrity_event",
        "record_id": "E-OWNED",
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


# A body for each route that takes one, aimed at the owner's data: the route table decides which
# routes there are; a new one without its body here fails the test.
def bodies(data: dict[str, Any]) -> dict[tuple[str, str], Any]:
    ev = event(9, at="2026-09-16T09:00:00+08:00")
    return {
        ("POST", "/api/v1/events"): [ev],
        ("POST", "/api/v1/cases"): {
            "source_system": "SYS-A",
            "case_no": "C-2",
            "item_code": "SCJG-XK-001",
            "received_at": "2026-09-16T09:00:00+08:00",
        },
        ("POST", "/api/v1/attachments"): b"evidence",
        ("POST", "/api/v1/catalogue/changes"): [],
        ("POST", "/api/v1/catalogue/import"): b"[]",
        ("POST", "/api/v1/organisation"): {"regions": [], "departments": []},
        ("PUT", "/api/v1/calendar/{year}"): {"days": []},
        ("POST", "/api/v1/signals/{signal_id}/moves"): {"to": "withdrawn", "reason": "无"},
        ("POST", "/api/v1/notices"): {
            "kind": "explain",
            "signal_id": data["signal_id"],
            "title": "t",
            "requirement": "r",
        },
        ("POST", "/api/v1/notices/{notice_no}/extension"): {"days": 3, "reason": "r"},
        ("POST", "/api/v1/notices/{notice_no}/extension/decision"): {"approve": True},
        ("POST", "/api/v1/notices/{notice_no}/report"): {"report": "r"},
        ("POST", "/api/v1/notices/{notice_no}/review"): {"approve": False, "reason": "r"},
        ("POST", "/api/v1/accountability"): {"department_code": OWNER, "fault": False, "finding": "无"},
        ("POST", "/api/v1/complaints"): {"department_code": OWNER, "content": "c", "anonymous": True},
        ("POST", "/api/v1/complaints/{complaint_no}/decision"): {"accept": False, "reason": "r"},
        ("POST", "/api/v1/complaints/{complaint_no}/result"): {"result": "r"},
        ("POST", "/api/v1/public/ratings"): {"case_no": "C-1", "check_code": "x", "score": 5},
        ("POST", "/api/v1/revisits"): {"case_no": "C-1", "channel": "phone", "score": 1},
        ("POST", "/api/v1/samples"): {"seed": 1, "size": 5, "filter": {"department_code": OWNER}},
        ("POST", "/api/v1/samples/{sample_no}/findings"): {
            "case_no": "C-1",
            "compliant": False,
            "finding": "f",
        },
        ("POST", "/api/v1/patrols"): {"agency_region": "330900", "target_region": "330900", "kind": "data"},
        ("POST", "/api/v1/notifications/subscriptions"): {
            "audience": "role",
            "name": "x",
            "channel": "file",
            "address": "x",
            "department_code": OWNER,
        },
        ("DELETE", "/api/v1/notifications/subscriptions/{subscription_id}"): None,
        ("POST", "/api/v1/auth/login"): {"username": "official", "password": "wrong password"},
        ("POST", "/api/v1/auth/logout"): None,
        ("POST", "/api/v1/users"): {
            "username": "x1",
            "display_name": "x",
            "role": "post_user",
            "department_code": OWNER,
            "password": PASSWORD,
        },
        ("POST", "/api/v1/users/{username}/active"): {"active": False},
        ("POST", "/api/v1/tokens"): {"name": "x", "department_code": OWNER},
        ("DELETE", "/api/v1/tokens/{token_id}"): None,
        ("POST", "/api/v1/exports"): {"what": "cases", "params": {"department": OWNER}, "reason": "r"},
        ("POST", "/api/v1/exports/{export_no}/decision"): {"approve": True},
        ("POST", "/api/v1/corrections"): {"case_no": "C-1", "action": "void", "reason": "重复办件"},
        ("POST", "/api/v1/corrections/{correction_no}/decision"): {"approve": True},
        ("POST", "/api/v1/complaints/{complaint_no}/verdict"): {"upheld": True, "reason": "属实"},
        ("POST", "/api/v1/evaluation/publish"): {"region": "330900", "month": "2026-09"},
        ("POST", "/api/v1/evaluation/adjustments"): {
            "region": "330900",
            "month": "2026-09",
            "department_code": OWNER,
            "points": "1",
            "reason": "调整",
        },
        ("POST", "/api/v1/procurement/releases"): [
            {"ocid": "ocds-access-1", "buyer": {"id": OWNER}, "tender": {"numberOfTenderers": 1}}
        ],
        ("POST", "/api/v1/vehicles"): {"vehicle_id": "V-ACCESS", "department_code": OWNER},
        ("POST", "/api/v1/monitors/{monitor}/{kind}"): {**INTEGRITY_EVENT, "id": "E-ACCESS"},
        ("PUT", "/api/v1/vehicles/geofences/{department}"): {"type": "FeatureCollection", "features": []},
        ("POST", "/api/v1/vehicles/fixes"): [
            {"vehicle_id": "V-OWNED", "at": "2026-09-16T22:00:00+08:00", "lat": 30.1, "lon": 120.1}
        ],
        ("POST", "/api/v1/disclosures"): {
            "department_code": OWNER,
            "captured_at": "2026-09-16T10:00:00+08:00",
            "entries": [{"code": "SCJG-XK-001", "name": "食品经营许可"}],
        },
    }


QUERIES = {
    "/api/v1/public/progress": {"case_no": "C-1", "check_code": "x"},
    "/api/v1/calendar/arithmetic/add": {"start": "2026-09-01", "days": 1},
    "/api/v1/calendar/arithmetic/count": {"start": "2026-09-01", "end": "2026-09-30"},
    "/api/v1/patrols/shortfalls": {"from": "2026-09-01", "to": "2026-09-30"},
    "/api/v1/packs/{name}/backtest": {"from": "2026-09-01", "to": "2026-09-30"},
    "/api/v1/catalogue/import": {"format": "json"},
    "/api/v1/evaluation/scores": {"month": "2026-09"},
    "/api/v1/evaluation/points": {"month": "2026-09", "department": OWNER},
    "/api/v1/evaluation/published": {"month": "2026-09", "region": "330900"},
    "/api/v1/public/evaluation": {"month": "2026-09", "region": "330900"},
    "/api/v1/statistics": {"month": "2026-09"},
    "/api/v1/reports/monthly": {"agency": "330900", "month": "2026-09", "format": "pdf"},
    "/api/v1/vehicles/mileage": {"month": "2026-09"},
}


def call(client: TestClient, method: str, path: str, data: dict[str, Any]) -> Any:
    body = bodies(data).get((method, path))
    kwargs: dict[str, Any] = {"params": QUERIES.get(path, {})}
    if isinstance(body, bytes):
        kwargs["content"] = body
        kwargs["headers"] = {
            "content-type": "application/octet-stream" if "attach" in path else "application/json"
        }
    elif body is not None:
        kwargs["json"] = body
    return client.request(method, path_for(path, data), **kwargs)


def head(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(ledger.c.seq), 0))).scalar_one())


def test_every_write_route_has_its_case_here() -> None:
    writes = {(m, p) for m, p, _ in ROUTES if m != "GET"}
    missing = writes - set(bodies({"signal_id": 1}))
    assert not missing, f"add a body for {sorted(missing)}"


@pytest.mark.parametrize(
    "who",
    ["sibling region supervisor", "other department official", "other department system"],
)
def test_no_route_shows_or_changes_another_scope_s_data(db: Database, who: str) -> None:
    data = owned(db)
    outsider = {
        "sibling region supervisor": lambda: client_as(db, "e_supervisor", region="330800"),
        "other department official": lambda: client_as(db, "post_user", department="330900-JTYS"),
        "other department system": lambda: system_client(db, "330800-SCJG"),
    }[who]()
    secrets = [
        data["case_no"],
        data["notice_no"],
        data["complaint_no"],
        data["record_no"],
        data["correction_no"],
        data["list_no"],
        data["sha256"],
        data["vehicle_id"],
        INTEGRITY_EVENT["official_name"],
        OWNER,
        "超期未办",
        "王小明",
    ]
    with outsider:
        for method, path, route in ROUTES:
            if Capability.public in declared(route) or path.endswith("/auth/logout"):
                continue  # open to all by design; signing out ends only one's own session
            before = head(db)
            r = call(outsider, method, path, data)
            where = f"{who}: {method} {path} -> {r.status_code}"
            assert r.status_code < 500, where
            if r.status_code >= 400:
                assert r.status_code in (403, 404, 409, 422), where
                assert head(db) == before, f"{where} wrote to the ledger"
                continue
            text = r.text
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{where} shows {leaked}"


def test_a_department_official_sees_only_its_department_by_id_list_count_and_export(db: Database) -> None:
    data = owned(db)
    with (
        client_as(db, "post_user", department=OWNER) as own,
        client_as(db, "post_user", department="330900-JTYS") as other,
    ):
        assert own.get("/api/v1/cases/C-1").status_code == 200
        assert other.get("/api/v1/cases/C-1").status_code == 404
        assert own.get("/api/v1/cases").json()["total"] == 1
        assert other.get("/api/v1/cases").json()["total"] == 0
        own_counts = own.get("/api/v1/signals").json()["counts"]
        assert sum(own_counts.values()) >= 1 and other.get("/api/v1/signals").json()["counts"] == {}
        assert other.get(f"/api/v1/signals/{data['signal_id']}").status_code == 404
        assert other.get(f"/api/v1/attachments/{data['sha256']}").status_code == 404
        assert own.get(f"/api/v1/attachments/{data['sha256']}").content == "情况说明".encode()
        # The exports of supervised data are the top level's (they do not yet carry departments).
        assert own.get("/api/v1/supervision/ledger", params={"format": "csv"}).status_code == 403
        # A complaint reaches the department once accepted; a department cannot withdraw a signal.
        assert own.get(f"/api/v1/complaints/{data['complaint_no']}").status_code == 200
        withdraw = own.post(
            f"/api/v1/signals/{data['signal_id']}/moves", json={"to": "withdrawn", "reason": "r"}
        )
        assert withdraw.status_code == 403


def test_a_city_agency_sees_its_region_and_below_and_the_top_sees_all(db: Database) -> None:
    owned(db)
    with (
        client_as(db, "e_supervisor", region="330900") as city,
        client_as(db, "e_supervisor", region="330000", username="province") as province,
        client_as(db, "e_supervisor", region="330800") as sibling,
    ):
        assert city.get("/api/v1/cases").json()["total"] == 1
        assert province.get("/api/v1/cases").json()["total"] == 1
        assert sibling.get("/api/v1/cases").json()["total"] == 0
        me = city.get("/api/v1/auth/me").json()
        assert me["scope"] == ["330900-JTYS", "330900-SCJG"]


# -- signing in -------------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_and_the_right_one_then_waits(db: Database) -> None:
    client_as(db, "e_supervisor", region="330900", username="zhang").close()
    t0 = datetime(2026, 11, 23, 2, tzinfo=UTC)
    settings = AccessSettings(lockout_failures=3, lockout_minutes=15)
    for _ in range(3):
        with pytest.raises(Rejected) as wrong:
            access.sign_in(db, "zhang", "not the password", now=t0, settings=settings)
        assert wrong.value.status == 401
    with pytest.raises(Rejected) as locked:
        access.sign_in(db, "zhang", PASSWORD, now=t0 + timedelta(minutes=5), settings=settings)
    assert locked.value.status == 403 and locked.value.code == "account_locked"
    assert access.sign_in(db, "zhang", PASSWORD, now=t0 + timedelta(minutes=16), settings=settings).token
    with pytest.raises(Rejected) as unknown:
        access.sign_in(db, "nobody", PASSWORD, now=t0, settings=settings)
    assert unknown.value.message_en == wrong.value.message_en, (
        "an unknown name is refused like a wrong password"
    )
    with db.read() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.username == "zhang")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_session_needs_its_csrf_token_to_act_and_ends_on_sign_out(db: Database) -> None:
    data = owned(db)
    client = client_as(db, "e_supervisor", region="330900")
    move = {"to": "withdrawn", "reason": "数据报送错误"}
    csrf = client.headers.pop("X-CSRF-Token")
    refused = client.post(f"/api/v1/signals/{data['signal_id']}/moves", json=move)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    assert client.get("/api/v1/cases").status_code == 200, "reading needs no CSRF token"
    client.headers["X-CSRF-Token"] = csrf
    assert client.post(f"/api/v1/signals/{data['signal_id']}/moves", json=move).status_code == 200

    def open_sessions() -> int:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(sessions)).scalar_one())

    before = open_sessions()
    assert client.post("/api/v1/auth/logout").status_code == 200
    assert client.get("/api/v1/cases").status_code == 401
    assert open_sessions() == before - 1


def test_the_session_cookie_is_http_only_secure_and_strict(db: Database) -> None:
    client_as(db, "e_supervisor", region="330900", username="li").close()
    with TestClient(create_app(db), base_url="https://testserver") as c:
        r = c.post("/api/v1/auth/login", json={"username": "li", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_a_system_token_is_for_ingesting_its_own_department_only(db: Database) -> None:
    ensure_organisation(db)
    issued = access.issue_token(db, "审批系统", OWNER, by="admin")
    with db.read() as conn:
        assert conn.execute(select(api_tokens.c.token_hash)).scalar_one() != issued["token"]
    auth = {"Authorization": f"Bearer {issued['token']}"}
    with TestClient(create_app(db), base_url="https://testserver", headers=auth) as system:
        assert system.post("/api/v1/events", json=[event(1)]).status_code == 200
        assert system.get("/api/v1/cases").status_code == 403, "a system reads nothing"
        other = system.post("/api/v1/events", json=[event(7, case_no="X-1", item_code="JTYS-XK-001")])
        assert other.status_code == 422  # an item the catalogue does not hold
    with system_client(db, "330900-JTYS") as stranger:
        refused = stranger.post("/api/v1/events", json=[event(5, case_no="C-1")])
        assert refused.status_code == 403
        assert refused.json()["error"]["problems"][0]["code"] == "out_of_scope"
    access.revoke_token(db, int(issued["id"]), by="admin")
    with TestClient(create_app(db), base_url="https://testserver", headers=auth) as revoked:
        assert revoked.post("/api/v1/events", json=[event(2)]).status_code == 401


def test_an_administrator_manages_but_reads_no_case_unless_granted(db: Database) -> None:
    owned(db)
    with (
        client_as(db, "administrator", username="admin") as admin,
        client_as(db, "administrator", username="auditor", reads_cases=True) as granted,
    ):
        assert admin.get("/api/v1/cases").status_code == 403
        assert granted.get("/api/v1/cases").json()["total"] == 1
        made = admin.post(
            "/api/v1/users",
            json={
                "username": "wang",
                "display_name": "王五",
                "role": "post_user",
                "department_code": OWNER,
                "password": PASSWORD,
            },
        )
        assert made.status_code == 201 and made.json()["capabilities"] == ["answer", "read"]
        bad = admin.post(
            "/api/v1/users",
            json={"username": "x", "display_name": "x", "role": "post_user", "password": "short"},
        )
        assert bad.status_code == 422
        report = admin.get("/api/v1/users", params={"format": "csv"})
        assert report.status_code == 200 and "wang" in report.text and "post_user" in report.text
        # Disabling a user ends their sessions at once.
        wang = TestClient(create_app(db), base_url="https://testserver")
        assert (
            wang.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD}).status_code
            == 200
        )
        assert wang.get("/api/v1/cases").status_code == 200
        assert admin.post("/api/v1/users/wang/active", json={"active": False}).status_code == 200
        assert wang.get("/api/v1/cases").status_code == 401
    with db.read() as conn:
        kinds = list(conn.execute(select(ledger.c.ref).where(ledger.c.kind == "access")).scalars())
    assert "user:wang" in kinds, "who was given access is in the ledger"


def test_without_signing_in_only_the_public_routes_answer(db: Database) -> None:
    data = owned(db)
    with TestClient(create_app(db), base_url="https://testserver") as anyone:
        for method, path, route in ROUTES:
            if Capability.public in declared(route):
                continue
            r = call(anyone, method, path, data)
            assert r.status_code == 401, f"{method} {path} -> {r.status_code}"
            assert r.json()["error"]["message_zh"] and r.json()["error"]["message_en"]
        assert (
            anyone.get("/api/v1/public/progress", params={"case_no": "C-1", "check_code": "x"}).status_code
            == 404
        )
        assert anyone.get("/api/v1/catalogue/items").status_code == 200
