"""Supervision measures on a signal (R-SUP-1, Sichuan 2014 §8) through the API: require an
explanation or materials, order performance or a stop, propose accountability — each a notice the
department answers by a due date (five working days by default, a pack setting), watched by the
clock. An explanation answers the signal too: it moves to explained, and back to open when the
supervisor sends it back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from jiancha.services import attachments, clock, ingest, integrity, notices, signals
from jiancha.store.database import Database

from .conftest import Desk, event


def local(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


def a_red_signal(db: Database) -> dict[str, Any]:
    """A case that skipped its review: PR-SKIPPED, red, on 330900-SCJG's case C-1."""
    evs = [event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00")]
    ingest.ingest_events(db, ingest.validate_events(evs))
    _, rows = signals.list_signals(db, signals.SignalFilter(case_no="C-1", rule_id="PR-SKIPPED"))
    return rows[0]


def require(client: TestClient, kind: str, signal_id: int | None, **extra: object) -> Any:
    body = {
        "kind": kind,
        "title": "关于办件跳过审查环节的监察措施",
        "requirement": "请就红灯报警作出解释和说明",
        "issued_by": "市监察局 监察员甲",
        **({"signal_id": signal_id} if signal_id else {}),
        **extra,
    }
    return client.post("/api/v1/notices", json=body)


def measures_overdue(db: Database) -> list[dict[str, Any]]:
    return signals.list_signals(db, signals.SignalFilter(rule_id="NT-MEASURE-OVERDUE"))[1]


def test_an_explanation_required_on_a_signal_answers_it_and_is_sent_back_with_it(db: Database) -> None:
    signal = a_red_signal(db)
    letter, _ = attachments.store(db, "情况说明：审查岗空缺，由批准岗代审".encode(), filename="说明.pdf")
    with Desk(db) as client:
        made = require(client, "explain", signal["id"])
        assert made.status_code == 200, made.text
        notice = made.json()
        # The department and the case are the signal's; the number says what kind of notice it is.
        assert notice["department_code"] == "330900-SCJG" and notice["case_no"] == "C-1"
        assert notice["kind"] == "explain" and notice["notice_no"].startswith("SM-")
        assert notice["kind_zh"] == "要求说明情况通知"
        url = f"/api/v1/notices/{notice['notice_no']}"
        unknown = client.post(
            f"{url}/report",
            json={"report": "见说明", "by": "市场监管局", "materials": [{"name": "x", "sha256": "0" * 64}]},
        )
        assert unknown.status_code == 422
        assert unknown.json()["error"]["problems"][0]["field"] == "materials[0].sha256"
        answered = client.post(
            f"{url}/report",
            json={
                "report": "审查岗空缺，由批准岗代为审查",
                "by": "市场监管局 科长乙",
                "materials": [{"name": "说明.pdf", "sha256": letter}],
            },
        )
        assert answered.json()["state"] == "reported"
        moved = client.get(f"/api/v1/signals/{signal['id']}").json()
        assert moved["state"] == "explained"
        assert moved["history"][-1]["by"] == "科长乙 (official)", "the answer is the signed-in official's"
        assert moved["history"][-1]["materials"] == [{"name": "说明.pdf", "sha256": letter}]
        back = client.post(
            f"{url}/review", json={"approve": False, "by": "监察员甲", "reason": "代审不符合规定，请说明整改"}
        )
        assert back.json()["state"] == "issued"
        reopened = client.get(f"/api/v1/signals/{signal['id']}").json()
        assert (
            reopened["state"] == "open" and reopened["history"][-1]["reason"] == "代审不符合规定，请说明整改"
        )
        listed = client.get("/api/v1/notices", params={"signal_id": signal["id"], "kind": "explain"}).json()
        assert [n["notice_no"] for n in listed["notices"]] == [notice["notice_no"]]
    assert integrity.check(db).ok


def test_a_measure_is_due_in_five_working_days_and_flagged_by_the_clock_when_unanswered(db: Database) -> None:
    signal = a_red_signal(db)
    with Desk(db) as client:
        # Issued Friday 20 November 2026: five working days later is Friday 27 November.
        stop = notices.issue(
            db,
            notices.NoticeIn(
                kind="stop",  # type: ignore[arg-type]
                signal_id=signal["id"],
                title="责令停止由批准岗代为审查",
                requirement="立即停止代审，恢复审查岗",
                issued_by="监察员甲",
            ),
            now=local("2026-11-20"),
        )
        assert stop["due_on"] == "2026-11-27" and stop["notice_no"].startswith("TZ-")
        clock.sweep(db, local("2026-11-27", 23))
        assert not measures_overdue(db)
        clock.sweep(db, local("2026-11-30"))
        (late,) = measures_overdue(db)
        assert late["raised_at"] == "2026-11-28T00:00:00+08:00" and late["colour"] == "red"
        assert "责令停止违规行为通知" in str(late["message_zh"]) and "2026-11-27" in str(late["message_zh"])
        assert late["explanation"]["article"].endswith("第八条")  # type: ignore[index]
        # A notice proper keeps its own rule and its twenty days.
        supervise = client.post(
            "/api/v1/notices",
            json={
                "department_code": "330900-SCJG",
                "title": "督办",
                "requirement": "报告调查处理情况",
                "issued_by": "监察员甲",
            },
        ).json()
        assert supervise["kind"] == "supervise" and supervise["notice_no"].startswith("DB-")


def test_a_measure_must_say_what_it_is_about_and_agree_with_its_signal(db: Database) -> None:
    signal = a_red_signal(db)
    with Desk(db) as client:
        bare = require(client, "explain", None, department_code="330900-SCJG", case_no="C-1")
        assert bare.status_code == 422 and "signal_id" in bare.text
        nothing = require(client, "materials", None, department_code="330900-SCJG")
        assert nothing.status_code == 422 and "case_no" in nothing.text
        by_case = require(client, "materials", None, department_code="330900-SCJG", case_no="C-1")
        assert by_case.status_code == 200 and by_case.json()["notice_no"].startswith("CL-")
        other = require(client, "perform", signal["id"], department_code="330900-JTYS")
        assert other.status_code == 422
        assert other.json()["error"]["problems"][0]["field"] == "department_code"
        missing = require(client, "perform", 999_999)
        assert missing.status_code == 404
        unknown_kind = require(client, "detain", signal["id"])
        assert unknown_kind.status_code == 422
