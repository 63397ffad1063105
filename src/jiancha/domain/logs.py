"""How an event log kept elsewhere (XES, OCEL 2.0, CSV; R-ING-2) becomes cases and step events:
the log's source system, the department (and its region) whose cases they are, the power item
they are cases of, and each activity's step and action.

A pack that judges such logs carries its mapping in its `log:` section (e.g. `it-road-fines`), so
`jiancha import FILE --pack P` needs nothing more; a log imported with a pack without one gets a
mapping made from the file itself (`for_file`): every activity a step of its own, in the order
first seen, with the action `undertake`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.catalogue import (
    CatalogueChange,
    ChangeKind,
    Code,
    ItemType,
    LimitUnit,
    PowerItem,
    ProcessDefinition,
    Step,
)
from jiancha.domain.events import Action

Name = Annotated[str, Field(min_length=1, max_length=200)]
# A log's item is in force from the earliest instant an event may carry, so every case of the log
# is judged by it whatever year it was received.
IN_FORCE_FROM = datetime(1990, 1, 1, tzinfo=UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActivityStep(_Model):
    """What an activity of the log is on the platform: a step of the item, and an action there."""

    step: Code
    action: Action = Action.undertake
    name: Name | None = None  # the step's name; default: the activity


class LogOwner(_Model):
    """The department the log's cases belong to, in a region of its own given the pack."""

    department_code: Code
    department_name: Name
    region_code: Code
    region_name: Name
    region_level: str = "city"


class LogItem(_Model):
    code: Code
    name: Name
    item_type: ItemType = ItemType.other
    legal_basis: Annotated[str, Field(min_length=1, max_length=2000)] = "（导入的事件日志）"
    legal_limit_days: Annotated[int, Field(ge=0, le=3650)] = 0
    limit_unit: LimitUnit = LimitUnit.calendar


class LogMapping(_Model):
    source_system: Annotated[str, Field(min_length=1, max_length=128)]
    owner: LogOwner
    item: LogItem
    # Activities in the process's order; an activity not listed refuses the file, unless
    # `other_activities` says `undertake` (a step of its own, named after it).
    activities: dict[str, ActivityStep]
    other_activities: Annotated[str, Field(pattern="^(refuse|undertake)$")] = "refuse"
    actor: Name = "未知"  # who acted, when the log does not say (XES org:resource, a CSV column)
    # Attributes renamed on the way in, so one rule reads the same attribute whatever file the
    # log came in (the 10k CSV of the road fines writes `totalpaymentamount`, the XES
    # `totalPaymentAmount`).
    attribute_names: dict[str, str] = {}
    # The attribute (of the event, else of its case, as named in the file) holding a deadline the
    # source gives the case: it becomes the case's promised day (attributes.promised_due).
    deadline: Name | None = None

    def attributes(self, found: dict[str, object]) -> dict[str, object]:
        return {self.attribute_names.get(k, k): v for k, v in found.items()}

    def step_of(self, activity: str) -> ActivityStep | None:
        found = self.activities.get(activity)
        if found is not None or self.other_activities == "refuse":
            return found
        return ActivityStep(step=slug(activity), name=activity)

    def power_item(self) -> PowerItem:
        """The item the log's cases are cases of: one step an activity, none required (a log
        shows what happened; the pack's rules say what should have)."""
        steps: list[Step] = []
        for order, (activity, a) in enumerate(self.activities.items(), start=1):
            if a.step not in {s.code for s in steps}:
                steps.append(Step(code=a.step, name=a.name or activity, order=order, required=False))
        i = self.item
        return PowerItem(
            code=i.code,
            name=i.name,
            item_type=i.item_type,
            department_code=self.owner.department_code,
            legal_basis=i.legal_basis,
            legal_limit_days=i.legal_limit_days,
            promised_limit_days=i.legal_limit_days,
            limit_unit=i.limit_unit,
            process=ProcessDefinition(steps=tuple(steps)),
            public=False,
        )

    def catalogue_change(self) -> CatalogueChange:
        return CatalogueChange(
            kind=ChangeKind.add, code=self.item.code, effective_from=IN_FORCE_FROM, item=self.power_item()
        )


def slug(activity: str) -> str:
    """A step code for an activity: `Send Fine` → `send-fine` (at most 64 characters)."""
    code = re.sub(r"[^A-Za-z0-9]+", "-", activity).strip("-").lower()[:64] or "step"
    return code if code[0].isalnum() else f"s{code}"[:64]


def for_file(name: str, activities: list[str], other: str = "undertake") -> LogMapping:
    """A mapping for a log without one: its file's stem names the source, department and item."""
    stem = slug(name)[:40] or "log"
    return LogMapping(
        source_system=f"log-{stem}",
        owner=LogOwner(
            department_code=f"LOG-{stem}",
            department_name=f"导入日志 {name}",
            region_code="LOG",
            region_name="导入的事件日志",
        ),
        item=LogItem(code=f"LOG-{stem}", name=f"导入日志 {name}"),
        activities={a: ActivityStep(step=slug(a), name=a) for a in activities},
        other_activities=other,
    )
