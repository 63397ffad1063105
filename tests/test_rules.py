"""Rule families as the regulations describe them (R-SIG-1, R-SIG-3, R-SIG-6), pure and reproducible."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from jiancha.domain.catalogue import ItemStatus, PowerItem
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.events import Action
from jiancha.domain.monitors import MONITORS
from jiancha.domain.rules.engine import evaluate, first_per_rule
from jiancha.domain.rules.model import CaseFacts, Colour, Context, RecordedEvent
from jiancha.domain.rules.pack import Pack, render
from jiancha.domain.timeutil import LOCAL, end_of_local_day, start_of_local_day
from jiancha.services.calendar import package_schedule
from jiancha.services.packs import load, shipped

from .conftest import licence_item, penalty_item

_schedule = package_schedule()
CHINA = WorkCalendar({d.day: d.is_workday for y in _schedule.values() for d in y}, _schedule)
DEFAULT = load("default")


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LOCAL).astimezone(UTC)


def ev(n: int, step: str, action: str, day: str, post: str = "", **attributes: object) -> RecordedEvent:
    return RecordedEvent(
        "SYS", f"E{n}", step, Action(action), "张三", post, at(day), at(day), dict(attributes)
    )


def findings(
    events: list[RecordedEvent],
    now: str,
    item: PowerItem | None = None,
    status: ItemStatus = ItemStatus.active,
    pack: Pack = DEFAULT,
) -> dict[str, object]:
    facts = CaseFacts("C-1", item or licence_item(), status, events[0].occurred_at, tuple(events))
    found = first_per_rule(evaluate(pack.compiled(), Context(facts, CHINA, at(now, 12))))
    return {f.rule_id: f for f in found}


ACCEPTED = [
    ev(1, "accept", "accept", "2026-09-14", "受理岗", attachments=[{"name": "申请书", "sha256": "a" * 64}])
]


def test_green_on_the_promised_due_date_stamped_at_its_start() -> None:
    f = findings(ACCEPTED, "2026-09-28")
    assert f["TL-PROMISED-DUE"].colour is Colour.green  # type: ignore[attr-defined]
    assert f["TL-PROMISED-DUE"].at == start_of_local_day(date(2026, 9, 28))  # type: ignore[attr-defined]
    assert "TL-LEGAL-WARN" not in f and "TL-LEGAL-OVERDUE" not in f


def test_yellow_three_working_days_before_the_legal_limit() -> None:
    # Legal due 16 Oct 2026; three working days before: 13 Oct.
    f = findings(ACCEPTED, "2026-10-13")
    assert f["TL-LEGAL-WARN"].at == start_of_local_day(date(2026, 10, 13))  # type: ignore[attr-defined]
    assert "TL-LEGAL-OVERDUE" not in f


def test_red_when_overdue_is_stamped_when_the_deadline_passed_not_when_seen() -> None:
    f = findings(ACCEPTED, "2026-11-20")  # seen five weeks late, as after a long downtime
    red = f["TL-LEGAL-OVERDUE"]
    assert red.colour is Colour.red and red.at == end_of_local_day(date(2026, 10, 16))  # type: ignore[attr-defined]
    assert red.deadline == date(2026, 10, 16)  # type: ignore[attr-defined]


def test_a_case_finished_in_time_gets_no_time_signal_and_a_late_one_gets_red() -> None:
    on_time = [*ACCEPTED, ev(2, "complete", "complete", "2026-09-25", "受理岗")]
    late = [*ACCEPTED, ev(2, "complete", "complete", "2026-10-19", "受理岗")]
    assert not [k for k in findings(on_time, "2026-11-20") if k.startswith("TL-")]
    assert "TL-LEGAL-OVERDUE" in findings(late, "2026-11-20")


def test_a_suspended_case_is_not_overdue_while_its_clock_stands() -> None:
    suspended = [*ACCEPTED, ev(2, "undertake", "suspend", "2026-09-15", "承办岗", reason="hearing")]
    assert "TL-LEGAL-OVERDUE" not in findings(suspended, "2026-11-20")


def test_skipping_a_required_step_is_red_and_names_the_steps() -> None:
    skipped = [*ACCEPTED, ev(2, "approve", "approve", "2026-09-15", "批准岗", legal_basis="第三十五条")]
    f = findings(skipped, "2026-09-16")["PR-SKIPPED"]
    assert f.values["skipped"] == ["undertake", "review"] and f.events == ("SYS/E2",)  # type: ignore[attr-defined]


def test_a_rollback_is_red_only_when_the_process_does_not_allow_it() -> None:
    base = [
        *ACCEPTED,
        ev(2, "undertake", "undertake", "2026-09-15", "承办岗"),
        ev(3, "review", "review", "2026-09-16", "审核岗"),
    ]
    legal = [*base, ev(4, "review", "return", "2026-09-17", "审核岗", to_step="undertake")]
    illegal = [*base, ev(4, "review", "return", "2026-09-17", "审核岗", to_step="accept")]
    assert "PR-ROLLBACK" not in findings(legal, "2026-09-18")
    assert findings(illegal, "2026-09-18")["PR-ROLLBACK"].values == {"from": "review", "to": "accept"}  # type: ignore[attr-defined]


def test_an_actor_without_the_post_of_the_step_is_flagged() -> None:
    wrong = [*ACCEPTED, ev(2, "undertake", "undertake", "2026-09-15", "受理岗")]
    assert findings(wrong, "2026-09-16")["PR-POST"].values["allowed"] == ["承办岗"]  # type: ignore[attr-defined]


def test_a_decision_without_legal_basis_is_red() -> None:
    events = [
        *ACCEPTED,
        ev(2, "undertake", "undertake", "2026-09-15", "承办岗"),
        ev(3, "review", "review", "2026-09-16", "审核岗"),
        ev(4, "approve", "approve", "2026-09-17", "批准岗"),
    ]
    assert findings(events, "2026-09-18")["EV-LEGAL-BASIS"].colour is Colour.red  # type: ignore[attr-defined]
    events[-1] = ev(4, "approve", "approve", "2026-09-17", "批准岗", legal_basis="《食品安全法》第三十五条")
    assert "EV-LEGAL-BASIS" not in findings(events, "2026-09-18")


def test_materials_missing_when_a_step_closes_and_changed_after_it_closed() -> None:
    bare = [
        ev(1, "accept", "accept", "2026-09-14", "受理岗"),
        ev(2, "undertake", "undertake", "2026-09-15", "承办岗"),
    ]
    assert findings(bare, "2026-09-16")["EV-MISSING"].values == {"step": "accept", "missing": ["申请书"]}  # type: ignore[attr-defined]
    swapped = [
        *ACCEPTED,
        ev(2, "undertake", "undertake", "2026-09-15", "承办岗"),
        ev(
            3,
            "accept",
            "accept",
            "2026-09-16",
            "受理岗",
            attachments=[{"name": "申请书", "sha256": "b" * 64}],
        ),
    ]
    f = findings(swapped, "2026-09-17")
    assert "EV-MISSING" not in f and f["EV-CHANGED"].values["material"] == "申请书"  # type: ignore[attr-defined]


def test_a_fine_outside_the_discretion_benchmark_is_red() -> None:
    start = ev(1, "register", "register", "2026-09-14")
    inside = [
        start,
        ev(2, "decide", "decide", "2026-09-20", fine="80000", circumstance="一般", legal_basis="x"),
    ]
    outside = [
        start,
        ev(2, "decide", "decide", "2026-09-20", fine="150000", circumstance="一般", legal_basis="x"),
    ]
    assert "PN-DISCRETION" not in findings(inside, "2026-09-21", penalty_item())
    f = findings(outside, "2026-09-21", penalty_item())["PN-DISCRETION"]
    assert f.values["allowed"] == ["50000", "100000"]  # type: ignore[attr-defined]


def test_fees_without_a_standard_and_deposits_are_red() -> None:
    charged = [*ACCEPTED[:1], ev(2, "complete", "complete", "2026-09-15", "受理岗", fee_charged="200")]
    assert findings(charged, "2026-09-16")["PN-FEES"].values == {"charged": "200", "standard": []}  # type: ignore[attr-defined]
    deposit = [ev(1, "accept", "accept", "2026-09-14", "受理岗", deposit="1000")]
    assert "PN-FEES" in findings(deposit, "2026-09-16")


def test_a_suspended_item_still_used_is_red() -> None:
    assert findings(ACCEPTED, "2026-09-15", status=ItemStatus.suspended)["IT-RETIRED"].colour is Colour.red  # type: ignore[attr-defined]
    assert "IT-RETIRED" not in findings(ACCEPTED, "2026-09-15")


def test_the_same_events_give_the_same_findings() -> None:
    events = [*ACCEPTED, ev(2, "approve", "approve", "2026-09-15", "受理岗")]
    assert findings(events, "2026-11-20") == findings(list(events), "2026-11-20")


def test_qitaihe_is_yellow_three_days_before_and_red_after() -> None:
    qitaihe = load("qitaihe")
    assert set(findings(ACCEPTED, "2026-10-13", pack=qitaihe)) == {"QTH-YELLOW"}
    assert set(findings(ACCEPTED, "2026-10-19", pack=qitaihe)) == {"QTH-YELLOW", "QTH-RED"}


@pytest.mark.parametrize("name", shipped())
def test_every_shipped_pack_loads_and_its_messages_fill_in(name: str) -> None:
    pack = load(name)
    assert pack.rules
    for rule in pack.rules:
        # A message names what it is about: the case, or for a watch its item, feed, or the
        # contracting process or party a red flag is about, or the official vehicle; a monitor's
        # rule names its record (tests/test_monitors.py fills its messages from the demo's hits).
        assert rule.family in MONITORS or any(
            f"{{{k}}}" in rule.message_zh for k in ("case_no", "item", "feed", "who_zh", "vehicle")
        )
        assert render(rule.message_en, {"case_no": "C-1"}).count("C-1") <= 1


def _arrived(n: int, step: str, action: str, day: str, received: str, post: str = "") -> RecordedEvent:
    return RecordedEvent(
        "SYS",
        f"E{n}",
        step,
        Action(action),
        "张三",
        post,
        at(day),
        at(received),
        {"legal_basis": "x"} if action == "approve" else {},
    )


def test_an_event_reported_days_after_it_happened_is_late_entry() -> None:
    events = [
        _arrived(1, "accept", "accept", "2026-09-14", "2026-09-14", "受理岗"),
        _arrived(2, "undertake", "undertake", "2026-09-15", "2026-09-18", "承办岗"),
    ]
    f = findings(events, "2026-09-18")["EVD-LATE-ENTRY"]
    assert f.values["delay_hours"] == 72.0 and f.at == at("2026-09-18")  # type: ignore[attr-defined]


def test_a_case_first_seen_already_completed_and_all_in_one_minute_is_flagged() -> None:
    steps = [
        ("accept", "受理岗"),
        ("undertake", "承办岗"),
        ("review", "审核岗"),
        ("approve", "批准岗"),
        ("complete", "受理岗"),
    ]
    events = [_arrived(k, s, s, "2026-09-14", "2026-09-14", p) for k, (s, p) in enumerate(steps)]
    f = findings(events, "2026-09-15")
    assert "EVD-BORN-DONE" in f and f["EVD-SAME-MINUTE"].values["steps"] == 5  # type: ignore[attr-defined]
    spread = [
        _arrived(k, s, s, f"2026-09-{14 + k}", f"2026-09-{14 + k}", p) for k, (s, p) in enumerate(steps)
    ]
    assert not {"EVD-BORN-DONE", "EVD-SAME-MINUTE", "EVD-LATE-ENTRY"} & set(findings(spread, "2026-09-30"))


def _decided(*later: RecordedEvent) -> list[RecordedEvent]:
    """A penalty decided on 2 November 2026 at 60,000 yuan."""
    return [
        ev(1, "register", "register", "2026-10-12"),
        ev(2, "investigate", "investigate", "2026-10-13"),
        ev(3, "inform", "inform", "2026-10-20"),
        ev(
            4,
            "decide",
            "decide",
            "2026-11-02",
            fine="60000",
            circumstance="一般",
            legal_basis="第一百二十二条",
        ),
        ev(5, "serve", "serve", "2026-11-03"),
        *later,
    ]


def test_execution_different_from_the_decision_is_red_and_names_both_values() -> None:
    differs = _decided(ev(6, "execute", "execute", "2026-11-05", amount="50000"))
    f = findings(differs, "2026-11-06", item=penalty_item())["EX-DIFFERS"]
    assert f.colour is Colour.red  # type: ignore[attr-defined]
    assert f.values == {"what": "amount", "decided": "60000", "executed": "50000"}  # type: ignore[attr-defined]
    assert f.events == ("SYS/E4", "SYS/E6")  # type: ignore[attr-defined]
    same = _decided(ev(6, "execute", "execute", "2026-11-05", amount="60000.00"))
    assert "EX-DIFFERS" not in findings(same, "2026-11-06", item=penalty_item())


def test_a_case_closed_without_an_execution_receipt_is_flagged() -> None:
    bare = _decided(
        ev(6, "execute", "execute", "2026-11-05", amount="60000"), ev(7, "close", "close", "2026-11-06")
    )
    f = findings(bare, "2026-11-09", item=penalty_item())["EX-RECEIPT"]
    assert f.at == at("2026-11-06") and f.values["receipt"] == "执行回执"  # type: ignore[attr-defined]
    receipt = [{"name": "执行回执", "sha256": "b" * 64}]
    proved = _decided(
        ev(6, "execute", "execute", "2026-11-05", amount="60000", attachments=receipt),
        ev(7, "close", "close", "2026-11-06"),
    )
    assert "EX-RECEIPT" not in findings(proved, "2026-11-09", item=penalty_item())
    numbered = _decided(
        ev(6, "execute", "execute", "2026-11-05", receipt_no="ZX-2026-88"),
        ev(7, "close", "close", "2026-11-06"),
    )
    assert "EX-RECEIPT" not in findings(numbered, "2026-11-09", item=penalty_item())


APPROVED = [
    ev(1, "accept", "accept", "2026-10-26", "受理岗"),
    ev(2, "undertake", "undertake", "2026-10-27", "承办岗"),
    ev(3, "review", "review", "2026-10-28", "审核岗"),
    ev(4, "approve", "approve", "2026-11-02", "批准岗", legal_basis="第三十五条"),
    ev(5, "complete", "complete", "2026-11-03", "受理岗"),
]


def test_a_result_not_published_within_seven_working_days_is_flagged_when_they_pass() -> None:
    # Approved Monday 2 November; seven working days later is Wednesday 11 November.
    assert "DS-RESULT" not in findings(APPROVED, "2026-11-11")
    f = findings(APPROVED, "2026-11-12")["DS-RESULT"]
    assert f.at == end_of_local_day(date(2026, 11, 11)) and f.deadline == date(2026, 11, 11)  # type: ignore[attr-defined]
    assert f.values["published"] == "—"  # type: ignore[attr-defined]


def test_a_result_published_late_is_flagged_at_publication_and_in_time_is_not() -> None:
    in_time = [
        *APPROVED,
        ev(6, "complete", "publish", "2026-11-10", "受理岗", url="https://example.gov.cn/1"),
    ]
    assert "DS-RESULT" not in findings(in_time, "2026-12-01")
    late = [*APPROVED, ev(6, "complete", "publish", "2026-11-13", "受理岗")]
    f = findings(late, "2026-12-01")["DS-RESULT"]
    assert f.at == at("2026-11-13") and f.values["published"] == "2026-11-13"  # type: ignore[attr-defined]
    # Publication is no step of the process: it raises no procedure signal.
    assert not [k for k in findings(in_time, "2026-12-01") if k.startswith("PR-")]


def test_refusals_and_items_outside_the_public_list_owe_no_publication() -> None:
    refused = [*APPROVED[:3], ev(4, "review", "reject", "2026-11-02", "审核岗", legal_basis="第三十五条")]
    assert "DS-RESULT" not in findings(refused, "2026-12-01")
    assert "DS-RESULT" not in findings(APPROVED, "2026-12-01", item=licence_item(public=False))


def test_steps_seconds_apart_across_a_minute_boundary_are_not_one_minute() -> None:
    first = at("2026-09-14").replace(minute=0, second=59)
    same = [
        RecordedEvent("SYS", f"E{k}", s, Action(s), "张三", "", first + timedelta(seconds=-k), first, {})
        for k, s in enumerate(["accept", "undertake", "review"])
    ]
    assert "EVD-SAME-MINUTE" in findings(sorted(same, key=lambda e: e.occurred_at), "2026-09-15")
    # The last one a second later, the others a second earlier: 09:00:56, 09:00:57 and 09:01:00.
    across = [
        replace(e, occurred_at=e.occurred_at + timedelta(seconds=1 if k == 0 else -1))
        for k, e in enumerate(same)
    ]
    assert "EVD-SAME-MINUTE" not in findings(sorted(across, key=lambda e: e.occurred_at), "2026-09-15")


def test_materials_are_not_missing_where_no_step_requires_any() -> None:
    item = licence_item()
    bare = item.model_copy(
        update={
            "process": item.process.model_copy(
                update={"steps": tuple(s.model_copy(update={"materials": ()}) for s in item.process.steps)}
            )
        }
    )
    events = [
        ev(1, "accept", "accept", "2026-09-14", "受理岗"),
        ev(2, "undertake", "undertake", "2026-09-15", "承办岗"),
    ]
    assert "EV-MISSING" in findings(events, "2026-09-16")
    assert not bare.process.requires_materials and "EV-MISSING" not in findings(
        events, "2026-09-16", item=bare
    )
