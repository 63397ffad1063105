"""Case state and deadlines: a pure fold of a case's step events (DESIGN.md, Time).

The clock of a case starts at acceptance and stands still while the case is suspended
(特别程序: hearing, expert review, waiting for supplements, approved extension). A deadline is a
local date: the case is due on that date and overdue from the first instant after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from jiancha.domain.catalogue import LimitUnit, PowerItem
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.events import (
    DECIDING_ACTIONS,
    PROMISED_DUE,
    STARTING_ACTIONS,
    STEPLESS_ACTIONS,
    STOPPING_ACTIONS,
    TERMINAL_ACTIONS,
    Action,
    step_reached,
)
from jiancha.domain.timeutil import end_of_local_day, local_date, start_of_local_day


class CaseStatus(StrEnum):
    open = "open"
    suspended = "suspended"
    completed = "completed"
    rejected = "rejected"


class TimeStatus(StrEnum):
    on_time = "on_time"
    due_today = "due_today"  # green (R-SIG-1: on the due date)
    overdue = "overdue"


@dataclass(frozen=True)
class StepEvent:
    step: str
    action: Action
    occurred_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """The time limits of the catalogue version a case is judged by."""

    legal_days: int
    promised_days: int
    unit: LimitUnit = LimitUnit.working
    step_days: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseState:
    received_at: datetime
    status: CaseStatus = CaseStatus.open
    current_step: str | None = None
    step_entered_at: datetime | None = None
    accepted_at: datetime | None = None
    suspended_since: datetime | None = None
    suspension_reason: str | None = None
    suspended_days: int = 0  # days the whole-case clock stood still, closed suspensions only
    step_suspended_days: int = 0  # the same, since the current step was entered
    completed_at: datetime | None = None
    last_event_at: datetime | None = None
    event_count: int = 0
    decided_at: datetime | None = None  # the first approval or decision
    published_at: datetime | None = None  # the first publication of the result
    # A promised day the source states itself (attributes.promised_due, e.g. printed on the receipt
    # or given by an imported log), and the days the case had stood still by then: stops after it
    # move it on, as they move a promise counted from acceptance.
    promise_stated: date | None = None
    promise_stated_stop: int = 0

    @property
    def result_at(self) -> datetime | None:
        """When the case had a result to publish: its decision, else its completion (not a refusal)."""
        if self.decided_at is not None:
            return self.decided_at
        return self.completed_at if self.status is CaseStatus.completed else None


@dataclass(frozen=True)
class Deadlines:
    legal_due: date | None
    promised_due: date | None
    step_due: date | None
    next_check_at: datetime | None
    fallback_years: tuple[int, ...] = ()  # years computed Monday–Friday only (R-CAL-2)


def stopped_days(start: datetime, end: datetime, unit: LimitUnit, calendar: WorkCalendar) -> int:
    a, b = local_date(start), local_date(end)
    if unit is LimitUnit.calendar:
        return max((b - a).days, 0)
    return max(calendar.working_days_between(a, b), 0)


def apply(state: CaseState, event: StepEvent, limits: Limits, calendar: WorkCalendar) -> CaseState:
    """The state after one more event, events being applied in the order they occurred."""
    at, action = event.occurred_at, event.action
    change: dict[str, Any] = {
        "event_count": state.event_count + 1,
        "last_event_at": max(at, state.last_event_at) if state.last_event_at else at,
    }
    if action is Action.publish and state.published_at is None:
        change["published_at"] = at  # publication usually follows completion
    if state.status in (CaseStatus.completed, CaseStatus.rejected):
        return _with(state, change)  # a late event after completion is kept, but does not reopen
    if action in DECIDING_ACTIONS and state.decided_at is None:
        change["decided_at"] = at

    step_stopped = state.step_suspended_days
    if state.status is CaseStatus.suspended and action is not Action.suspend and state.suspended_since:
        # Any action but another suspension ends the stop: resume, or work carried on without one.
        days = stopped_days(state.suspended_since, at, limits.unit, calendar)
        step_stopped += days
        change.update(
            status=CaseStatus.open,
            suspended_since=None,
            suspension_reason=None,
            suspended_days=state.suspended_days + days,
            step_suspended_days=step_stopped,
        )

    if action in STARTING_ACTIONS and state.accepted_at is None:
        # The clock starts now: stops before acceptance (补正 before 受理) do not extend it.
        change.update(accepted_at=at, suspended_days=0, step_suspended_days=0)

    target = step_reached(event.step, action, event.attributes)
    if target != state.current_step and action not in STEPLESS_ACTIONS:
        change.update(current_step=target, step_entered_at=at, step_suspended_days=0)

    stated = event.attributes.get(PROMISED_DUE)
    promise = date.fromisoformat(str(stated)) if stated is not None else None
    if promise is not None and promise != state.promise_stated:  # the latest other day stands
        change.update(promise_stated=promise)
    if "promise_stated" in change or ("accepted_at" in change and state.promise_stated is not None):
        change["promise_stated_stop"] = change.get("suspended_days", state.suspended_days)

    if action in STOPPING_ACTIONS:
        reason = str(event.attributes.get("reason") or action.value)
        # A second suspension while stopped (a new reason) continues the stop that is running.
        still = state.suspended_since if "status" not in change and state.suspended_since else at
        change.update(status=CaseStatus.suspended, suspended_since=still, suspension_reason=reason)
    elif action in TERMINAL_ACTIONS:
        change.update(
            status=CaseStatus.rejected if action is Action.reject else CaseStatus.completed, completed_at=at
        )
    return _with(state, change)


def _with(state: CaseState, change: dict[str, Any]) -> CaseState:
    """dataclasses.replace, without its walk over every field's definition on each of the batch's
    events: a case state holds exactly its fields."""
    return CaseState(**{**vars(state), **change})


def fold(received_at: datetime, events: list[StepEvent], limits: Limits, calendar: WorkCalendar) -> CaseState:
    state = CaseState(received_at=received_at)
    for event in sorted(events, key=lambda e: e.occurred_at):
        state = apply(state, event, limits, calendar)
    return state


def _add(start: date, days: int, unit: LimitUnit, calendar: WorkCalendar) -> date:
    if unit is LimitUnit.calendar:
        return calendar.add_calendar_days(start, days)
    return calendar.add_working_days(start, days)


def deadlines(
    state: CaseState,
    limits: Limits,
    calendar: WorkCalendar,
    warnings: tuple[tuple[str, int], ...] = (),
    disclosure: tuple[int, ...] = (),
) -> Deadlines:
    """Due dates of the whole case (legal and promised) and of its current step.

    While suspended, the due dates shown leave out the stop still running (they move on when the
    case resumes), and there is no next check: the clock stands still until an event moves it.
    `disclosure` holds the pack's working days for publishing a result: a finished case whose
    result is not yet public is still watched until they pass.
    """
    start = local_date(state.accepted_at or state.received_at)
    legal = _add(start, limits.legal_days + state.suspended_days, limits.unit, calendar)
    if state.promise_stated is not None:
        stops = max(state.suspended_days - state.promise_stated_stop, 0)
        promised = _add(state.promise_stated, stops, limits.unit, calendar) if stops else state.promise_stated
    else:
        promised = _add(start, limits.promised_days + state.suspended_days, limits.unit, calendar)
    step_due = None
    step_limit = limits.step_days.get(state.current_step or "")
    if step_limit is not None and state.step_entered_at is not None:
        step_due = _add(
            local_date(state.step_entered_at), step_limit + state.step_suspended_days, limits.unit, calendar
        )
    fallback: tuple[int, ...] = ()
    if limits.unit is LimitUnit.working:
        fallback = calendar.fallback_years(start, max(legal, step_due or legal))
    after = state.last_event_at or state.received_at
    publish_by = disclosure_dates(state.result_at, state.published_at, disclosure, calendar)
    if state.status is not CaseStatus.open:
        return Deadlines(legal, promised, step_due, next_threshold(publish_by, after), fallback)
    # Warnings N working days ahead (a pack's yellow rules) are thresholds the clock must wake for.
    early = warning_dates({"legal": legal, "promised": promised, "step": step_due}, warnings, calendar)
    return Deadlines(
        legal,
        promised,
        step_due,
        next_threshold((step_due, promised, legal, *early, *publish_by), after),
        fallback,
    )


def disclosure_dates(
    result_at: datetime | None,
    published_at: datetime | None,
    disclosure: tuple[int, ...],
    calendar: WorkCalendar,
) -> tuple[date, ...]:
    """The dates by which a result not yet published must be (N working days after the result)."""
    if result_at is None or published_at is not None:
        return ()
    return tuple(calendar.add_working_days(local_date(result_at), n) for n in disclosure)


def warning_dates(
    dues: dict[str, date | None], warnings: tuple[tuple[str, int], ...], calendar: WorkCalendar
) -> tuple[date, ...]:
    """The dates on which a pack's warnings (limit, working days ahead) begin."""
    return tuple(calendar.subtract_working_days(d, n) for limit, n in warnings if (d := dues.get(limit)))


def next_threshold(dues: tuple[date | None, ...], after: datetime) -> datetime | None:
    """The first instant after `after` at which a due date begins or ends: when status changes."""
    instants = [t for d in dues if d is not None for t in (start_of_local_day(d), end_of_local_day(d))]
    later = [t for t in instants if t > after]
    return min(later) if later else None


def time_status(due: date | None, at: datetime) -> TimeStatus | None:
    if due is None:
        return None
    if at >= end_of_local_day(due):
        return TimeStatus.overdue
    if at >= start_of_local_day(due):
        return TimeStatus.due_today
    return TimeStatus.on_time


def limits_of(item: PowerItem) -> Limits:
    return Limits(
        legal_days=item.legal_limit_days,
        promised_days=item.promised_limit_days,
        unit=item.limit_unit,
        step_days={s.code: s.limit_days for s in item.process.steps},
    )
