"""Complaints (R-PUB-1) through the API: the decision within 5 working days, the transfer with a
due date for the result, the result; a real-name complainant is told, an anonymous one is not;
both deadlines watched by the clock."""

from __future__ import annotations

from datetime import UTC, datetime

from jiancha.services import clock, complaints, integrity, signals
from jiancha.store.database import Database

from .conftest import Desk


def local(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


REAL = {
    "department_code": "330900-SCJG",
    "case_no": "C-1",
    "content": "申请食品经营许可已超过承诺时限，仍未办结",
    "complainant": {"name": "王小明", "phone": "13812345678"},
}
ANONYMOUS = {"department_code": "330900-SCJG", "content": "窗口人员要求额外收费", "anonymous": True}


def late(db: Database, rule: str) -> list[dict[str, object]]:
    return signals.list_signals(db, signals.SignalFilter(rule_id=rule))[1]


def test_a_real_name_complaint_is_decided_sent_on_answered_and_its_complainant_told(db: Database) -> None:
    made = complaints.submit(db, complaints.parse(REAL), now=local("2026-11-02"))
    no = str(made["complaint_no"])
    assert made["decide_due"] == "2026-11-09" and made["complainant"] == {
        "name": "王**",
        "phone": "138****5678",
    }
    with Desk(db) as client:
        no_reason = client.post(
            f"/api/v1/complaints/{no}/decision", json={"accept": True, "reason": "", "by": "监察员甲"}
        )
        assert no_reason.status_code == 422
    complaints.decide(db, no, True, "属于本机关管辖，予以受理并转办", "监察员甲", now=local("2026-11-04"))
    transferred = complaints.detail(db, no)
    assert transferred["state"] == "transferred" and transferred["result_due"] == "2026-11-25"  # type: ignore[index]
    done = complaints.result(db, no, "已督促办结并向申请人致歉", "市场监管局", now=local("2026-11-20"))
    assert done["state"] == "resulted"
    told = [h for h in done["history"] if h["action"] == "reply"]  # type: ignore[union-attr]
    assert [h["detail"]["about"] for h in told] == ["decision", "result"]
    assert all(h["detail"]["to"] == "138****5678" for h in told)
    assert "13812345678" not in str(done)
    assert integrity.check(db).ok


def test_an_anonymous_complaint_is_handled_but_no_one_is_told(db: Database) -> None:
    with Desk(db) as client:
        made = client.post("/api/v1/complaints", json=ANONYMOUS).json()
        assert made["anonymous"] is True and made["complainant"] is None
        url = f"/api/v1/complaints/{made['complaint_no']}"
        client.post(
            f"{url}/decision", json={"accept": False, "reason": "线索不具体，无法核查", "by": "监察员甲"}
        )
        shown = client.get(url).json()
        named = client.post("/api/v1/complaints", json={**ANONYMOUS, "complainant": REAL["complainant"]})
        unnamed = client.post("/api/v1/complaints", json={**REAL, "complainant": None})
    assert shown["state"] == "not_accepted" and [h["action"] for h in shown["history"]] == [
        "submit",
        "decide",
    ]
    assert named.status_code == 422 and "anonymous" in named.text
    assert unnamed.status_code == 422 and "real-name" in unnamed.text


def test_a_late_decision_and_a_late_result_each_raise_a_signal_stamped_when_due(db: Database) -> None:
    no = str(complaints.submit(db, complaints.parse(ANONYMOUS), now=local("2026-11-02"))["complaint_no"])
    clock.sweep(db, local("2026-11-09", 23))
    assert not late(db, "CP-DECISION-OVERDUE")
    clock.sweep(db, local("2026-11-11"))
    (decision,) = late(db, "CP-DECISION-OVERDUE")
    assert decision["raised_at"] == "2026-11-10T00:00:00+08:00" and no in str(decision["message_zh"])
    complaints.decide(db, no, True, "予以受理", "监察员甲", now=local("2026-11-11"))
    clock.sweep(db, local("2026-12-03"))  # the result was due on 2 December
    (result,) = late(db, "CP-RESULT-OVERDUE")
    assert result["raised_at"] == "2026-12-03T00:00:00+08:00"
    clock.sweep(db, local("2026-12-04"))
    assert len(late(db, "CP-RESULT-OVERDUE")) == 1
