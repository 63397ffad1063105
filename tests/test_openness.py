"""Openness (政务公开, R-OPEN-1..3): the public power list, published results and the hall screens
show what the public may know and nothing personal; the pre-disclosure checks compare the catalogue
with what each department published and raise their signals exactly when the rules say."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jiancha.domain.catalogue import CatalogueChange, ChangeKind, PowerItem, content_sha256
from jiancha.domain.errors import Rejected
from jiancha.domain.public.openness import PublishedList
from jiancha.domain.timeutil import LOCAL, end_of_local_day, iso_local, local_date, start_of_local_day
from jiancha.interfaces.api import create_app
from jiancha.services import calendar as calendar_service
from jiancha.services import catalogue, clock, integrity, openness, signals
from jiancha.store.database import Database
from jiancha.store.tables import ledger

from .conftest import (
    Desk,
    add_items,
    client_as,
    ensure_organisation,
    event,
    licence_item,
    penalty_item,
    system_client,
)

OWNER = "330900-SCJG"


def local(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00+08:00").astimezone(UTC)


def entry(item: PowerItem, how: str = "content", **extra: Any) -> dict[str, Any]:
    """An item as a portal publishes it: its whole content, its hash, or only its name."""
    out: dict[str, Any] = {"code": item.code, "name": item.name}
    content = item.model_dump(mode="json")
    if how == "content":
        out["content"] = content
    elif how == "hash":
        out["content_sha256"] = content_sha256(content)
    return {**out, **extra}


def publish(
    db: Database,
    captured: datetime,
    *entries: dict[str, Any],
    department: str = OWNER,
    now: datetime | None = None,
) -> dict[str, Any]:
    raw = {"department_code": department, "captured_at": captured.isoformat(), "entries": list(entries)}
    return openness.receive(
        db, openness.parse_list(raw), "测试系统", now=now or captured + timedelta(minutes=1)
    )


def raised(db: Database, rule: str) -> list[dict[str, Any]]:
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id=rule), limit=1000)
    return rows


def working_day(db: Database, start: date, days: int) -> date:
    return calendar_service.current(db).add_working_days(start, days)


# -- R-OPEN-1: the public power list ------------------------------------------------------------------


@pytest.fixture
def public_catalogue(db: Database) -> Database:
    """The sample items, one at each of two more departments, and items the public must not see:
    one not meant to be public, one cancelled, one suspended, one not yet in force."""
    ensure_organisation(db)
    add_items(
        db,
        licence_item("JTYS-XK-001", name="道路运输经营许可", department_code="330900-JTYS"),
        licence_item("LS-XK-001", name="食品经营许可", department_code="330800-SCJG"),
        licence_item("SCJG-XK-NP", name="内部核查审批", public=False),
        licence_item("SCJG-XK-OLD", name="已取消的许可"),
        licence_item("SCJG-XK-SUS", name="暂停的许可"),
    )
    past = datetime(2025, 1, 1, tzinfo=UTC)
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(kind=ChangeKind.cancel, code="SCJG-XK-OLD", effective_from=past),
            CatalogueChange(kind=ChangeKind.suspend, code="SCJG-XK-SUS", effective_from=past),
            CatalogueChange(
                kind=ChangeKind.add,
                code="SCJG-XK-NEW",
                effective_from=datetime(2030, 1, 1, tzinfo=UTC),
                item=licence_item("SCJG-XK-NEW", name="将来的许可"),
            ),
            # A change announced for 2030: the list shows the version in force now.
            CatalogueChange(
                kind=ChangeKind.change,
                code="SCJG-XK-001",
                effective_from=datetime(2030, 1, 1, tzinfo=UTC),
                item=licence_item(conditions="二〇三〇年起的新条件"),
            ),
        ],
    )
    return db


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [i["code"] for i in response.json()["items"]]


def test_the_public_list_is_searched_by_name_code_department_and_type(public_catalogue: Database) -> None:
    with TestClient(create_app(public_catalogue), base_url="https://testserver") as anyone:
        everything = anyone.get("/api/v1/public/items")
        assert codes(everything) == ["LS-XK-001", "JTYS-XK-001", "SCJG-CF-001", "SCJG-XK-001"]
        assert everything.json()["total"] == 4
        assert codes(anyone.get("/api/v1/public/items", params={"q": "食品经营"})) == [
            "LS-XK-001",
            "SCJG-CF-001",  # 对未取得食品经营许可从事食品经营活动的行政处罚
            "SCJG-XK-001",
        ]
        assert codes(anyone.get("/api/v1/public/items", params={"q": "道路"})) == ["JTYS-XK-001"]
        assert codes(anyone.get("/api/v1/public/items", params={"q": "cf-0"})) == ["SCJG-CF-001"]
        assert codes(anyone.get("/api/v1/public/items", params={"q": "100%_"})) == []
        assert codes(anyone.get("/api/v1/public/items", params={"code": "JTYS-XK-001"})) == ["JTYS-XK-001"]
        assert codes(anyone.get("/api/v1/public/items", params={"department": OWNER})) == [
            "SCJG-CF-001",
            "SCJG-XK-001",
        ]
        assert codes(anyone.get("/api/v1/public/items", params={"type": "penalty"})) == ["SCJG-CF-001"]
        assert codes(anyone.get("/api/v1/public/items", params={"type": "行政许可", "region": "330800"})) == [
            "LS-XK-001"
        ]
        assert len(codes(anyone.get("/api/v1/public/items", params={"region": "330000"}))) == 4
        page = anyone.get("/api/v1/public/items", params={"limit": 2, "offset": 1}).json()
        assert page["total"] == 4 and [i["code"] for i in page["items"]] == ["JTYS-XK-001", "SCJG-CF-001"]
        bad = anyone.get("/api/v1/public/items", params={"type": "许可证"})
        assert bad.status_code == 422
        (problem,) = bad.json()["error"]["problems"]
        assert problem["field"] == "type" and problem["message_zh"] and problem["message_en"]


def test_the_public_list_holds_only_items_in_force_and_public(public_catalogue: Database) -> None:
    with TestClient(create_app(public_catalogue), base_url="https://testserver") as anyone:
        shown = codes(anyone.get("/api/v1/public/items", params={"limit": 100}))
        for hidden in ("SCJG-XK-NP", "SCJG-XK-OLD", "SCJG-XK-SUS", "SCJG-XK-NEW"):
            assert hidden not in shown
            assert anyone.get(f"/api/v1/public/items/{hidden}").status_code == 404
        item = anyone.get("/api/v1/public/items/SCJG-XK-001").json()
    # Everything R-CAT-1 lists, from the version in force now (not the one announced for 2030).
    assert item["version"] == 1 and item["conditions"] == "有与经营的食品品种、数量相适应的经营场所"
    assert (
        item["name"] == "食品经营许可"
        and item["item_type"] == "licence"
        and item["item_type_zh"] == "行政许可"
    )
    assert item["department"] == "示范市市场监督管理局" and item["region"] == "示范市"
    assert item["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert item["materials"] == ["申请书", "营业执照", "场所平面图"] and item["fees"] == []
    assert (item["legal_limit_days"], item["promised_limit_days"], item["limit_unit"]) == (20, 10, "working")
    assert [s["name"] for s in item["process"]["steps"]] == ["受理", "承办", "审核", "批准", "办结"]
    assert item["posts"] == ["受理岗", "承办岗", "审核岗", "批准岗"]
    assert item["content_sha256"] == content_sha256(licence_item().model_dump(mode="json"))
    assert "changed_by" not in item and "public" not in item


# -- R-OPEN-2: results, the hall screens, the progress query: nothing personal --------------------------

APPLICANT = {"name": "李四福", "id_number": "330102199001011234", "phone": "13912345678"}
TITLE = "李四福申请食品经营许可"


def _today_times(n: int) -> list[str]:
    """n instants of today (local), in order, none in the future."""
    now = datetime.now(UTC)
    start = max(start_of_local_day(local_date(now)), now - timedelta(hours=2))
    step = (now - start) / (n + 1)
    return [(start + step * (k + 1)).astimezone(LOCAL).isoformat() for k in range(n)]


def test_no_public_route_shows_personal_data_or_officials(db: Database) -> None:
    ensure_organisation(db)
    at = _today_times(6)
    decision = (
        f"准予{APPLICANT['name']}（身份证 {APPLICANT['id_number']}，电话 {APPLICANT['phone']}）食品经营许可"
    )
    with Desk(db) as desk:
        registered = desk.post(
            "/api/v1/cases",
            json={
                "source_system": "SYS-A",
                "case_no": "SCJG-2026-000123",
                "item_code": "SCJG-XK-001",
                "received_at": at[0],
                "applicant": APPLICANT,
                "title": TITLE,
            },
        )
        assert registered.status_code == 201, registered.text
        steps = [
            event(1, case_no="SCJG-2026-000123", at=at[0], actor="受理员王五"),
            event(
                2, case_no="SCJG-2026-000123", step="undertake", post="承办岗", at=at[1], actor="承办员赵六"
            ),
            event(3, case_no="SCJG-2026-000123", step="review", post="审核岗", at=at[2], actor="审核员钱七"),
            event(
                4,
                case_no="SCJG-2026-000123",
                step="approve",
                post="批准岗",
                at=at[3],
                actor="局长孙八",
                attributes={"decision": decision, "legal_basis": "《中华人民共和国食品安全法》第三十五条"},
            ),
            event(5, case_no="SCJG-2026-000123", step="complete", at=at[4], actor="受理员王五"),
            event(
                6, case_no="SCJG-2026-000123", step="approve", action="publish", at=at[5], actor="受理员王五"
            ),
        ]
        assert desk.post("/api/v1/events", json=steps).status_code == 200
        anyone = desk.public
        answers = {
            "items": anyone.get("/api/v1/public/items"),
            "item": anyone.get("/api/v1/public/items/SCJG-XK-001"),
            "results": anyone.get("/api/v1/public/results"),
            "hall": anyone.get("/api/v1/public/hall"),
            "progress": anyone.get(
                "/api/v1/public/progress",
                params={"case_no": "SCJG-2026-000123", "check_code": registered.json()["check_code"]},
            ),
        }
    for name, r in answers.items():
        assert r.status_code == 200, (name, r.text)
        for secret in (*APPLICANT.values(), TITLE, "王五", "赵六", "钱七", "孙八"):
            assert secret not in r.text, f"{name} shows {secret}"
    (result,) = answers["results"].json()["results"]
    assert result["case_no"] == "SCJG-2026-000123" and result["status"] == "completed"
    assert result["department"] == "示范市市场监督管理局" and result["item_name"] == "食品经营许可"
    assert result["result"]["action"] == "approve" and result["result"]["legal_basis"].endswith("第三十五条")
    assert result["result"]["decision"].startswith("准予李**（身份证 330102********1234，电话 139****5678）")
    hall = answers["hall"].json()
    assert hall["received"] == 1 and hall["completed"] == 1
    assert hall["departments"] == [
        {"department_code": OWNER, "department": "示范市市场监督管理局", "received": 1, "completed": 1}
    ]
    assert [s["step"] for s in hall["latest"]] == ["批准", "办结", "批准", "审核", "承办", "受理"]
    assert {s["case"] for s in hall["latest"]} == {"…000123"}
    assert hall["latest"][0]["action_zh"] == "结果公开"


def _published_case(
    desk: Desk, n: int, case_no: str, decided: str, published: str, item: str = "SCJG-XK-001"
) -> None:
    evs = [
        event(10 * n + 1, case_no=case_no, item_code=item, at=f"{decided}T09:00:00+08:00"),
        event(
            10 * n + 2,
            case_no=case_no,
            item_code=item,
            step="approve",
            post="批准岗",
            at=f"{decided}T10:00:00+08:00",
            attributes={"decision": "准予许可", "legal_basis": "依据"},
        ),
        event(10 * n + 3, case_no=case_no, item_code=item, step="complete", at=f"{decided}T11:00:00+08:00"),
        event(
            10 * n + 4,
            case_no=case_no,
            item_code=item,
            step="approve",
            action="publish",
            at=f"{published}T09:00:00+08:00",
        ),
    ]
    r = desk.post("/api/v1/events", json=evs)
    assert r.status_code == 200, r.text


def test_published_results_are_filtered_paged_and_leave_out_voided_and_unpublished_cases(
    db: Database,
) -> None:
    ensure_organisation(db)
    add_items(db, licence_item("SCJG-XK-NP", name="内部核查审批", public=False))
    with (
        Desk(db) as desk,
        client_as(db, "system_supervisor", region="330000", username="chief", leader=True) as chief,
    ):
        _published_case(desk, 1, "R-1", "2026-09-01", "2026-09-02")
        _published_case(desk, 2, "R-2", "2026-09-07", "2026-09-08")
        _published_case(desk, 3, "R-3", "2026-09-14", "2026-09-15")
        _published_case(desk, 4, "R-NP", "2026-09-14", "2026-09-15", item="SCJG-XK-NP")
        assert (
            desk.post(
                "/api/v1/events", json=[event(50, case_no="R-OPEN", at="2026-09-16T09:00:00+08:00")]
            ).status_code
            == 200
        )
        everything = desk.public.get("/api/v1/public/results").json()
        assert [r["case_no"] for r in everything["results"]] == ["R-3", "R-2", "R-1"]
        asked = desk.department.post(
            "/api/v1/corrections", json={"case_no": "R-2", "action": "void", "reason": "重复推送"}
        )
        assert asked.status_code == 201, asked.text
        decided = chief.post(
            f"/api/v1/corrections/{asked.json()['correction_no']}/decision", json={"approve": True}
        )
        assert decided.status_code == 200, decided.text
        anyone = desk.public

        def shown(**params: Any) -> list[str]:
            r = anyone.get("/api/v1/public/results", params=params)
            assert r.status_code == 200, r.text
            return [x["case_no"] for x in r.json()["results"]]

        assert shown() == ["R-3", "R-1"]
        assert shown(**{"from": "2026-09-02", "to": "2026-09-02"}) == ["R-1"]
        assert shown(**{"from": "2026-09-03"}) == ["R-3"]
        assert shown(department="330900-JTYS") == [] and shown(item="SCJG-XK-001") == ["R-3", "R-1"]
        assert shown(region="330800") == [] and shown(region="330900") == ["R-3", "R-1"]
        page = anyone.get("/api/v1/public/results", params={"limit": 1, "offset": 1}).json()
        assert page["total"] == 2 and [x["case_no"] for x in page["results"]] == ["R-1"]
        reversed_ = anyone.get("/api/v1/public/results", params={"from": "2026-09-10", "to": "2026-09-01"})
        assert reversed_.status_code == 422 and reversed_.json()["error"]["code"] == "bad_period"


def test_the_hall_counts_today_and_shows_the_latest_steps_of_its_departments(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_organisation(db)
    add_items(db, licence_item("JTYS-XK-001", name="道路运输经营许可", department_code="330900-JTYS"))
    with Desk(db) as desk:
        assert (
            desk.post(
                "/api/v1/events",
                json=[
                    event(1, case_no="H-1", at="2026-09-14T09:00:00+08:00"),
                    event(2, case_no="H-1", step="undertake", post="承办岗", at="2026-09-15T09:00:00+08:00"),
                    event(3, case_no="H-2", at="2026-09-15T10:00:00+08:00"),
                ],
            ).status_code
            == 200
        )
    with system_client(db, "330900-JTYS") as jt:
        r = jt.post(
            "/api/v1/events",
            json=[
                {
                    **event(4, case_no="J-1", at="2026-09-15T11:00:00+08:00", item_code="JTYS-XK-001"),
                    "source_system": "JT",
                }
            ],
        )
        assert r.status_code == 200, r.text
    evening = local("2026-09-15", 20)
    whole = openness.hall(db, now=evening)
    assert (whole["date"], whole["received"], whole["completed"]) == ("2026-09-15", 2, 0)
    assert [s["case"] for s in whole["latest"]] == ["J-1", "H-2", "H-1"]
    own = openness.hall(db, department=OWNER, now=evening, limit=1)
    assert own["received"] == 1 and [s["step"] for s in own["latest"]] == ["受理"]
    assert own["departments"] == [
        {"department_code": OWNER, "department": "示范市市场监督管理局", "received": 1, "completed": 0}
    ]
    assert openness.hall(db, region="330800", now=evening)["received"] == 0
    # Before ten in the morning only H-1's second step had happened that day.
    early = openness.hall(db, now=local("2026-09-15", 9, 30))
    assert early["received"] == 0 and [s["step"] for s in early["latest"]] == ["承办"]
    # The steps are looked for among the platform's latest events only (a bounded scan).
    monkeypatch.setattr(openness, "HALL_WINDOW", 1)
    assert [s["case"] for s in openness.hall(db, now=evening)["latest"]] == ["J-1"]


# -- R-OPEN-3: what departments published, and the pre-disclosure checks -----------------------------------


def test_an_item_not_on_the_published_list_is_flagged_once_per_omission(db: Database) -> None:
    ensure_organisation(db)
    first = publish(db, local("2026-07-01"), entry(licence_item()))
    assert (first["entries"], first["listed"], first["new"]) == (1, 1, ["SCJG-XK-001"])
    # The penalty item has been in force since 2020: missing from the first list the platform sees.
    (missing,) = raised(db, "OP-NOT-PUBLISHED")
    assert missing["subject"] == f"unpublished:{OWNER}/SCJG-CF-001@2020-01-01T00:00:00.000000Z"
    assert missing["raised_at"] == iso_local(local("2026-07-01"))
    assert missing["department_code"] == OWNER and missing["case_no"] is None
    assert "SCJG-CF-001" in missing["message_zh"] and "published list" in missing["message_en"]
    assert missing["explanation"]["values"]["list"] == first["list_no"]
    # Shown on the next list: nothing new; a list again without it and the clock: still one signal.
    publish(db, local("2026-07-02"), entry(licence_item()), entry(penalty_item()))
    clock.sweep(db, local("2026-07-03"))
    assert len(raised(db, "OP-NOT-PUBLISHED")) == 1
    # Dropped later: a new omission, flagged from the capture that left it out.
    dropped = publish(db, local("2026-07-06"), entry(penalty_item()))
    assert dropped["dropped"] == ["SCJG-XK-001"] and dropped["signals"] == 1
    later = [s for s in raised(db, "OP-NOT-PUBLISHED") if "SCJG-XK-001" in s["subject"]]
    assert len(later) == 1 and later[0]["raised_at"] == iso_local(local("2026-07-06"))
    assert integrity.check(db).ok, integrity.check(db).describe()
    # A back-test of the pack over July counts what the checks find on the lists as they stand:
    # the item dropped on 6 July, not the one missing on 1 July and listed since.
    from jiancha.services.backtest import backtest
    from jiancha.services.packs import load

    tested = backtest(
        db, load("default"), load("default"), date(2026, 7, 1), date(2026, 7, 31), local("2026-08-01")
    )
    assert tested["candidate"]["by_rule"].get("OP-NOT-PUBLISHED") == 1


@pytest.fixture
def watched_since_july(db: Database) -> Database:
    """The department has sent its (complete, correct) list since July; a new item comes into force
    on Monday 3 August 2026."""
    ensure_organisation(db)
    publish(db, local("2026-07-31"), entry(licence_item()), entry(penalty_item()))
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.add,
                code="SCJG-XK-002",
                effective_from=local("2026-08-03", 9),
                item=licence_item("SCJG-XK-002", name="食品生产许可"),
            )
        ],
    )
    assert not raised(db, "OP-NOT-PUBLISHED")
    return db


def test_a_new_item_must_be_published_within_twenty_working_days(watched_since_july: Database) -> None:
    db = watched_since_july
    due = working_day(db, date(2026, 8, 3), 20)
    clock.sweep(db, local(due.isoformat(), 23, 59))
    assert not raised(db, "OP-NOT-PUBLISHED"), "the twentieth working day is not over"
    clock.sweep(db, local((due + timedelta(days=1)).isoformat(), 0, 30))
    (late,) = raised(db, "OP-NOT-PUBLISHED")
    assert late["raised_at"] == iso_local(end_of_local_day(due))
    assert late["explanation"]["values"]["due"] == due.isoformat()
    assert late["explanation"]["values"]["in_force_since"] == "2026-08-03"


def test_a_new_item_published_on_the_last_day_is_in_time(watched_since_july: Database) -> None:
    db = watched_since_july
    due = working_day(db, date(2026, 8, 3), 20)
    publish(
        db,
        local(due.isoformat(), 16),
        entry(licence_item()),
        entry(penalty_item()),
        entry(licence_item("SCJG-XK-002", name="食品生产许可")),
    )
    for days in (1, 2, 10):
        clock.sweep(db, local((due + timedelta(days=days)).isoformat(), 1))
    assert not raised(db, "OP-NOT-PUBLISHED") and not raised(db, "OP-DIFFERS")


def test_a_new_item_published_late_is_flagged_at_its_deadline_even_when_the_clock_did_not_run(
    watched_since_july: Database,
) -> None:
    db = watched_since_july
    due = working_day(db, date(2026, 8, 3), 20)
    after = due + timedelta(days=1)
    publish(
        db,
        local((due + timedelta(days=3)).isoformat()),
        entry(licence_item()),
        entry(penalty_item()),
        entry(
            licence_item("SCJG-XK-002", name="食品生产许可"),
            published_at=local(after.isoformat(), 9).isoformat(),
        ),
    )
    (late,) = raised(db, "OP-NOT-PUBLISHED")
    assert late["raised_at"] == iso_local(end_of_local_day(due))
    assert late["explanation"]["values"]["listed"] == after.isoformat()


NEW_ITEM = entry(licence_item("SCJG-XK-002", name="食品生产许可"))


def _changed_item() -> PowerItem:
    return licence_item(materials=["申请书", "营业执照", "场所平面图", "食品安全管理制度"])


def test_a_change_not_published_within_twenty_working_days_is_late(watched_since_july: Database) -> None:
    db = watched_since_july
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.change,
                code="SCJG-XK-001",
                effective_from=local("2026-08-04", 0),
                item=_changed_item(),
            )
        ],
    )
    due = working_day(db, date(2026, 8, 4), 20)
    clock.sweep(db, local(due.isoformat(), 22))
    assert not raised(db, "OP-LATE")
    clock.sweep(db, local((due + timedelta(days=1)).isoformat(), 0, 5))
    (late,) = raised(db, "OP-LATE")
    assert late["subject"] == f"change:{OWNER}/SCJG-XK-001@v2"
    assert late["raised_at"] == iso_local(end_of_local_day(due))
    values = late["explanation"]["values"]
    assert (values["version"], values["change"], values["published"]) == (2, "change", "—")
    # Published after all: no second signal; and stale content was never "different".
    publish(db, local((due + timedelta(days=3)).isoformat()), entry(_changed_item()), entry(penalty_item()))
    clock.sweep(db, local((due + timedelta(days=4)).isoformat()))
    assert len(raised(db, "OP-LATE")) == 1 and not raised(db, "OP-DIFFERS")


def test_a_change_of_an_item_missing_from_the_list_is_one_omission_not_also_late(db: Database) -> None:
    ensure_organisation(db)
    publish(db, local("2026-07-31"), entry(licence_item()))
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.change,
                code="SCJG-CF-001",
                effective_from=local("2026-08-04", 0),
                item=penalty_item().model_copy(update={"promised_limit_days": 45}),
            )
        ],
    )
    clock.sweep(db, local("2026-10-12"))
    assert len(raised(db, "OP-NOT-PUBLISHED")) == 1 and not raised(db, "OP-LATE")


def test_a_change_published_in_time_or_ahead_is_not_late(watched_since_july: Database) -> None:
    db = watched_since_july
    # A change announced for 10 August, published ahead of the day, as portals announce changes:
    # not late, and not different either.
    effective = local("2026-08-10", 0)
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.change, code="SCJG-XK-001", effective_from=effective, item=_changed_item()
            )
        ],
    )
    publish(db, local("2026-08-07"), entry(_changed_item()), entry(penalty_item()), NEW_ITEM)
    for day in ("2026-08-08", "2026-08-12", "2026-09-30", "2026-10-12"):
        clock.sweep(db, local(day, 1))
    assert not raised(db, "OP-LATE") and not raised(db, "OP-DIFFERS")


def test_a_change_published_after_its_deadline_is_late_from_the_deadline(
    watched_since_july: Database,
) -> None:
    db = watched_since_july
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.change,
                code="SCJG-XK-001",
                effective_from=local("2026-08-04", 0),
                item=_changed_item(),
            )
        ],
    )
    due = working_day(db, date(2026, 8, 4), 20)
    shown = due + timedelta(days=2)
    publish(
        db,
        local((due + timedelta(days=5)).isoformat()),
        entry(_changed_item(), published_at=local(shown.isoformat()).isoformat()),
        entry(penalty_item()),
    )
    (late,) = raised(db, "OP-LATE")
    assert late["raised_at"] == iso_local(end_of_local_day(due))
    assert late["explanation"]["values"]["published"] == shown.isoformat()


def test_a_cancellation_must_leave_the_list_in_time(watched_since_july: Database) -> None:
    db = watched_since_july
    catalogue.apply_changes(
        db,
        [CatalogueChange(kind=ChangeKind.cancel, code="SCJG-CF-001", effective_from=local("2026-08-04", 0))],
    )
    due = working_day(db, date(2026, 8, 4), 20)
    publish(db, local((due + timedelta(days=1)).isoformat()), entry(licence_item()), entry(penalty_item()))
    (late,) = raised(db, "OP-LATE")
    assert late["explanation"]["values"]["change"] == "cancel"
    assert "取消" in late["message_zh"]
    assert not raised(db, "OP-DIFFERS"), "the entry was right when it was published"


def test_a_cancellation_taken_off_the_list_in_time_owes_nothing(watched_since_july: Database) -> None:
    db = watched_since_july
    catalogue.apply_changes(
        db,
        [CatalogueChange(kind=ChangeKind.cancel, code="SCJG-CF-001", effective_from=local("2026-08-04", 0))],
    )
    publish(db, local("2026-08-06"), entry(licence_item()), NEW_ITEM)
    publish(
        db, local("2026-08-07"), entry(licence_item()), entry(penalty_item(), status="cancelled"), NEW_ITEM
    )
    for day in ("2026-09-01", "2026-09-10", "2026-10-20"):
        clock.sweep(db, local(day, 1))
    assert not raised(db, "OP-LATE") and not raised(db, "OP-NOT-PUBLISHED") and not raised(db, "OP-DIFFERS")


def test_a_published_entry_that_differs_from_the_catalogue_is_flagged_with_its_fields(db: Database) -> None:
    ensure_organisation(db)
    add_items(
        db,
        licence_item("SCJG-XK-002", name="食品生产许可"),
        licence_item("SCJG-XK-003", name="特殊食品许可"),
        licence_item("SCJG-XK-NP", name="内部核查审批", public=False),
    )
    wrong_materials = entry(licence_item())
    wrong_materials["content"] = {**wrong_materials["content"], "materials": "申请书；营业执照"}
    incomplete = entry(penalty_item())
    del incomplete["content"]["legal_basis"]
    # Read as the catalogue reads its own: a list as text, the type by its Chinese name.
    same_in_other_words = entry(licence_item("SCJG-XK-002", name="食品生产许可"))
    same_in_other_words["content"] = {
        **same_in_other_words["content"],
        "materials": "申请书;营业执照；场所平面图",
        "item_type": "行政许可",
    }
    wrong_hash = {"code": "SCJG-XK-003", "name": "特殊食品许可", "content_sha256": "0" * 64}
    published = publish(
        db,
        local("2026-07-01"),
        wrong_materials,
        incomplete,
        same_in_other_words,
        wrong_hash,
        entry(licence_item("SCJG-XK-NP", name="内部核查审批", conditions="另一套条件")),
        {"code": "SCJG-XK-999", "name": "未纳入目录的许可"},
    )
    found = {s["subject"].split("/")[1].split("@")[0]: s for s in raised(db, "OP-DIFFERS")}
    assert sorted(found) == ["SCJG-CF-001", "SCJG-XK-001", "SCJG-XK-003"]
    values = {code: s["explanation"]["values"] for code, s in found.items()}
    assert (values["SCJG-XK-001"]["fields"], values["SCJG-XK-001"]["missing"]) == (["materials"], ["—"])
    assert (values["SCJG-CF-001"]["fields"], values["SCJG-CF-001"]["missing"]) == (["—"], ["legal_basis"])
    assert values["SCJG-XK-003"]["fields"] == ["content_sha256"]
    assert "materials" in found["SCJG-XK-001"]["message_en"] and found["SCJG-XK-001"][
        "raised_at"
    ] == iso_local(local("2026-07-01"))
    (unknown,) = raised(db, "OP-NOT-ONLINE")
    assert unknown["subject"].startswith(f"published:{OWNER}/SCJG-XK-999@")
    assert "未纳入目录的许可" in unknown["message_zh"]
    # The same list again, a day later: the same entries, no new signals.
    again = openness.receive(
        db,
        openness.parse_list({**_raw(published, db), "captured_at": local("2026-07-02").isoformat()}),
        "测试系统",
        now=local("2026-07-02", 11),
    )
    assert again["signals"] == 0 and again["changed"] == [] and again["new"] == []


def _raw(published: dict[str, Any], db: Database) -> dict[str, Any]:
    detail = openness.list_detail(db, published["list_no"])
    assert detail is not None
    keep = ("code", "name", "status", "published_at", "content_sha256", "content")
    return {
        "department_code": detail["department_code"],
        "entries": [{k: e[k] for k in keep if e[k] is not None} for e in detail["entries"]],
    }


def test_a_hash_only_list_matches_the_hash_the_public_list_gives(db: Database) -> None:
    ensure_organisation(db)
    with TestClient(create_app(db), base_url="https://testserver") as anyone:
        shown = anyone.get("/api/v1/public/items", params={"department": OWNER}).json()["items"]
    entries = [{"code": i["code"], "name": i["name"], "content_sha256": i["content_sha256"]} for i in shown]
    publish(db, local("2026-07-01"), *entries)
    assert not raised(db, "OP-DIFFERS") and not raised(db, "OP-NOT-PUBLISHED")


# -- R-OPEN-3 through the API: who may send, bad input, scope --------------------------------------------


def _list(captured: str, *entries: dict[str, Any], department: str = OWNER) -> dict[str, Any]:
    return {
        "department_code": department,
        "captured_at": captured,
        "source": "https://scjg.example.gov.cn/qlqd",
        "entries": list(entries),
    }


def _head(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(ledger.c.seq), 0))).scalar_one())


def test_a_list_comes_from_the_department_s_system_or_an_administrator_and_bad_ones_are_refused(
    db: Database,
) -> None:
    ensure_organisation(db)
    good = entry(licence_item())
    with (
        system_client(db, OWNER) as own,
        system_client(db, "330900-JTYS") as other,
        client_as(db, "administrator", username="admin") as admin,
        client_as(db, "e_supervisor", region="330900") as supervisor,
    ):
        before = _head(db)
        refusals = {
            "duplicate": own.post("/api/v1/disclosures", json=_list("2026-07-01T10:00:00+08:00", good, good)),
            "after capture": own.post(
                "/api/v1/disclosures",
                json=_list(
                    "2026-07-01T10:00:00+08:00", {**good, "published_at": "2026-07-02T10:00:00+08:00"}
                ),
            ),
            "in the future": own.post("/api/v1/disclosures", json=_list("2199-01-01T10:00:00+08:00", good)),
            "bad status": own.post(
                "/api/v1/disclosures", json=_list("2026-07-01T10:00:00+08:00", {**good, "status": "closed"})
            ),
            "bad hash": own.post(
                "/api/v1/disclosures",
                json=_list("2026-07-01T10:00:00+08:00", {**good, "content_sha256": "xyz"}),
            ),
            "unknown department": admin.post(
                "/api/v1/disclosures", json=_list("2026-07-01T10:00:00+08:00", good, department="999999-XX")
            ),
        }
        fields = {
            "duplicate": "entries[1].code",
            "after capture": "entries[0].published_at",
            "in the future": "captured_at",
            "bad status": "entries[0].status",
            "bad hash": "entries[0].content_sha256",
            "unknown department": "department_code",
        }
        for what, r in refusals.items():
            assert r.status_code == 422, (what, r.text)
            error = r.json()["error"]
            assert error["message_zh"] and error["message_en"]
            assert fields[what] in [p["field"] for p in error["problems"]], (what, error)
        assert (
            other.post("/api/v1/disclosures", json=_list("2026-07-01T10:00:00+08:00", good)).status_code
            == 403
        )
        assert (
            supervisor.post("/api/v1/disclosures", json=_list("2026-07-01T10:00:00+08:00", good)).status_code
            == 403
        )
        assert _head(db) == before, "nothing refused was written"
        sent = own.post("/api/v1/disclosures", json=_list("2026-07-01T10:00:00+08:00", good))
        assert sent.status_code == 201, sent.text
        stale = admin.post("/api/v1/disclosures", json=_list("2026-06-30T10:00:00+08:00", good))
        assert stale.status_code == 409 and stale.json()["error"]["problems"][0]["field"] == "captured_at"
        assert (
            admin.post("/api/v1/disclosures", json=_list("2026-07-02T10:00:00+08:00", good)).status_code
            == 201
        )
        lists = supervisor.get("/api/v1/disclosures").json()
        assert lists["total"] == 2 and lists["lists"][0]["captured_at"] == "2026-07-02T10:00:00+08:00"
        detail = supervisor.get(f"/api/v1/disclosures/{sent.json()['list_no']}").json()
        assert detail["entries"][0]["code"] == "SCJG-XK-001" and detail["recorded_by"]
    assert integrity.check(db).ok


def test_pre_disclosure_signals_and_lists_are_seen_only_within_scope(db: Database) -> None:
    ensure_organisation(db)
    listed = publish(db, local("2026-07-01"), entry(licence_item()))
    assert raised(db, "OP-NOT-PUBLISHED")
    with (
        client_as(db, "post_user", department="330900-JTYS") as other,
        client_as(db, "e_supervisor", region="330800") as sibling,
        client_as(db, "e_supervisor", region="330900") as city,
        client_as(db, "post_user", department=OWNER) as own,
    ):
        for outsider in (other, sibling):
            assert outsider.get("/api/v1/signals", params={"rule": "OP-NOT-PUBLISHED"}).json()["total"] == 0
            assert outsider.get("/api/v1/disclosures").json()["total"] == 0
            assert outsider.get(f"/api/v1/disclosures/{listed['list_no']}").status_code == 404
        for insider in (city, own):
            assert insider.get("/api/v1/signals", params={"rule": "OP-NOT-PUBLISHED"}).json()["total"] == 1
            assert insider.get(f"/api/v1/disclosures/{listed['list_no']}").status_code == 200


def test_the_published_list_model_refuses_what_the_form_cannot_hold() -> None:
    with pytest.raises(Rejected) as refused:
        openness.parse_list(
            {"department_code": OWNER, "captured_at": "not a time", "entries": [{"code": "x y"}]}
        )
    fields = {p.field for p in refused.value.problems}
    assert {"captured_at", "entries[0].code", "entries[0].name"} <= fields
    assert PublishedList.model_json_schema()["properties"]["entries"]["maxItems"] == 20000


def test_a_published_list_is_imported_from_a_csv_or_json_file(db: Database) -> None:
    from jiancha.interfaces.files.importer import guess_kind, import_file

    ensure_organisation(db)
    digest = content_sha256(penalty_item().model_dump(mode="json"))
    csv_text = (
        "department_code,captured_at,source,code,name,published_at,content_sha256\n"
        f"{OWNER},2026-07-01T10:00:00+08:00,门户网站,SCJG-XK-001,食品经营许可,2026-06-01T09:00:00+08:00,\n"
        f"{OWNER},2026-07-01T10:00:00+08:00,门户网站,SCJG-CF-001,对未取得食品经营许可从事食品经营活动的行政处罚,,{digest}\n"
    ).encode()
    assert guess_kind(csv_text, "qlqd.csv") == "disclosure"
    done = import_file(db, csv_text, "qlqd.csv", by="采集脚本")
    assert (done["kind"], done["entries"], done["signals"]) == ("disclosure", 2, 0)
    detail = openness.list_detail(db, done["list_no"])
    assert detail is not None and detail["source"] == "门户网站" and detail["recorded_by"] == "采集脚本"
    assert detail["entries"][1]["content_sha256"] == digest
    as_json = orjson.dumps(_list("2026-07-02T10:00:00+08:00", entry(licence_item()), entry(penalty_item())))
    assert guess_kind(as_json, "qlqd.json") == "disclosure"
    assert import_file(db, as_json, "qlqd.json")["changed"] == ["SCJG-CF-001", "SCJG-XK-001"]
    # One file is one list: a row captured at another time is refused, naming its row.
    mixed = csv_text.decode().replace(
        ",2026-07-01T10:00:00+08:00,门户网站,SCJG-CF", ",2026-07-09T10:00:00+08:00,门户网站,SCJG-CF"
    )
    mixed_bytes = mixed.encode()
    with pytest.raises(Rejected) as refused:
        import_file(db, mixed_bytes, "qlqd.csv")
    assert [(p.field, p.index) for p in refused.value.problems] == [("captured_at", 3)]


def test_a_published_list_edited_behind_the_platform_s_back_fails_verification(db: Database) -> None:
    from sqlalchemy import update

    from jiancha.store.tables import disclosure_lists

    ensure_organisation(db)
    sent = publish(db, local("2026-07-01"), entry(licence_item()), entry(penalty_item()))
    assert integrity.check(db).ok
    with db.write() as conn:
        conn.execute(update(disclosure_lists).values(entries=[]))
    report = integrity.check(db)
    assert not report.ok and f"published list {sent['list_no']} differs" in report.describe()
