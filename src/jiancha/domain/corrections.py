"""Corrections of important data (R-AUD-2; 四川 2011 §18: 重要数据资料的删除、修改必须报省监察厅批准).

A case, an event or a catalogue entry is never edited quietly: someone asks, saying why; a leader
of the top-level agency approves; the platform then applies it and writes a correction entry to the
ledger that points at the entry of the original, which stays readable there and in the request.

What may be corrected is narrow on purpose: an event's content (not which case it belongs to) and a
case's registration (title, applicant). Voiding removes an event from its case's fold, or a case from
the platform's watch, without removing either from the record.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from jiancha.domain.catalogue import CatalogueChange
from jiancha.domain.events import Key


class Target(StrEnum):
    case = "case"
    event = "event"
    catalogue = "catalogue"


class Fix(StrEnum):
    correct = "correct"  # replace some fields with the right values
    void = "void"  # the record should never have been: it stops counting, and stays readable


class CorrectionState(StrEnum):
    requested = "requested"
    approved = "approved"  # and applied, in the same transaction
    refused = "refused"


# What a correction may change on each target (any other field is refused, naming it).
CASE_FIELDS = ("title", "applicant_name", "applicant_id_number", "applicant_phone")
EVENT_FIELDS = ("step", "action", "actor", "post", "occurred_at", "attributes")


class EventKey(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    source_system: Key
    event_id: Key


class CorrectionIn(BaseModel):
    """One request: exactly one of `case_no`, `event` or `catalogue` names what is to change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    case_no: Key | None = None
    event: EventKey | None = None
    # Catalogue entries change by new versions (R-CAT-4): the changes to make once approved.
    catalogue: Annotated[list[CatalogueChange] | None, Field(min_length=1, max_length=100_000)] = None
    action: Fix = Fix.correct
    changes: Annotated[dict[Annotated[str, Field(max_length=32)], Any], Field(max_length=10)] = {}
    reason: Annotated[str, Field(min_length=2, max_length=2000)]

    @property
    def target(self) -> Target:
        if self.case_no is not None:
            return Target.case
        return Target.event if self.event is not None else Target.catalogue

    @field_validator("changes")
    @classmethod
    def _changes(cls, changes: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """What may change depends on what is corrected, and how (the fields before this one)."""
        data = info.data
        if data.get("catalogue") is not None and changes:
            raise ValueError(
                "权力清单以变更（含删除）更正，不用 changes | "
                "the catalogue is corrected by its changes (delete included), not by `changes`"
            )
        if data.get("action") is Fix.void:
            if changes:
                raise ValueError("作废不带 changes | a void carries no changes")
            return changes
        if data.get("case_no") is not None:
            allowed: tuple[str, ...] = CASE_FIELDS
        elif data.get("event") is not None:
            allowed = EVENT_FIELDS
        else:
            return changes
        if not changes:
            raise ValueError(f"更正须给出 changes | a correction needs its changes (of {', '.join(allowed)})")
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise ValueError(
                f"不可更正的字段 {unknown} | these fields cannot be corrected: {unknown}; "
                f"allowed: {', '.join(allowed)}"
            )
        return changes

    @model_validator(mode="after")
    def _one_target(self) -> CorrectionIn:
        named = [x for x in (self.case_no, self.event, self.catalogue) if x is not None]
        if len(named) != 1:
            raise ValueError(
                "须且只须指明一个更正对象（case_no、event 或 catalogue） | "
                "name exactly one thing to correct: case_no, event or catalogue"
            )
        if self.target is Target.catalogue and self.action is Fix.void:
            raise ValueError(
                "权力清单以变更（含删除）更正，不用 action | "
                "the catalogue is corrected by its changes (delete included), not by `action`"
            )
        return self
