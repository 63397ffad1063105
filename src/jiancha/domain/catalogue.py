"""The power catalogue (权力清单, R-CAT-1..4): items, their process definitions and versions."""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jiancha.domain.canonical import canonical_bytes
from jiancha.domain.timeutil import plausible_instant

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ItemType(StrEnum):
    """R-CAT-1 item types; the value is the stable key, `label` the Chinese name."""

    licence = "licence"
    non_licence_approval = "non_licence_approval"
    registration = "registration"
    penalty = "penalty"
    coercion = "coercion"
    levy = "levy"
    benefit = "benefit"
    confirmation = "confirmation"
    adjudication = "adjudication"
    public_service = "public_service"
    other = "other"

    @property
    def label(self) -> str:
        return ITEM_TYPE_LABELS[self]


ITEM_TYPE_LABELS = {
    ItemType.licence: "行政许可",
    ItemType.non_licence_approval: "非许可审批",
    ItemType.registration: "登记",
    ItemType.penalty: "行政处罚",
    ItemType.coercion: "行政强制",
    ItemType.levy: "行政征收",
    ItemType.benefit: "行政给付",
    ItemType.confirmation: "行政确认",
    ItemType.adjudication: "行政裁决",
    ItemType.public_service: "公共服务",
    ItemType.other: "其他",
}
_TYPE_BY_LABEL = {label: t for t, label in ITEM_TYPE_LABELS.items()}


class LimitUnit(StrEnum):
    working = "working"  # 工作日, the default of R-CAL-1
    calendar = "calendar"  # 自然日, for rules that say so


class ChangeKind(StrEnum):
    """R-CAT-4 dynamic management: every version records which change produced it."""

    add = "add"
    change = "change"
    delete = "delete"
    merge = "merge"
    cancel = "cancel"
    suspend = "suspend"
    resume = "resume"


class ItemStatus(StrEnum):
    active = "active"
    suspended = "suspended"  # 暂停: still in the catalogue, must not be used for new cases
    cancelled = "cancelled"  # 取消
    deleted = "deleted"
    merged = "merged"  # 合并 into another item


STATUS_AFTER = {
    ChangeKind.add: ItemStatus.active,
    ChangeKind.change: ItemStatus.active,
    ChangeKind.resume: ItemStatus.active,
    ChangeKind.delete: ItemStatus.deleted,
    ChangeKind.merge: ItemStatus.merged,
    ChangeKind.cancel: ItemStatus.cancelled,
    ChangeKind.suspend: ItemStatus.suspended,
}

SEPARATORS = re.compile(r"[;；\n]")


def split_list(value: Any) -> Any:
    """Spreadsheet cells hold lists as `a;b；c`; JSON gives real lists."""
    if isinstance(value, str):
        return [part.strip() for part in SEPARATORS.split(value) if part.strip()]
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Step(_Model):
    """One step of a process definition (R-CAT-2)."""

    code: Code
    name: Text
    order: int = Field(ge=1)
    limit_days: int | None = Field(default=None, ge=0, le=3650)
    posts: tuple[str, ...] = ()  # posts (岗位) allowed to act at this step; empty: any post
    materials: tuple[str, ...] = ()  # materials or evidence that must be attached here
    required: bool = True  # a required step may not be skipped

    _split = field_validator("posts", "materials", mode="before")(split_list)


class TransitionKind(StrEnum):
    forward = "forward"
    rollback = "rollback"  # 回退: legal only when listed


class Transition(_Model):
    from_step: Code
    to_step: Code
    kind: TransitionKind = TransitionKind.forward


class Fee(_Model):
    """A fee the item may charge (收费标准); an item with none charges nothing."""

    name: Text
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    basis: str = ""


class DiscretionBenchmark(_Model):
    """R-CAT-3: for a clause and circumstance (情节), the allowed fine range and measures."""

    clause: Text
    circumstance: Text
    fine_min: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    fine_max: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    measures: tuple[str, ...] = ()

    _split = field_validator("measures", mode="before")(split_list)

    @model_validator(mode="after")
    def _range(self) -> DiscretionBenchmark:
        if self.fine_min > self.fine_max:
            raise ValueError("罚款下限大于上限 | fine_min is greater than fine_max")
        return self


