"""Ingestion (R-ING-1..5) and case deadlines: idempotent, all-or-nothing, judged by the right version."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jiancha.domain.catalogue import CatalogueChange, ChangeKind
from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import start_of_local_day
from jiancha.services import catalogue, clock, ingest, queries, signals
from jiancha.store.database import Database
from jiancha.store.tables import attachment_refs, attachments, cases, events, ledger

from .conftest import event, licence_item


def push(db: Database, *evs: dict[str, object]) -> ingest.BatchResult:
    return ingest.ingest_events(db, ingest.validate_events(list(evs)))


def count(db: Database, table: object) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def case(db: Database, case_no: str = "C-1") -> dict[str, object]:
    detail = queries.case_detail(db, case_no)
    assert detail is not None
    return detail


def test_an_accept_event_creates_the_case_with_its_due_dates(db: Database) -> None:
    push(db, event(1, at="2026-09-14T09:00:00+08:00"))
    c = case(db)
    assert c["current_step"] == "accept" and c["status"] == "open"
    # 10 working days from Mon 14 Sep 2026: Sunday 20 Sep is a 调休 working day, 25-27 Sep Mid-autumn.
    assert c["promised_due"] == "2026-09-28"
    # 20 working days: across National Day (1-7 Oct) with Saturday 10 Oct working.
    assert c["legal_due"] == "2026-10-16"
    assert c["step_due"] == "2026-09-15"  # the accept step has a one-day limit
    with db.read() as conn:
        nxt = conn.execute(select(cases.c.next_check_at)).scalar_one()
    assert nxt == start_of_local_day(date(2026, 9, 15))


def test_a_repeated_event_is_stored_once_and_answered_as_duplicate(db: Database) -> None:
    batch = [event(1), event(2, step="undertake", post="承办岗", at="2026-09-15T10:00:00+08:00")]
    first = push(db, *batch)
    again = push(db, *batch, event(3, step="review", post="审核岗", at="2026-09-16T10:00:00+08:00"))
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (1, 2)
    assert [o.status for o in again.outcomes] == ["duplicate", "duplicate", "accepted"]
    inside = push(
        db,
        event(4, step="approve", post="批准岗", at="2026-09-17T10:00:00+08:00"),
        event(4, step="approve", post="批准岗", at="2026-09-17T10:00:00+08:00"),
    )
    assert [o.status for o in inside.outcomes] == ["accepted", "duplicate"]
    assert count(db, events) == 4
    assert case(db)["event_count"] == 4


def test_a_promised_day_the_department_states_is_the_case_s_and_the_clock_wakes_for_it(db: Database) -> None:
    """attributes.promised_due (承诺办结日期 on the receipt) stands instead of the item's 10 working
    days, survives the next event's incremental fold, and a bad one is refused naming it."""
    push(db, event(1, attributes={"promised_due": "2026-09-18"}))
    push(db, event(2, step="undertake", at="2026-09-15T10:00:00+08:00"))
    c = case(db)
    assert (c["promised_due"], c["legal_due"]) == ("2026-09-18", "2026-10-16")
    clock.sweep(db, datetime(2026, 9, 18, 3, tzinfo=UTC))
    _, due = signals.list_signals(db, signals.SignalFilter(rule_id="TL-PROMISED-DUE"))
    assert [(s["case_no"], s["deadline"]) for s in due] == [("C-1", "2026-09-18")]
    assert due[0]["explanation"]["values"]["stated"] is True
    with pytest.raises(Rejected) as err:
        ingest.validate_events([event(3, attributes={"promised_due": "next Friday"})])
    (problem,) = err.value.problems
    assert problem.field == "attributes" and "promised_due" in problem.message_en
    assert "承诺办结日期" in problem.message_zh


