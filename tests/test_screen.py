"""The big screen (大屏, R-REP-2): today's cases, the unresolved signals by colour and department,
the fortnight's trend and the latest signals — each what the records hold, within the caller's
scope — and the live stream that sends them again when they change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jiancha.domain.timeutil import LOCAL, iso_local, utcnow
from jiancha.services import ingest, screen, signals
from jiancha.store.database import Database

from .conftest import client_as, event

NOW = datetime(2026, 9, 15, 4, tzinfo=UTC)  # 12:00 in Shanghai, 15 September


def push(db: Database, *evs: dict[str, object]) -> None:
    ingest.ingest_events(db, ingest.validate_events(list(evs)))


def fortnight(db: Database) -> None:
    """C-1 received on the 14th and approved on the 15th skipping two steps (signals on arrival);
    C-2 received and finished on the 15th; C-3 received on the 15th after noon (not yet, at NOW)."""
    push(
        db,
        event(1, "C-1", at="2026-09-14T09:00:00+08:00"),
        event(2, "C-1", step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"),
        event(3, "C-2", at="2026-09-15T10:00:00+08:00"),
        event(4, "C-2", step="complete", at="2026-09-15T11:00:00+08:00"),
        event(5, "C-3", at="2026-09-15T15:00:00+08:00"),
    )


def every_signal(db: Database) -> list[dict[str, Any]]:
    return signals.list_signals(db, signals.SignalFilter(), limit=1000)[1]


def test_the_snapshot_holds_today_s_cases_the_unresolved_signals_and_the_fortnight(db: Database) -> None:
    fortnight(db)
    got = screen.snapshot(db, now=NOW)
    assert got["date"] == "2026-09-15" and got["as_of"] == "2026-09-15T12:00:00+08:00"
    assert got["today"] == {"received": 1, "completed": 1}

    raised = [s for s in every_signal(db) if s["raised_at"] <= iso_local(NOW)]
    assert raised, "skipping steps and finishing early raise signals on arrival"
    unresolved = signals.counts(db, state=signals.UNRESOLVED_FILTER)
    assert got["unresolved"] == {c: unresolved.get(c, 0) for c in ("red", "yellow", "green")}
    assert got["departments"] == [
        {"department_code": "330900-SCJG", "department": "330900-SCJG", **got["unresolved"]}
    ]

    assert len(got["trend"]) == 14 and got["trend"][0]["date"] == "2026-09-02"
    by_day = {d["date"]: d for d in got["trend"]}
    assert (by_day["2026-09-14"]["received"], by_day["2026-09-15"]["received"]) == (1, 1)
    assert by_day["2026-09-15"]["completed"] == 1
    for colour in ("red", "yellow", "green"):
        for day in ("2026-09-14", "2026-09-15"):
            expected = sum(1 for s in raised if s["colour"] == colour and s["raised_at"].startswith(day))
            assert by_day[day][colour] == expected, (day, colour)

    newest = sorted(raised, key=lambda s: (s["raised_at"], s["id"]), reverse=True)[: screen.LATEST]
    assert [s["id"] for s in got["latest"]] == [s["id"] for s in newest]
    first = got["latest"][0]
    assert first["case_no"] and first["message_zh"] and first["message_en"] and first["colour"]


def test_the_version_changes_with_the_figures_and_not_with_the_clock(db: Database) -> None:
    fortnight(db)
    before = screen.snapshot(db, now=NOW)
    assert screen.snapshot(db, now=NOW + timedelta(minutes=1))["version"] == before["version"]
    push(db, event(6, "C-4", at="2026-09-15T11:30:00+08:00"))
    after = screen.snapshot(db, now=NOW)
    assert after["today"]["received"] == 2 and after["version"] != before["version"]


def test_an_empty_platform_shows_zeros(empty_db: Database) -> None:
    got = screen.snapshot(empty_db, now=NOW)
    assert got["today"] == {"received": 0, "completed": 0}
    assert got["unresolved"] == {"red": 0, "yellow": 0, "green": 0}
    assert got["departments"] == [] and got["latest"] == []
    assert all(d["received"] == d["red"] == 0 for d in got["trend"])


def today_cases(db: Database) -> None:
    """Two cases received a moment ago — today, wherever the test runs — one with signals."""
    now = utcnow().astimezone(LOCAL)
    at = [(now - timedelta(seconds=s)).isoformat() for s in (3, 2, 1)]
    push(
        db,
        event(11, "T-1", at=at[0]),
        event(12, "T-1", step="approve", post="批准岗", at=at[1]),
        event(13, "T-2", at=at[2]),
    )


def test_a_department_sees_only_its_own_figures_and_an_agency_its_region(db: Database) -> None:
    today_cases(db)
    with client_as(db, "post_user", department="330900-SCJG") as own:
        mine = own.get("/api/v1/screen").json()
    assert mine["today"]["received"] == 2
    assert sum(mine["unresolved"].values()) > 0
    assert [d["department"] for d in mine["departments"]] == ["示范市市场监督管理局"]
    assert mine["latest"] and {s["department_code"] for s in mine["latest"]} == {"330900-SCJG"}
    for other in (
        client_as(db, "post_user", department="330900-JTYS"),
        client_as(db, "e_supervisor", region="330800"),
    ):
        with other:
            theirs = other.get("/api/v1/screen").json()
        assert theirs["today"] == {"received": 0, "completed": 0}
        assert sum(theirs["unresolved"].values()) == 0
        assert theirs["departments"] == [] and theirs["latest"] == []
        assert all(d["received"] == d["red"] == d["yellow"] == 0 for d in theirs["trend"])
    with client_as(db, "e_supervisor", region="330900") as city:
        assert city.get("/api/v1/screen").json()["today"]["received"] == 2


def test_the_screen_is_for_signed_in_readers(db: Database) -> None:
    with client_as(db) as supervisor:
        anonymous = supervisor.__class__(supervisor.app, base_url="https://testserver")
        for path in ("/api/v1/screen", "/api/v1/screen/stream"):
            refused = anonymous.get(path)
            assert refused.status_code == 401 and refused.json()["error"]["message_en"]


def first_event(lines: Any) -> tuple[str, dict[str, Any]]:
    """The first event of a stream: its name and its data."""
    name, data = "", ""
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif not line and name:
            return name, json.loads(data)
    raise AssertionError("the stream ended before its first event")


def test_the_stream_sends_the_snapshot_at_once(db: Database) -> None:
    today_cases(db)
    with (
        client_as(db) as supervisor,
        supervisor.stream("GET", "/api/v1/screen/stream") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, figures = first_event(response.iter_lines())
    assert name == "snapshot"
    assert figures["today"]["received"] == 2
    assert figures["version"] == supervisor.get("/api/v1/screen").json()["version"]


def test_the_stream_sends_the_figures_again_when_they_change(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIANCHA_SCREEN_INTERVAL", "0.1")
    today_cases(db)
    with (
        client_as(db) as supervisor,
        supervisor.stream("GET", "/api/v1/screen/stream") as response,
    ):
        lines = response.iter_lines()
        _, before = first_event(lines)
        push(db, event(14, "T-3", at=(utcnow() - timedelta(seconds=1)).astimezone(LOCAL).isoformat()))
        name, after = first_event(lines)
    assert name == "snapshot" and after["version"] != before["version"]
    assert after["today"]["received"] == before["today"]["received"] + 1


def test_a_stream_past_its_lifetime_asks_the_browser_to_reconnect(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each reconnection is checked against the session again: a signed-out screen stops receiving.
    monkeypatch.setenv("JIANCHA_SCREEN_LIFETIME", "0")
    with client_as(db) as supervisor:
        body = supervisor.get("/api/v1/screen/stream").text
    assert body.startswith("retry: ")
    assert "event: snapshot\n" in body and body.endswith("event: renew\ndata: {}\n\n")
