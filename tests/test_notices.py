"""Supervision notices (督办, R-SUP-2) through the API: a report due in 20 working days (a pack
setting), one extension of at most 10 working days on approval, and the clock raising a signal on
a notice not reported on in time — stamped when its due day ended."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from jiancha.services import clock, integrity, notices, signals
from jiancha.store.database import Database

from .conftest import Desk


def local(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


ISSUE = {
    "department_code": "330900-SCJG",
    "title": "关于食品经营许可超期办理问题的督办通知",
    "requirement": "请于规定期限内查明超期原因并报告处理情况",
    "case_no": "C-1",
    "issued_by": "市监察局 监察员甲",
}


def _issue(db: Database, day: str = "2026-11-02") -> str:
    return str(notices.issue(db, notices.NoticeIn(**ISSUE), now=local(day))["notice_no"])  # type: ignore[arg-type]


def overdue(db: Database) -> list[dict[str, object]]:
    return signals.list_signals(db, signals.SignalFilter(rule_id="NT-OVERDUE"))[1]


def test_a_notice_is_due_in_twenty_working_days_and_flagged_when_that_day_ends(db: Database) -> None:
    no = _issue(db)  # Monday 2 November 2026; twenty working days later: Monday 30 November
    assert notices.detail(db, no)["due_on"] == "2026-11-30"  # type: ignore[index]
    clock.sweep(db, local("2026-11-30", 23))
    assert not overdue(db)
    clock.sweep(db, local("2026-12-03"))  # the worker was down; the signal says when it was due
    (signal,) = overdue(db)
    assert signal["subject"] == f"notice:{no}@2026-11-30" and signal["colour"] == "red"
    assert signal["raised_at"] == "2026-12-01T00:00:00+08:00"
    assert no in str(signal["message_zh"]) and "2026-11-30" in str(signal["message_en"])
    clock.sweep(db, local("2026-12-04"))
    assert len(overdue(db)) == 1, "a notice's lateness is raised once"
    assert integrity.check(db).ok


def test_one_extension_of_at_most_ten_working_days_on_approval(db: Database) -> None:
    no = _issue(db)
    with Desk(db) as client:
        url = f"/api/v1/notices/{no}"
        too_long = client.post(
            f"{url}/extension", json={"days": 11, "reason": "需外部鉴定", "by": "市场监管局"}
        )
        assert too_long.status_code == 409 and too_long.json()["error"]["problems"][0]["field"] == "days"
        asked = client.post(f"{url}/extension", json={"days": 10, "reason": "需外部鉴定", "by": "市场监管局"})
        assert asked.status_code == 200 and asked.json()["state"] == "extension_requested"
        again = client.post(f"{url}/extension", json={"days": 5, "reason": "再延", "by": "市场监管局"})
        assert again.status_code == 409
        granted = client.post(f"{url}/extension/decision", json={"approve": True, "by": "监察员甲"})
        assert granted.json()["due_on"] == "2026-12-14" and granted.json()["extensions"] == 1
        second = client.post(f"{url}/extension", json={"days": 3, "reason": "仍需时间", "by": "市场监管局"})
        assert second.status_code == 409 and "at most 1" in second.json()["error"]["message_en"]
        # The extended notice is not late on its old due date, and is once the new one passes.
        clock.sweep(db, local("2026-12-02"))
        assert not overdue(db)
        clock.sweep(db, local("2026-12-15"))
        assert [s["subject"] for s in overdue(db)] == [f"notice:{no}@2026-12-14"]
        history = client.get(url).json()["history"]
    assert [h["action"] for h in history] == ["issue", "request_extension", "decide_extension"]


def test_a_report_in_time_closes_the_notice_and_a_report_sent_back_is_watched_again(db: Database) -> None:
    no = _issue(db)
    with Desk(db) as client:
        url = f"/api/v1/notices/{no}"
        assert client.post(f"{url}/review", json={"approve": True, "by": "监察员甲"}).status_code == 409
        reported = client.post(f"{url}/report", json={"report": "已查明原因并整改", "by": "市场监管局"})
        assert reported.json()["state"] == "reported"
        no_reason = client.post(f"{url}/review", json={"approve": False, "by": "监察员甲"})
        assert no_reason.status_code == 422
        sent_back = client.post(
            f"{url}/review", json={"approve": False, "by": "监察员甲", "reason": "未附整改材料"}
        )
        assert sent_back.json()["state"] == "issued"
    clock.sweep(db, local("2026-12-02"))
    assert len(overdue(db)) == 1, "sent back, the notice is late once its due day has passed"
    notices.report(db, no, "补充整改材料", "市场监管局", now=local("2026-12-03"))
    closed = notices.review(db, no, True, "监察员甲", now=local("2026-12-04"))
    assert closed["state"] == "closed" and closed["history"][-1]["detail"]["accept"] is True
    assert integrity.check(db).ok


def test_the_pack_sets_the_days_fifteen_under_the_sichuan_2011_measures(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (resources.files("jiancha.packs") / "default.yaml").read_text(encoding="utf-8")
    pack = tmp_path / "sichuan-2011.yaml"
    pack.write_text(
        text.replace("pack: default", "pack: sichuan-2011")
        + "notices:\n  report_working_days: 15\n  article: 四川省2011年办法 第九条\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("JIANCHA_PACK", str(pack))
    no = _issue(db)
    assert notices.detail(db, no)["due_on"] == "2026-11-23"  # type: ignore[index]


def test_verify_finds_a_notice_action_edited_or_removed_behind_the_ledger(db: Database) -> None:
    from sqlalchemy import delete, update

    from jiancha.store.tables import notice_actions

    no = _issue(db)
    notices.report(db, no, "已整改", "市场监管局", now=local("2026-11-10"))
    assert integrity.check(db).ok
    with db.write() as conn:
        conn.execute(update(notice_actions).where(notice_actions.c.action == "report").values(by="别人"))
    assert "differs from ledger entry" in str(integrity.check(db).mismatch)
    with db.write() as conn:
        conn.execute(delete(notice_actions).where(notice_actions.c.action == "report"))
    assert "missing from the notice_actions table" in str(integrity.check(db).mismatch)
