"""What every monitor of a supervised area is made of (R-MON-4..10).

A monitor (three public spending, 三重一大 decisions, medicine, rural assets, integrity indices,
on-duty check-in) is a set of **record kinds** its source systems send — a reception, a meeting, a
prescription, a village transaction — and **checks** over those records, which a pack's rules name
and configure. Records are validated by their kind's model (unknown fields refused, every problem
named); a check is a pure function of its settings, the records it may read and the day, returning
hits. The services keep the records, run the checks and raise each hit as a signal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.timeutil import local_date

RecordId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\s/@]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[float, Field(ge=0, le=1e13)]  # yuan (元)


class RecordIn(BaseModel):
    """What every record carries: its id in the source system (unique within its kind; sent again
    with other values, it is a new version) and the department it belongs to — the supervised
    department, or the one supervising the unit named in the record (a hospital's health
    commission, a village's agriculture bureau). A source system may leave the department out: it
    is then the sender's own."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[RecordId, Field(title="记录编号", description="record id in the source system")]
    department_code: Annotated[
        Annotated[str, Field(min_length=1, max_length=64)] | None,
        Field(title="所属部门编码", description="department code"),
    ] = None


class Settings(BaseModel):
    """A check's settings, as a rule's `params` give them (unknown keys refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Record:
    """A kept record, as checks read it: `data` is the kind's model dumped to JSON values."""

    kind: str
    record_id: str
    department_code: str
    day: date  # the record's own day, from the field its kind names
    data: Mapping[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.record_id}"


def as_record(kind: str, spec: Kind, item: RecordIn, department: str) -> Record:
    """A validated record as checks read it: the kind's fields as JSON values (the id and the
    department aside), its day from the field its kind names (an instant's local date)."""
    day = getattr(item, spec.day)
    data = item.model_dump(mode="json", exclude={"id", "department_code"})
    return Record(kind, item.id, department, local_date(day) if isinstance(day, datetime) else day, data)


class Records:
    """The records a check may read, by kind (in day order) and by id."""

    def __init__(self, records: Iterable[Record]) -> None:
        by_kind: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            by_kind[r.kind].append(r)
        self._by_kind = {k: tuple(sorted(v, key=lambda r: (r.day, r.record_id))) for k, v in by_kind.items()}
        self._by_id = {(r.kind, r.record_id): r for v in self._by_kind.values() for r in v}

    def of(self, kind: str) -> tuple[Record, ...]:
        return self._by_kind.get(kind, ())

    def get(self, kind: str, record_id: str) -> Record | None:
        return self._by_id.get((kind, record_id))


@dataclass(frozen=True)
class Today:
    """What a check knows of time: the local day it runs on, and the working calendar."""

    day: date
    calendar: WorkCalendar


@dataclass(frozen=True)
class Hit:
    """What a check found: about what (`subject`, unique per thing and period, without the
    monitor's prefix, e.g. `reception/R-2026-001` or `hospital/H01@2026-10`), whose, from which
    day, with the values the rule's message shows, and the records it rests on (`kind/id`)."""

    subject: str
    department_code: str
    day: date
    values: Mapping[str, Any]
    records: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """One check a rule can name: its settings' model, the function, what it is called, and
    whether time alone can change its verdict (lateness, absence: the clock runs it daily)."""

    settings: type[Settings]
    run: Callable[[Any, Records, Today], list[Hit]]
    zh: str
    en: str
    timed: bool = False


@dataclass(frozen=True)
class Kind:
    """A record kind: its model, what it is called, and the field holding its day."""

    model: type[RecordIn]
    zh: str
    en: str
    day: str


@dataclass(frozen=True)
class Monitor:
    """A monitor: its rule family's name, what it is called, the requirement it serves, its
    record kinds and checks, and how far back (days before today) a check reads records."""

    family: str
    zh: str
    en: str
    requirement: str
    kinds: Mapping[str, Kind]
    checks: Mapping[str, Check]
    window_days: int = 400
    # An index monitor (R-MON-8/9) also shows its index: a function of the settings of its
    # index check, the records and the day, returning rows (see the monitor's module).
    index: Callable[[Any, Records, Today], list[dict[str, Any]]] | None = field(default=None)
    index_check: str | None = None
