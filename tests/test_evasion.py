"""Evasion beyond one case (R-EVD-1..2) and the duty to publish results (R-OPEN-2), through the
real pipeline: ingestion records when each feed was last heard from, and the clock finds feeds
gone silent, items left idle while their peers are busy, and results never published."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from jiancha.domain.rules.lifecycle import SignalState
from jiancha.services import clock, ingest, integrity, signals
from jiancha.store.database import Database
from jiancha.store.tables import feeds, periodic_checks

from .conftest import Desk, add_items, event, licence_item


def local(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


def push(db: Database, now: datetime, *evs: dict[str, object]) -> None:
    ingest.ingest_events(db, ingest.validate_events(list(evs)), now=now)


def by_rule(db: Database, rule: str) -> list[dict[str, object]]:
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id=rule))
    return rows


def test_a_feed_silent_for_three_working_days_is_flagged_once_per_silence(db: Database) -> None:
    push(db, local("2026-11-02"), event(1, at="2026-11-02T09:00:00+08:00"))
    with db.read() as conn:
        feed = conn.execute(select(feeds)).one()
    assert (feed.source_system, feed.department_code, feed.events) == ("SYS-A", "330900-SCJG", 1)
    clock.sweep(db, local("2026-11-05", 23))
    assert not by_rule(db, "EVD-SILENT-FEED"), "three working days have not yet passed"
    clock.sweep(db, local("2026-11-06", 1))
    clock.sweep(db, local("2026-11-06", 2))
    (silent,) = by_rule(db, "EVD-SILENT-FEED")
    assert silent["case_no"] is None and silent["department_code"] == "330900-SCJG"
    assert str(silent["subject"]).startswith("feed:SYS-A@2026-11-02T02:00:00")
    assert silent["raised_at"] == "2026-11-06T00:00:00+08:00"
    assert "SYS-A" in str(silent["message_zh"]) and "3 working days" in str(silent["message_en"])
    # The feed speaks again, then falls silent again: a new silence, a new signal.
    push(db, local("2026-11-09"), event(2, step="undertake", at="2026-11-09T09:00:00+08:00"))
    clock.sweep(db, local("2026-11-16"))
    assert len(by_rule(db, "EVD-SILENT-FEED")) == 2
    # A signal about a subject lives the same life as any other, and the ledger agrees.
    moved = signals.move(db, int(silent["id"]), SignalState.withdrawn, "监察员甲", "系统升级，已报备")  # type: ignore[arg-type]
    assert moved["state"] == "withdrawn"
    assert integrity.check(db).ok


def _peers(db: Database) -> None:
    """The same licence at four county bureaus; one of them takes no case online in October."""
    add_items(db, *(licence_item(f"SCJG-XK-00{n}", department_code=f"33090{n}-SCJG") for n in (2, 3, 4)))
    counts = {"SCJG-XK-001": 7, "SCJG-XK-002": 6, "SCJG-XK-003": 5, "SCJG-XK-004": 0}
    n = 0
    for code, k in counts.items():
        for i in range(k):
            n += 1
            day = f"2026-10-{12 + i:02d}"
            push(db, local(day), event(n, case_no=f"{code}-{i}", item_code=code, at=f"{day}T09:00:00+08:00"))


def test_an_item_with_no_case_online_while_its_peers_have_many_is_flagged(db: Database) -> None:
    _peers(db)
    clock.sweep(db, local("2026-11-02", 1))
    (idle,) = by_rule(db, "EVD-IDLE-ITEM")
    assert idle["subject"] == "item:SCJG-XK-004@2026-10" and idle["department_code"] == "330904-SCJG"
    assert idle["explanation"]["values"]["peer_median"] == 6  # type: ignore[index]
    assert idle["raised_at"] == "2026-11-01T00:00:00+08:00"
    assert "2026-10" in str(idle["message_zh"])
    clock.sweep(db, local("2026-11-03"))
    assert len(by_rule(db, "EVD-IDLE-ITEM")) == 1, "a period is checked once"
    with db.read() as conn:
        idle_periods = select(periodic_checks.c.period).where(periodic_checks.c.rule_id == "EVD-IDLE-ITEM")
        assert conn.execute(idle_periods).scalars().all() == ["2026-10"]
    assert integrity.check(db).ok


def test_the_clock_watches_a_finished_case_until_its_result_is_published(db: Database) -> None:
    steps = [
        ("accept", "受理岗", "2026-10-26"),
        ("undertake", "承办岗", "2026-10-27"),
        ("review", "审核岗", "2026-10-28"),
        ("approve", "批准岗", "2026-11-02"),
        ("complete", "受理岗", "2026-11-03"),
    ]
    for n, (step, post, day) in enumerate(steps, 1):
        extra = {"attributes": {"legal_basis": "第三十五条"}} if step == "approve" else {}
        push(db, local(day), event(n, step=step, post=post, at=f"{day}T09:00:00+08:00", **extra))
    assert not by_rule(db, "DS-RESULT")
    clock.sweep(db, local("2026-11-20"))  # the worker was down; the case is finished
    (late,) = by_rule(db, "DS-RESULT")
    assert late["raised_at"] == "2026-11-12T00:00:00+08:00" and late["deadline"] == "2026-11-11"
    # Publication afterwards: the case stops being watched, and nothing is raised twice.
    push(db, local("2026-11-23"), event(9, step="complete", action="publish", at="2026-11-23T09:00:00+08:00"))
    clock.sweep(db, local("2026-11-30"))
    assert len(by_rule(db, "DS-RESULT")) == 1
    assert integrity.check(db).ok


def test_backtesting_finds_the_watches_of_the_period_and_writes_nothing(db: Database) -> None:
    from datetime import date

    from jiancha.services import backtest, packs

    _peers(db)
    pack = packs.load("default")
    report = backtest.backtest(db, pack, pack, date(2026, 10, 1), date(2026, 10, 31), now=local("2026-11-10"))
    # October is whole: SCJG-XK-004 was idle; SYS-A fell silent after its last event of 18 October.
    assert report["candidate"]["by_rule"]["EVD-IDLE-ITEM"] == 1
    assert report["candidate"]["by_rule"]["EVD-SILENT-FEED"] == 1
    assert report["candidate"]["by_department"]["330904-SCJG"] >= 1
    assert not by_rule(db, "EVD-IDLE-ITEM") and not by_rule(db, "EVD-SILENT-FEED")


def test_a_worker_down_over_two_month_ends_still_checks_both_months(db: Database) -> None:
    _peers(db)  # October: SCJG-XK-004 idle; November: every item idle, no peers busy
    clock.sweep(db, local("2026-09-15"))  # a sweep in September checks August once
    clock.sweep(db, local("2026-12-02"))  # then down until December
    with db.read() as conn:
        periods = conn.execute(
            select(periodic_checks.c.period)
            .where(periodic_checks.c.rule_id == "EVD-IDLE-ITEM")
            .order_by(periodic_checks.c.period)
        ).scalars()
        assert list(periods) == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert [r["subject"] for r in by_rule(db, "EVD-IDLE-ITEM")] == ["item:SCJG-XK-004@2026-10"]


def test_a_feed_heard_out_of_order_keeps_its_latest_instant(db: Database) -> None:
    push(db, local("2026-11-05"), event(1, at="2026-11-05T09:00:00+08:00"))
    push(db, local("2026-11-03"), event(2, step="undertake", at="2026-11-03T09:00:00+08:00"))
    with db.read() as conn:
        feed = conn.execute(select(feeds)).one()
    assert feed.last_received_at == local("2026-11-05") and feed.events == 2


def test_feed_health_shows_freshness_and_the_error_rate_of_each_system(db: Database) -> None:

    with Desk(db) as client:
        good = [event(k, at="2026-11-02T09:00:00+08:00", case_no=f"H-{k}") for k in range(3)]
        assert client.post("/api/v1/events", json=good).status_code == 200
        bad = [event(10, case_no="H-10"), {**event(11, case_no="H-11"), "occurred_at": "yesterday"}]
        assert client.post("/api/v1/events", json=bad).status_code == 422
        stranger = {**event(12), "source_system": "SYS-NEW", "action": "fly"}
        assert client.post("/api/v1/events", json=[stranger]).status_code == 422
        feeds_now = {f["source_system"]: f for f in client.get("/api/v1/feeds").json()["feeds"]}
    a = feeds_now["SYS-A"]
    assert (a["events"], a["rejected_events"], a["error_rate"]) == (3, 2, 0.4)
    assert a["department_code"] == "330900-SCJG" and a["last_rejected_at"]
    assert feeds_now["SYS-NEW"]["events"] == 0 and feeds_now["SYS-NEW"]["error_rate"] == 1.0