def test_a_batch_with_a_bad_event_is_rejected_whole_naming_each_field(db: Database) -> None:
    bad = [
        event(1),
        event(2, occurred_at="yesterday"),
        {**event(3), "action": "teleport"},
        {**event(4), "actor": ""},
    ]
    with pytest.raises(Rejected) as err:
        ingest.validate_events(bad)
    found = {(p.index, p.field) for p in err.value.problems}
    assert found == {(1, "occurred_at"), (2, "action"), (3, "actor")}
    assert all(p.message_zh and p.message_en for p in err.value.problems)
    assert count(db, events) == 0 and count(db, ledger) == count_catalogue_entries(db)


def count_catalogue_entries(db: Database) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(ledger).where(ledger.c.kind != "event")
            ).scalar_one()
        )


def test_an_unknown_item_rejects_the_batch_and_writes_nothing(db: Database) -> None:
    before = count(db, ledger)
    with pytest.raises(Rejected) as err:
        push(db, event(1), event(2, case_no="C-2", item_code="NOPE-1"))
    assert [(p.index, p.field, p.code) for p in err.value.problems] == [(1, "item_code", "unknown_item")]
    assert count(db, events) == 0 and count(db, cases) == 0 and count(db, ledger) == before


def test_events_in_the_future_are_refused() -> None:
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    with pytest.raises(Rejected) as err:
        ingest.validate_events([event(1, at=later)])
    assert err.value.problems[0].field == "occurred_at"


def test_both_occurred_and_received_instants_are_kept(db: Database) -> None:
    push(db, event(1, at="2026-09-14T09:00:00+08:00"))
    ev = case(db)["events"][0]  # type: ignore[index]
    assert ev["occurred_at"] == "2026-09-14T09:00:00+08:00"
    assert ev["received_at"] > "2026-11-01"


def test_suspension_stops_the_clock(db: Database) -> None:
    push(
        db,
        event(1, at="2026-09-14T09:00:00+08:00"),
        event(
            2,
            step="undertake",
            action="suspend",
            post="承办岗",
            at="2026-09-15T09:00:00+08:00",
            attributes={"reason": "hearing"},
        ),
    )
    c = case(db)
    assert c["status"] == "suspended" and c["suspension_reason"] == "hearing"
    with db.read() as conn:
        assert conn.execute(select(cases.c.next_check_at)).scalar_one() is None, "no clock while suspended"
    push(db, event(3, step="undertake", action="resume", post="承办岗", at="2026-09-22T09:00:00+08:00"))
    c = case(db)
    # Stopped for the working days after 15 Sep up to 22 Sep: 16, 17, 18, 20 (调休), 21, 22.
    assert c["status"] == "open" and c["suspended_days"] == 6
    assert c["legal_due"] == "2026-10-26"


def test_events_arriving_out_of_order_give_the_same_case_as_in_order(db: Database) -> None:
    steps = [
        ("accept", "accept", "2026-09-14T09:00:00+08:00"),
        ("undertake", "undertake", "2026-09-15T09:00:00+08:00"),
        ("undertake", "suspend", "2026-09-16T09:00:00+08:00"),
        ("undertake", "resume", "2026-09-21T09:00:00+08:00"),
        ("review", "review", "2026-09-22T09:00:00+08:00"),
    ]
    views = []
    for k, order in enumerate(itertools.islice(itertools.permutations(range(5)), 0, 120, 29)):
        case_no = f"P-{k}"
        for j in order:
            step, action, at = steps[j]
            push(db, event(k * 10 + j, case_no=case_no, step=step, action=action, at=at))
        v = case(db, case_no)
        views.append(
            {
                key: v[key]
                for key in (
                    "status",
                    "current_step",
                    "legal_due",
                    "promised_due",
                    "step_due",
                    "suspended_days",
                    "event_count",
                    "step_entered_at",
                )
            }
        )
    assert all(v == views[0] for v in views), views
    # Stopped 16 Sep to 21 Sep: 17, 18, 20 (调休 Sunday) and 21 Sep.
    assert views[0]["current_step"] == "review" and views[0]["suspended_days"] == 4


