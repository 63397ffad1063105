"""What departmental systems send (R-ING-1): cases and the step events of their handling."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jiancha.domain.canonical import MAX_NESTING, canonical_bytes, nesting
from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.domain.timeutil import plausible_instant

Key = Annotated[str, Field(min_length=1, max_length=128)]
SHA256_HEX = r"^[0-9a-f]{64}$"
MAX_BATCH = 10_000


class Action(StrEnum):
    """What happened at a step. The penalty steps (立案 … 结案) are actions of their own."""

    accept = "accept"  # 受理
    undertake = "undertake"  # 承办
    review = "review"  # 审核
    approve = "approve"  # 批准/决定
    complete = "complete"  # 办结
    reject = "reject"  # 不予受理/不予许可
    return_ = "return"  # 退回 (rollback to `attributes.to_step`)
    request_supplement = "request-supplement"  # 补正告知: stops the clock until resumed
    suspend = "suspend"  # 特别程序: hearing, expert review, extension ...
    resume = "resume"
    register = "register"  # 立案
    investigate = "investigate"  # 调查取证
    inform = "inform"  # 告知
    hearing = "hearing"  # 听证
    decide = "decide"  # 决定
    serve = "serve"  # 送达
    execute = "execute"  # 执行
    close = "close"  # 结案
    publish = "publish"  # 结果公开 (R-OPEN-2): the decision published; may come after completion


# What the public sees an action called (the hall screens, the progress query).
ACTION_ZH = {
    Action.accept: "受理",
    Action.undertake: "承办",
    Action.review: "审核",
    Action.approve: "批准",
    Action.complete: "办结",
    Action.reject: "不予受理或不予许可",
    Action.return_: "退回",
    Action.request_supplement: "补正告知",
    Action.suspend: "特别程序",
    Action.resume: "恢复办理",
    Action.register: "立案",
    Action.investigate: "调查取证",
    Action.inform: "告知",
    Action.hearing: "听证",
    Action.decide: "决定",
    Action.serve: "送达",
    Action.execute: "执行",
    Action.close: "结案",
    Action.publish: "结果公开",
}

# The clock of a case starts when it is accepted (受理) or, for a penalty, registered (立案).
STARTING_ACTIONS = {Action.accept, Action.register}
TERMINAL_ACTIONS = {Action.complete, Action.close, Action.reject}
STOPPING_ACTIONS = {Action.suspend, Action.request_supplement}
# A decision whose result must be made public (R-OPEN-2); without one, the completion is the result.
DECIDING_ACTIONS = {Action.approve, Action.decide}
# Actions that record something about the case without moving it to another step.
STEPLESS_ACTIONS = {Action.resume, Action.publish}


# The promised day of the whole case when the source states it (承诺办结日期 on the receipt, a
# deadline in an imported log): it stands instead of the item's promised limit.
PROMISED_DUE = "promised_due"


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def step_reached(step: str, action: Action, attributes: dict[str, Any]) -> str:
    """The step an event leaves the case at: a return (退回) sends it to `attributes.to_step`."""
    return str(attributes.get("to_step") or step) if action is Action.return_ else step


class AttachmentRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, Field(min_length=1, max_length=200)]
    sha256: Annotated[str, Field(pattern=SHA256_HEX)]


class EventIn(BaseModel):
    """One step event. (source_system, event_id) is the idempotency key."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    source_system: Key
    event_id: Key
    case_no: Key
    item_code: Annotated[str, Field(pattern=CODE_PATTERN)]
    step: Annotated[str, Field(min_length=1, max_length=64)]
    action: Action
    actor: Annotated[str, Field(min_length=1, max_length=200)]
    post: Annotated[str, Field(default="", max_length=200)] = ""
    occurred_at: datetime
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return plausible_instant(value)

    @field_validator("attributes")
    @classmethod
    def _recordable(cls, value: dict[str, Any]) -> dict[str, Any]:
        if nesting(value) > MAX_NESTING:
            raise ValueError(
                f"嵌套层数过多（最多 {MAX_NESTING} 层） | nested too deeply (at most {MAX_NESTING} levels)"
            )
        try:
            canonical_bytes(value)
        except TypeError as e:  # an integer beyond 64 bits, or a value JSON cannot hold
            raise ValueError(
                "含有无法记录的数值（整数超出 64 位） | "
                "a value cannot be recorded (an integer beyond 64 bits)"
            ) from e
        stated = value.get(PROMISED_DUE)
        if stated is not None and not _is_date(stated):
            raise ValueError(
                f"{PROMISED_DUE}（承诺办结日期）应为日期 YYYY-MM-DD，而不是 {str(stated)[:40]!r} | "
                f"{PROMISED_DUE} must be a date YYYY-MM-DD, not {str(stated)[:40]!r}"
            )
        return value

    @model_validator(mode="after")
    def _attributes(self) -> EventIn:
        for name in ("reason", "to_step"):
            value = self.attributes.get(name)
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 64):
                raise ValueError(
                    f"attributes.{name} 应为 1 至 64 个字符的文本 | attributes.{name} must be "
                    "text of 1 to 64 characters"
                )
        attachments = self.attributes.get("attachments")
        if attachments is not None:
            if not isinstance(attachments, list):
                raise ValueError("附件应为列表 | attributes.attachments must be a list")
            for a in attachments:
                AttachmentRef.model_validate(a)
        if self.action is Action.return_ and not isinstance(self.attributes.get("to_step"), str):
            raise ValueError("退回须指明 attributes.to_step | return needs attributes.to_step")
        return self

    def attachment_refs(self) -> list[AttachmentRef]:
        return [AttachmentRef.model_validate(a) for a in self.attributes.get("attachments") or ()]


class Applicant(BaseModel):
    """Personal data of the applicant (R-SEC-3: masked wherever it is not needed)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    name: Annotated[str, Field(default="", max_length=200)] = ""
    id_number: Annotated[str, Field(default="", max_length=64)] = ""
    phone: Annotated[str, Field(default="", max_length=32)] = ""


class CaseIn(BaseModel):
    """A case registered before (or without) its events."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    source_system: Key
    case_no: Key
    item_code: Annotated[str, Field(pattern=CODE_PATTERN)]
    received_at: datetime
    applicant: Applicant = Field(default_factory=Applicant)
    check_code: Annotated[str, Field(default="", max_length=32)] = ""
    title: Annotated[str, Field(default="", max_length=500)] = ""

    @field_validator("received_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return plausible_instant(value)
