"""What a rule is, what it looks at, and what it finds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from jiancha.domain.catalogue import ItemStatus, PowerItem
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseState, Deadlines, StepEvent, deadlines, fold, limits_of
from jiancha.domain.events import Action


class Colour(StrEnum):
    """R-SIG-1: green on the due date, yellow for correctable faults or a deadline close, red for
    serious faults or overdue (绿色预警 / 黄色纠错 / 红色纠错)."""

    green = "green"
    yellow = "yellow"
    red = "red"


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: a family in code, configured by data."""

    id: str
    family: str
    colour: Colour
    article: str  # the legal article it enforces, e.g. 深府〔2007〕32号 第十二条第（一）项
    message_zh: str
    message_en: str
    params: dict[str, Any] = field(default_factory=dict)
    # A yellow that is a fault to correct escalates (R-SIG-2); an early warning of a deadline does
    # not — the deadline's own red rule is its escalation.
    escalates: bool = True


@dataclass(frozen=True)
class RecordedEvent:
    """A stored step event, as rules see it."""

    source_system: str
    event_id: str
    step: str
    action: Action
    actor: str
    post: str
    occurred_at: datetime
    received_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.source_system}/{self.event_id}"


@dataclass(frozen=True)
class CaseFacts:
    """Everything a rule may look at for one case: the catalogue version it is judged by, the
    item's status then, and its events in the order they occurred."""

    case_no: str
    item: PowerItem
    item_status: ItemStatus
    received_at: datetime
    events: tuple[RecordedEvent, ...]


@dataclass(frozen=True)
class Finding:
    """A rule's verdict on a case: when the condition arose, and why (R-SIG-6)."""

    rule_id: str
    colour: Colour
    at: datetime  # the instant the condition arose: an event's, or the deadline's passing
    values: dict[str, Any] = field(default_factory=dict)  # the values that triggered it
    events: tuple[str, ...] = ()  # refs of the triggering events
    deadline: date | None = None  # the deadline it used, for time rules


@dataclass(frozen=True)
class Context:
    facts: CaseFacts
    calendar: WorkCalendar
    now: datetime  # the instant the rules judge at: the real clock, or an imported log's own time
    # The state and deadlines as of `now` when the caller has just computed them (ingestion does).
    prefolded: tuple[CaseState, Deadlines] | None = None
    # When the platform records what it finds, when later than `now` (an imported log): receipt is
    # judged at this instant, so history typed in now is seen as reported late.
    recorded: datetime | None = None

    @property
    def heard_by(self) -> datetime:
        """The instant up to which events count as received."""
        return self.recorded or self.now

    @cached_property
    def folded(self) -> tuple[CaseState, Deadlines]:
        """The case's state and deadlines as of `now`, computed once for all time rules."""
        if self.prefolded is not None:
            return self.prefolded
        limits = limits_of(self.facts.item)
        steps = [
            StepEvent(e.step, e.action, e.occurred_at, e.attributes)
            for e in self.facts.events
            if e.occurred_at <= self.now
        ]
        state = (
            fold(self.facts.received_at, steps, limits, self.calendar)
            if steps
            else CaseState(received_at=self.facts.received_at)
        )
        return state, deadlines(state, limits, self.calendar)