def test_a_case_is_judged_by_the_version_in_force_when_it_was_received(db: Database) -> None:
    longer = licence_item(legal_limit_days=30)
    catalogue.apply_changes(
        db,
        [
            CatalogueChange(
                kind=ChangeKind.change,
                code=longer.code,
                effective_from=datetime(2026, 10, 1, tzinfo=UTC),
                item=longer,
            )
        ],
    )
    push(
        db,
        event(1, case_no="OLD", at="2026-09-14T09:00:00+08:00"),
        event(2, case_no="NEW", at="2026-10-12T09:00:00+08:00"),
    )
    old, new = case(db, "OLD"), case(db, "NEW")
    assert (old["item_version"], new["item_version"]) == (1, 2)
    assert old["legal_due"] == "2026-10-16"
    assert new["legal_due"] == "2026-11-23"  # 30 working days after 12 Oct 2026


def test_a_deadline_in_a_year_without_holiday_data_falls_back_and_says_so(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jiancha.services import calendar as calendar_service

    monkeypatch.setattr(calendar_service, "_warned", set())  # the warning is logged once per process
    # A penalty case registered on 20 Nov 2026 has 90 working days: its deadline lies in 2027.
    result = push(db, event(1, item_code="SCJG-CF-001", step="register", at="2026-11-20T09:00:00+08:00"))
    assert result.calendar_fallback == (2027,)
    assert any("2027" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    c = case(db)
    assert c["calendar_notice"] is not None and "2027" in c["calendar_notice"]["message_zh"]  # type: ignore[index]
    # 29 working days left in 2026 (no holidays after 20 Nov), then 61 Monday-to-Friday days of 2027.
    assert c["legal_due"] == "2027-03-26"


def _upload(db: Database, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    with db.write() as conn:
        conn.execute(
            attachments.insert().values(
                sha256=digest,
                size=len(content),
                media_type="text/plain",
                filename="a.txt",
                content=content,
                uploaded_by="SYS-A",
                uploaded_at=datetime.now(UTC),
            )
        )
    return digest


def test_materials_lock_when_their_step_closes_and_a_later_change_is_flagged(db: Database) -> None:
    original, forged = _upload(db, b"application v1"), _upload(db, b"application v2")
    with pytest.raises(Rejected) as err:
        push(db, event(1, attributes={"attachments": [{"name": "申请书", "sha256": "a" * 64}]}))
    assert err.value.problems[0].field == "attributes.attachments[0].sha256"
    push(db, event(1, attributes={"attachments": [{"name": "申请书", "sha256": original}]}))
    with db.read() as conn:
        assert conn.execute(select(attachment_refs.c.locked_at)).scalar_one() is None
    push(db, event(2, step="undertake", post="承办岗", at="2026-09-15T09:00:00+08:00"))
    push(
        db,
        event(
            3,
            step="accept",
            post="受理岗",
            at="2026-09-16T09:00:00+08:00",
            attributes={"attachments": [{"name": "申请书", "sha256": forged}]},
        ),
    )
    with db.read() as conn:
        rows = conn.execute(select(attachment_refs).order_by(attachment_refs.c.id)).all()
    assert rows[0].locked_at is not None
    assert rows[1].changed_after_lock is True


def test_the_clock_visits_only_due_cases_and_moves_them_on(db: Database) -> None:
    push(
        db,
        event(1, case_no="EARLY", at="2026-09-14T09:00:00+08:00"),
        event(2, case_no="LATER", at="2026-11-16T09:00:00+08:00"),
    )
    now = datetime(2026, 9, 16, 12, tzinfo=UTC)
    assert clock.sweep(db, now) == 1
    with db.read() as conn:
        nxt = dict(conn.execute(select(cases.c.case_no, cases.c.next_check_at)).all())  # type: ignore[arg-type]
    assert nxt["EARLY"] == start_of_local_day(date(2026, 9, 28)), "next: the promised due date begins"
    assert nxt["LATER"] == start_of_local_day(date(2026, 11, 17))
    assert clock.sweep(db, now) == 0, "nothing is due twice"


def test_two_ingesters_at_once_store_each_event_once_and_keep_the_chain(db: Database) -> None:
    """Two departmental systems pushing overlapping batches at the same moment."""
    from concurrent.futures import ThreadPoolExecutor

    from jiancha.services import integrity

    batches = [
        [event(n, case_no=f"C-{n % 7}", at=f"2026-09-14T09:{n % 60:02d}:00+08:00") for n in range(s, s + 300)]
        for s in (0, 150, 300, 0)
    ]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: push(db, *b), batches))
    assert sum(r.accepted for r in results) == 600
    assert sum(r.duplicates for r in results) == 600
    assert count(db, events) == 600
    assert integrity.check(db).ok


def test_an_event_id_reused_for_other_content_is_refused_as_a_conflict(db: Database) -> None:
    push(db, event(1))
    with pytest.raises(Rejected) as err:
        push(db, event(2, step="undertake", post="承办岗"), {**event(1), "actor": "李四"})
    assert err.value.status == 409
    assert [(p.index, p.field, p.code) for p in err.value.problems] == [(1, "event_id", "conflict")]
    with pytest.raises(Rejected):
        push(db, event(3), {**event(3), "actor": "王五"})
    assert count(db, events) == 1


def test_a_new_case_cannot_take_two_items_in_one_batch(db: Database) -> None:
    with pytest.raises(Rejected) as err:
        push(db, event(1, case_no="M1"), event(2, case_no="M1", item_code="SCJG-CF-001", step="register"))
    assert [(p.index, p.code) for p in err.value.problems] == [(1, "item_mismatch")]
    assert count(db, cases) == 0


def test_a_registration_is_recorded_once_and_its_check_code_never_changes(db: Database) -> None:
    from jiancha.domain.events import CaseIn

    body = CaseIn.model_validate(
        {
            "source_system": "SYS-A",
            "case_no": "R1",
            "item_code": "SCJG-XK-001",
            "received_at": "2026-09-14T08:00:00+08:00",
        }
    )
    status, code = ingest.register_case(db, body)
    assert status == "created"
    assert ingest.register_case(db, body) == ("duplicate", code)
    push(db, event(1, case_no="R2"))
    status, late_code = ingest.register_case(db, body.model_copy(update={"case_no": "R2"}))
    assert status == "completed"
    assert ingest.register_case(db, body.model_copy(update={"case_no": "R2"})) == ("duplicate", late_code)


def test_registering_and_ingesting_the_same_new_case_at_once_never_fails(db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from jiancha.domain.events import CaseIn

    def register(n: int) -> object:
        return ingest.register_case(
            db,
            CaseIn.model_validate(
                {
                    "source_system": "SYS-A",
                    "case_no": f"RACE-{n}",
                    "item_code": "SCJG-XK-001",
                    "received_at": "2026-09-14T08:00:00+08:00",
                }
            ),
        )

    def send(n: int) -> object:
        return push(db, event(n, case_no=f"RACE-{n}"))

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(f, n) for n in range(30) for f in (register, send)]
        for f in futures:
            f.result()
    assert count(db, cases) == 30


def test_loading_next_years_schedule_corrects_deadlines_already_computed(db: Database) -> None:
    from jiancha.services.calendar import load_year, parse_schedule

    push(db, event(1, item_code="SCJG-CF-001", step="register", at="2026-11-20T09:00:00+08:00"))
    push(db, event(2, case_no="DONE", at="2026-09-14T09:00:00+08:00"))
    before = case(db)
    assert before["legal_due"] == "2027-03-26" and before["calendar_notice"] is not None
    # Spring Festival 2027 (hypothetical schedule): 8-12 February off, Saturday 20 February working.
    rows = "date,workday,name\n" + "".join(f"2027-02-{d:02d},false,春节\n" for d in range(8, 13))
    _, days = parse_schedule((rows + "2027-02-20,true,春节\n").encode(), "2027.csv")
    assert load_year(db, 2027, days, source="file", by="tester") == 1
    after = case(db)
    # Five weekdays off and one Saturday on: the 90th working day moves four working days later.
    assert after["legal_due"] == "2027-04-01" and after["calendar_notice"] is None
    assert case(db, "DONE")["legal_due"] == "2026-10-16", "cases not running through 2027 are untouched"