class ProcessDefinition(_Model):
    steps: tuple[Step, ...] = Field(min_length=1)
    transitions: tuple[Transition, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ProcessDefinition:
        codes = [s.code for s in self.steps]
        if len(set(codes)) != len(codes):
            raise ValueError("环节编码重复 | step codes repeat")
        orders = [s.order for s in self.steps]
        if len(set(orders)) != len(orders):
            raise ValueError("环节顺序号重复 | step orders repeat")
        known = set(codes)
        for t in self.transitions:
            for name in (t.from_step, t.to_step):
                if name not in known:
                    raise ValueError(f"流转引用了未定义的环节 {name} | transition names unknown step {name}")
        return self

    # Computed once per definition (a catalogue version serves many cases): rules ask on every case.
    @cached_property
    def _ordered(self) -> tuple[Step, ...]:
        return tuple(sorted(self.steps, key=lambda s: s.order))

    @cached_property
    def by_code(self) -> dict[str, Step]:
        return {s.code: s for s in self.steps}

    @cached_property
    def requires_materials(self) -> bool:
        """Whether any step requires a material or evidence to be attached."""
        return any(s.materials for s in self.steps)

    @cached_property
    def _moves(self) -> frozenset[tuple[str, str]]:
        moves = {(a.code, b.code) for a, b in itertools.pairwise(self._ordered)}
        moves |= {(t.from_step, t.to_step) for t in self.transitions}
        return frozenset(moves)

    def ordered(self) -> list[Step]:
        return list(self._ordered)

    def step(self, code: str) -> Step | None:
        return self.by_code.get(code)

    def allowed_moves(self) -> frozenset[tuple[str, str]]:
        """Forward to the next step is always allowed; anything else only when listed."""
        return self._moves


class PowerItem(_Model):
    """A power item (事项) as the catalogue states it: every field of R-CAT-1."""

    code: Code
    name: Text
    item_type: ItemType
    department_code: Code
    legal_basis: Text
    conditions: str = ""
    materials: tuple[str, ...] = ()
    fees: tuple[Fee, ...] = ()
    legal_limit_days: int = Field(ge=0, le=3650)
    promised_limit_days: int = Field(ge=0, le=3650)
    limit_unit: LimitUnit = LimitUnit.working
    process: ProcessDefinition
    posts: tuple[str, ...] = ()  # responsible posts (责任岗位)
    discretion: tuple[DiscretionBenchmark, ...] = ()
    public: bool = True  # must be published in the public power list (R-OPEN-1)

    _split = field_validator("materials", "posts", mode="before")(split_list)

    @field_validator("item_type", mode="before")
    @classmethod
    def _type_label(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() in _TYPE_BY_LABEL:
            return _TYPE_BY_LABEL[value.strip()]
        return value

    @model_validator(mode="after")
    def _limits(self) -> PowerItem:
        if self.promised_limit_days > self.legal_limit_days:
            raise ValueError("承诺时限超过法定时限 | promised_limit_days exceeds legal_limit_days")
        return self


def content_sha256(content: dict[str, Any]) -> str:
    """The SHA-256 (hex) of an item's content as the catalogue stores it (`PowerItem` dumped as
    JSON), in canonical form: keys sorted, no white space, UTF-8. The public power list shows it,
    and a department's published entry may give it instead of the content (R-OPEN-3)."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


class CatalogueChange(_Model):
    """One dated, attributed change of an item (R-CAT-4). `item` is required for add and change."""

    kind: ChangeKind
    code: Code
    effective_from: datetime
    reason: str = ""
    changed_by: str = Field(default="system", min_length=1, max_length=200)
    merged_into: Code | None = None
    item: PowerItem | None = None

    @field_validator("effective_from")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return plausible_instant(value)

    @model_validator(mode="after")
    def _needs(self) -> CatalogueChange:
        if self.kind in (ChangeKind.add, ChangeKind.change) and self.item is None:
            raise ValueError("新增或变更须提供事项内容 | add and change need the item")
        if self.item is not None and self.item.code != self.code:
            raise ValueError("事项编码不一致 | item code differs from change code")
        if self.kind is ChangeKind.merge and not self.merged_into:
            raise ValueError("合并须指明并入的事项 | merge needs merged_into")
        if self.merged_into == self.code:
            raise ValueError("事项不能并入自身 | an item cannot be merged into itself")
        return self
