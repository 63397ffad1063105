"""Signals through the real pipeline: raised on ingest and by the clock, once per case and rule,
stamped when their condition arose, explained, ledgered, and readable through API and CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from jiancha.services import clock, ingest, integrity, signals
from jiancha.store.database import Database
from jiancha.store.tables import ledger
from jiancha.store.tables import signals as signal_table

from .conftest import Desk, event, licence_item


def push(db: Database, *evs: dict[str, object]) -> ingest.BatchResult:
    return ingest.ingest_events(db, ingest.validate_events(list(evs)))


def raised(db: Database, case_no: str = "C-1") -> dict[str, dict[str, object]]:
    _, rows = signals.list_signals(db, signals.SignalFilter(case_no=case_no))
    return {str(r["rule_id"]): r for r in rows}


def test_an_irregular_event_raises_its_signal_on_arrival_with_an_explanation(db: Database) -> None:
    result = push(db, event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"))
    assert result.signals >= 2
    got = raised(db)
    skipped = got["PR-SKIPPED"]
    assert skipped["colour"] == "red" and skipped["state"] == "open"
    assert skipped["raised_at"] == "2026-09-15T09:00:00+08:00"
    assert skipped["explanation"]["values"]["skipped"] == ["undertake", "review"]  # type: ignore[index]
    assert skipped["explanation"]["events"] == ["SYS-A/E-2"]  # type: ignore[index]
    assert "跳过必经环节" in str(skipped["message_zh"]) and "skipping" in str(skipped["message_en"])
    assert "EV-LEGAL-BASIS" in got and "EV-MISSING" in got


def test_a_rule_speaks_once_per_case(db: Database) -> None:
    push(db, event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"))
    push(db, event(3, step="approve", action="approve", post="批准岗", at="2026-09-16T09:00:00+08:00"))
    with db.read() as conn:
        rules = [
            r for (r,) in conn.execute(select(signal_table.c.rule_id).where(signal_table.c.case_no == "C-1"))
        ]
    assert len(rules) == len(set(rules))


def test_after_days_of_downtime_one_sweep_raises_what_was_missed_at_its_true_instant(db: Database) -> None:
    accepted = datetime(2026, 9, 14, 2, tzinfo=UTC)  # 10:00 in Shanghai, the moment it arrived
    ingest.ingest_events(db, ingest.validate_events([event(1, at="2026-09-14T09:00:00+08:00")]), now=accepted)
    assert not raised(db), "nothing is due on the day of acceptance"
    # The worker was down from 15 September until 20 October; one sweep catches up.
    assert clock.sweep(db, datetime(2026, 10, 20, 4, tzinfo=UTC)) == 1
    got = raised(db)
    assert got["TL-LEGAL-OVERDUE"]["raised_at"] == "2026-10-17T00:00:00+08:00"
    assert got["TL-LEGAL-WARN"]["raised_at"] == "2026-10-13T00:00:00+08:00"
    assert got["TL-PROMISED-DUE"]["raised_at"] == "2026-09-28T00:00:00+08:00"
    assert got["TL-LEGAL-OVERDUE"]["deadline"] == "2026-10-16"
    assert clock.sweep(db, datetime(2026, 10, 20, 5, tzinfo=UTC)) == 0, "nothing due twice"


def test_every_signal_is_in_the_ledger_and_verify_still_passes(db: Database) -> None:
    push(db, event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"))
    with db.read() as conn:
        seqs = set(conn.execute(select(signal_table.c.ledger_seq)).scalars())
        kinds = {s: k for s, k in conn.execute(select(ledger.c.seq, ledger.c.kind))}
    assert seqs and all(kinds[s] == "signal" for s in seqs)
    assert integrity.check(db).ok


def test_signals_through_the_api(db: Database) -> None:
    push(db, event(1), event(2, step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"))
    with Desk(db) as client:
        body = client.get("/api/v1/signals", params={"colour": "red"}).json()
        assert body["total"] >= 1 and all(s["colour"] == "red" for s in body["signals"])
        assert body["counts"]["red"] == body["total"]
        assert client.get("/api/v1/signals", params={"colour": "purple"}).status_code == 422


def test_an_overdue_completed_case_is_red_at_its_deadline(db: Database) -> None:
    push(
        db,
        event(1, at="2026-09-14T09:00:00+08:00"),
        event(2, step="complete", action="complete", at="2026-10-20T09:00:00+08:00"),
    )
    red = raised(db)["TL-LEGAL-OVERDUE"]
    assert red["raised_at"] == "2026-10-17T00:00:00+08:00"
    assert red["explanation"]["values"]["completed_at"].startswith("2026-10-20")  # type: ignore[index]


def test_backtesting_a_pack_reports_what_it_would_raise_and_writes_nothing(db: Database) -> None:
    from datetime import date

    from sqlalchemy import func

    from jiancha.services import backtest, packs

    day = datetime(2026, 9, 14, 2, tzinfo=UTC)
    ingest.ingest_events(
        db,
        ingest.validate_events(
            [
                event(1),
                event(2, case_no="C-2"),
                event(3, case_no="C-2", step="approve", post="批准岗", at="2026-09-15T09:00:00+08:00"),
            ]
        ),
        now=day,
    )
    with db.read() as conn:
        before = (
            conn.execute(select(func.count()).select_from(signal_table)).scalar_one(),
            conn.execute(select(func.count()).select_from(ledger)).scalar_one(),
        )
    report = backtest.backtest(
        db,
        packs.load("qitaihe"),
        packs.load("default"),
        date(2026, 9, 1),
        date(2026, 10, 31),
        now=datetime(2026, 11, 20, tzinfo=UTC),
    )
    assert report["cases"] == 2
    # Judged at 31 October: both cases are past their 16 October limit, yellow and red each.
    assert report["candidate"]["by_rule"] == {"QTH-RED": 2, "QTH-YELLOW": 2}
    assert report["in_force"]["by_rule"]["PR-SKIPPED"] == 1
    assert report["difference"]["total"] == report["candidate"]["total"] - report["in_force"]["total"]
    with db.read() as conn:
        after = (
            conn.execute(select(func.count()).select_from(signal_table)).scalar_one(),
            conn.execute(select(func.count()).select_from(ledger)).scalar_one(),
        )
    assert after == before
    with Desk(db) as client:
        api = client.get(
            "/api/v1/packs/qitaihe/backtest", params={"from": "2026-09-01", "to": "2026-10-31"}
        ).json()
        assert api["candidate"]["pack"] == "qitaihe" and api["cases"] == 2
        assert (
            client.get(
                "/api/v1/packs/nope/backtest", params={"from": "2026-09-01", "to": "2026-10-31"}
            ).status_code
            == 404
        )
        assert {p["pack"] for p in client.get("/api/v1/packs").json()["packs"]} >= {
            "default",
            "shenzhen-2007",
        }


def _yellow(db: Database) -> int:
    """A case whose step went to a post not allowed there: a yellow PR-POST on 15 September."""
    accepted = datetime(2026, 9, 15, 2, tzinfo=UTC)
    ingest.ingest_events(
        db,
        ingest.validate_events(
            [event(1), event(2, step="undertake", post="受理岗", at="2026-09-15T09:00:00+08:00")]
        ),
        now=accepted,
    )
    with db.read() as conn:
        return int(
            conn.execute(select(signal_table.c.id).where(signal_table.c.rule_id == "PR-POST")).scalar_one()
        )


def test_a_signal_moves_through_its_life_attributed_and_ledgered(db: Database) -> None:
    from jiancha.domain.rules.lifecycle import SignalState

    sid = _yellow(db)
    with Desk(db) as client:
        bad = client.post(f"/api/v1/signals/{sid}/moves", json={"to": "closed", "by": "监察员甲"})
        assert bad.status_code == 409 and bad.json()["error"]["message_zh"]
        no_reason = client.post(f"/api/v1/signals/{sid}/moves", json={"to": "withdrawn", "by": "监察员甲"})
        assert no_reason.status_code == 409 and "reason" in no_reason.json()["error"]["message_en"]
        r = client.post(
            f"/api/v1/signals/{sid}/moves",
            json={"to": "explained", "by": "市场监管局", "reason": "承办人临时顶岗，已补授权"},
        )
        assert r.status_code == 200 and r.json()["state"] == "explained"
    signals.move(db, sid, SignalState.rectified, "监察员甲")
    done = signals.move(db, sid, SignalState.closed, "监察员甲")
    assert [(h["from"], h["to"], h["by"]) for h in done["history"]] == [
        ("open", "explained", "科长乙 (official)"),  # the signed-in official, whatever the body says
        ("explained", "rectified", "监察员甲"),
        ("rectified", "closed", "监察员甲"),
    ]
    with db.read() as conn:
        kinds = [
            k for (k,) in conn.execute(select(ledger.c.kind).where(ledger.c.kind == "signal_transition"))
        ]
    assert len(kinds) == 3
    assert integrity.check(db).ok


def test_a_yellow_not_corrected_within_one_working_day_becomes_red_linked_to_it(db: Database) -> None:
    sid = _yellow(db)
    # Raised Tuesday 15 September; corrected by the end of Wednesday 16th, or red from then on.
    clock.sweep(db, datetime(2026, 9, 16, 10, tzinfo=UTC))
    assert "ESC-PR-POST" not in raised(db)
    clock.sweep(db, datetime(2026, 9, 18, 2, tzinfo=UTC))
    red = raised(db)["ESC-PR-POST"]
    assert red["colour"] == "red" and red["raised_at"] == "2026-09-17T00:00:00+08:00"
    assert red["explanation"]["values"]["yellow"] == sid  # type: ignore[index]
    assert signals.signal_detail(db, int(red["id"]))["escalated_from"] == sid  # type: ignore[index, arg-type]
    clock.sweep(db, datetime(2026, 9, 19, 2, tzinfo=UTC))
    with db.read() as conn:
        escalations = conn.execute(
            select(signal_table.c.id).where(signal_table.c.rule_id == "ESC-PR-POST")
        ).all()
    assert len(escalations) == 1, "a yellow escalates once"


def test_a_yellow_corrected_in_time_does_not_escalate(db: Database) -> None:
    from jiancha.domain.rules.lifecycle import SignalState

    sid = _yellow(db)
    signals.move(db, sid, SignalState.rectified, "市场监管局", now=datetime(2026, 9, 16, 3, tzinfo=UTC))
    clock.sweep(db, datetime(2026, 9, 18, 2, tzinfo=UTC))
    assert "ESC-PR-POST" not in raised(db)


def test_three_cases_in_a_row_of_one_item_with_yellow_turn_red(db: Database) -> None:
    """Category = one item at one department; in a row = its last three cases by reception."""
    from jiancha.services import attachments

    day = datetime(2026, 9, 15, 2, tzinfo=UTC)  # judged as each case arrives: nothing is late
    form, _ = attachments.store(db, "申请书".encode())  # no case lacks its material
    given = {"attachments": [{"name": "申请书", "sha256": form}]}

    def case(n: int, yellow: bool) -> None:
        post = "受理岗" if yellow else "承办岗"  # a 受理岗 at 承办 is the yellow PR-POST
        accept = event(10 * n, case_no=f"R-{n}", at=f"2026-09-14T16:0{n}:00+08:00", attributes=given)
        undertake = event(
            10 * n + 1, case_no=f"R-{n}", step="undertake", post=post, at=f"2026-09-15T09:0{n}:00+08:00"
        )
        ingest.ingest_events(db, ingest.validate_events([accept, undertake]), now=day)

    case(1, True)
    case(2, False)  # breaks the row
    case(3, True)
    case(4, True)
    assert {n: sorted(raised(db, f"R-{n}")) for n in range(1, 5)} == {
        1: ["PR-POST"],
        2: [],
        3: ["PR-POST"],
        4: ["PR-POST"],
    }
    case(5, True)
    red = raised(db, "R-5")["ESC-REPEAT"]
    assert red["colour"] == "red"
    assert red["explanation"]["values"]["cases"] == ["R-3", "R-4", "R-5"]  # type: ignore[index]
    assert len(red["explanation"]["values"]["yellow_signals"]) == 3  # type: ignore[index]
    assert integrity.check(db).ok


def test_an_early_warning_never_escalates_its_deadline_has_its_own_red(db: Database) -> None:
    accepted = datetime(2026, 9, 14, 2, tzinfo=UTC)
    ingest.ingest_events(db, ingest.validate_events([event(1, at="2026-09-14T09:00:00+08:00")]), now=accepted)
    clock.sweep(db, datetime(2026, 10, 16, 2, tzinfo=UTC))  # warned on 13 October, due on the 16th
    got = raised(db)
    assert got["TL-LEGAL-WARN"]["colour"] == "yellow" and "TL-LEGAL-OVERDUE" not in got
    # The step limit passed long ago and nobody corrected it: that yellow is a fault, and escalates.
    assert "ESC-TL-LEGAL-WARN" not in got and "ESC-TL-STEP-OVERDUE" in got
    clock.sweep(db, datetime(2026, 10, 19, 2, tzinfo=UTC))
    assert "TL-LEGAL-OVERDUE" in raised(db) and "ESC-TL-LEGAL-WARN" not in raised(db)


def test_a_catalogue_version_is_parsed_once_and_known_by_its_content() -> None:
    content = licence_item().model_dump(mode="json")
    longer = {**content, "legal_limit_days": 30}
    assert signals._item(content) is signals._item(dict(content))
    # Another database may hold other content under the same version id: content decides.
    assert signals._item(longer).legal_limit_days == 30 and signals._item(content).legal_limit_days == 20


def test_a_year_seeded_after_a_case_was_judged_monday_to_friday_counts_in_the_sweep(db: Database) -> None:
    """The sweep may judge a case from its stored due dates; not when they were counted Monday–Friday
    for a year whose schedule has arrived since without the cases being recomputed (a schedule
    written straight into the tables)."""
    from datetime import date

    from jiancha.domain.clock.calendar import CalendarDay
    from jiancha.store import calendar as calendar_store

    from .conftest import add_items, licence_item

    item = licence_item("SCJG-XK-040", legal_limit_days=40, promised_limit_days=30)
    add_items(db, item)
    accepted = event(1, at="2026-11-20T09:00:00+08:00", item_code=item.code)
    ingest.ingest_events(db, ingest.validate_events([accepted]), now=datetime(2026, 11, 20, 2, tzinfo=UTC))
    with db.write() as conn:  # a year written without recomputing the cases it touches
        holidays = [CalendarDay(date(2027, 1, d), False, "测试假") for d in range(4, 9)]
        calendar_store.save_year(
            conn, 2027, holidays, source="test", by="test", at=datetime(2026, 12, 1, tzinfo=UTC)
        )
    with db.read() as conn:
        legal_due = calendar_store.load(conn).add_working_days(date(2026, 11, 20), 40)
    clock.sweep(db, datetime(2027, 3, 1, 2, tzinfo=UTC))
    assert raised(db)["TL-LEGAL-OVERDUE"]["deadline"] == legal_due.isoformat() == "2027-01-22"


def test_a_department_explains_with_materials_that_must_have_been_uploaded(db: Database) -> None:
    from jiancha.services import attachments

    sid = _yellow(db)
    letter, _ = attachments.store(db, "情况说明：承办人临时顶岗".encode(), filename="情况说明.pdf")
    with Desk(db) as client:
        url = f"/api/v1/signals/{sid}/moves"
        unknown = {"name": "授权书", "sha256": "f" * 64}
        refused = client.post(
            url, json={"to": "explained", "by": "市场监管局", "reason": "已补授权", "materials": [unknown]}
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["problems"][0]["field"] == "materials[0].sha256"
        assert client.get(f"/api/v1/signals/{sid}").json()["state"] == "open", "nothing of it was kept"
        given = {"name": "情况说明", "sha256": letter}
        explained = client.post(
            url, json={"to": "explained", "by": "市场监管局", "reason": "已补授权", "materials": [given]}
        ).json()
    assert explained["state"] == "explained" and explained["history"][-1]["materials"] == [given]
    with db.read() as conn:
        entry = conn.execute(
            select(ledger.c.payload).where(ledger.c.kind == "signal_transition")
        ).scalar_one()
    assert b'"materials"' in bytes(entry) and letter.encode() in bytes(entry)
    assert integrity.check(db).ok
