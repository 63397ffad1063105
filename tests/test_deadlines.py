"""Case deadlines as a pure fold of step events (DESIGN.md, Time; R-CAL-1, 特别程序)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from jiancha.domain.catalogue import LimitUnit
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import (
    CaseStatus,
    Limits,
    StepEvent,
    TimeStatus,
    deadlines,
    fold,
    time_status,
)
from jiancha.domain.events import Action
from jiancha.domain.timeutil import LOCAL, end_of_local_day, start_of_local_day
from jiancha.services.calendar import package_schedule

_schedule = package_schedule()
CHINA = WorkCalendar({d.day: d.is_workday for y in _schedule.values() for d in y}, _schedule)
LIMITS = Limits(legal_days=20, promised_days=10, step_days={"accept": 1, "undertake": 5})


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LOCAL).astimezone(UTC)


def ev(step: str, action: Action, day: str, **attributes: object) -> StepEvent:
    return StepEvent(step, action, at(day), dict(attributes))


def due(events: list[StepEvent], limits: Limits = LIMITS) -> tuple[date | None, date | None, int]:
    state = fold(events[0].occurred_at, events, limits, CHINA)
    d = deadlines(state, limits, CHINA)
    return d.legal_due, d.promised_due, state.suspended_days


def test_twenty_working_days_from_acceptance_across_national_day() -> None:
    assert due([ev("accept", Action.accept, "2026-09-14")])[:2] == (date(2026, 10, 16), date(2026, 9, 28))


def test_a_stop_before_acceptance_does_not_extend_the_limit() -> None:
    """补正 before 受理: the clock had not started, so the waiting days are not added."""
    supplemented = [
        ev("accept", Action.request_supplement, "2026-11-02"),
        ev("accept", Action.accept, "2026-11-09"),
    ]
    plain = [ev("accept", Action.accept, "2026-11-09")]
    assert due(supplemented) == due(plain)
    assert due(plain)[2] == 0


def test_a_promised_day_the_source_states_stands_and_stops_after_it_move_it_on() -> None:
    """承诺办结日期 printed on the receipt (or a deadline an imported log gives): it replaces the
    item's promised limit; a stop after the statement moves it as it moves a counted one, and the
    same day stated again (every event of an imported case carries it) changes nothing."""
    stated = [ev("accept", Action.accept, "2026-11-02", promised_due="2026-11-06")]
    assert due(stated)[:2] == (date(2026, 11, 30), date(2026, 11, 6))
    stopped = [
        *stated,
        ev("undertake", Action.suspend, "2026-11-03", promised_due="2026-11-06"),
        ev("undertake", Action.resume, "2026-11-05", promised_due="2026-11-06"),
    ]
    assert due(stopped) == (date(2026, 12, 2), date(2026, 11, 10), 2)
    # A later, other day stands, counted from the stops so far.
    restated = [*stopped, ev("undertake", Action.undertake, "2026-11-05", promised_due="2026-11-20")]
    assert due(restated)[1] == date(2026, 11, 20)
    # Stated before acceptance: acceptance starts the clock, and the stops before it do not count.
    early = [
        ev("accept", Action.request_supplement, "2026-10-26", promised_due="2026-11-06"),
        ev("accept", Action.accept, "2026-11-02"),
    ]
    assert due(early)[1] == date(2026, 11, 6)


def test_a_second_suspension_while_stopped_keeps_the_whole_stop() -> None:
    events = [
        ev("accept", Action.accept, "2026-11-02"),
        ev("undertake", Action.suspend, "2026-11-03", reason="hearing"),
        ev("undertake", Action.suspend, "2026-11-10", reason="expert-review"),
        ev("undertake", Action.resume, "2026-11-12"),
    ]
    # Stopped from 3 Nov to 12 Nov: working days 4, 5, 6, 9, 10, 11, 12 November.
    assert due(events)[2] == 7


def test_a_suspended_case_has_no_next_check_and_resumes_with_its_days_added() -> None:
    events = [ev("accept", Action.accept, "2026-11-02"), ev("undertake", Action.suspend, "2026-11-03")]
    state = fold(events[0].occurred_at, events, LIMITS, CHINA)
    assert state.status is CaseStatus.suspended
    assert deadlines(state, LIMITS, CHINA).next_check_at is None
    resumed = fold(
        events[0].occurred_at, [*events, ev("undertake", Action.resume, "2026-11-05")], LIMITS, CHINA
    )
    assert resumed.suspended_days == 2 and resumed.step_suspended_days == 2


def test_calendar_day_limits_count_every_day() -> None:
    limits = Limits(legal_days=30, promised_days=15, unit=LimitUnit.calendar)
    assert due([ev("accept", Action.accept, "2026-09-30")], limits)[:2] == (
        date(2026, 10, 30),
        date(2026, 10, 15),
    )


def test_a_rollback_moves_the_case_back_and_restarts_the_step_clock() -> None:
    events = [
        ev("accept", Action.accept, "2026-11-02"),
        ev("undertake", Action.undertake, "2026-11-03"),
        ev("review", Action.review, "2026-11-05"),
        ev("review", Action.return_, "2026-11-06", to_step="undertake"),
    ]
    state = fold(events[0].occurred_at, events, LIMITS, CHINA)
    assert state.current_step == "undertake" and state.step_entered_at == at("2026-11-06")
    assert deadlines(state, LIMITS, CHINA).step_due == date(2026, 11, 13)


def test_an_event_after_completion_is_counted_but_does_not_reopen() -> None:
    events = [
        ev("accept", Action.accept, "2026-11-02"),
        ev("complete", Action.complete, "2026-11-03"),
        ev("review", Action.review, "2026-11-04"),
    ]
    state = fold(events[0].occurred_at, events, LIMITS, CHINA)
    assert (
        state.status is CaseStatus.completed and state.event_count == 3 and state.current_step == "complete"
    )


def test_green_on_the_due_date_and_overdue_from_the_next_midnight() -> None:
    d = date(2026, 10, 16)
    assert (
        time_status(
            d, start_of_local_day(d).replace(microsecond=0) - (start_of_local_day(d) - start_of_local_day(d))
        )
        is TimeStatus.due_today
    )
    assert time_status(d, end_of_local_day(d)) is TimeStatus.overdue
    assert time_status(d, at("2026-10-15", 23)) is TimeStatus.on_time


@given(st.permutations(range(6)))
def test_the_fold_does_not_depend_on_the_order_events_arrive_in(order: list[int]) -> None:
    events = [
        ev("accept", Action.accept, "2026-09-14"),
        ev("undertake", Action.undertake, "2026-09-15"),
        ev("undertake", Action.suspend, "2026-09-16", reason="hearing"),
        ev("undertake", Action.resume, "2026-09-21"),
        ev("review", Action.review, "2026-09-22"),
        ev("approve", Action.approve, "2026-09-23"),
    ]
    shuffled = [events[i] for i in order]
    assert fold(events[0].occurred_at, shuffled, LIMITS, CHINA) == fold(
        events[0].occurred_at, events, LIMITS, CHINA
    )
