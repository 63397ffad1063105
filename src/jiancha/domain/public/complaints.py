"""Complaints (投诉, R-PUB-1): from the public, anonymous or real-name, about a department or a
case. Whether to accept one is decided within N working days (5 under the Shenzhen measures, §14),
with the reason; an accepted complaint goes to the department with a due date for its result. A
real-name complainant is told the decision and the result; an anonymous one is not (there is no
one to tell). Each deadline is watched by the clock.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.domain.rules.model import Colour


class ComplaintState(StrEnum):
    received = "received"  # waiting for the decision to accept or not
    not_accepted = "not_accepted"
    transferred = "transferred"  # accepted, with the department for its result
    resulted = "resulted"


class Complainant(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Annotated[str, Field(min_length=5, max_length=32)]


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    department_code: Annotated[str, Field(pattern=CODE_PATTERN)]
    case_no: Annotated[str | None, Field(max_length=128)] = None
    content: Annotated[str, Field(min_length=1, max_length=20000)]
    channel: Annotated[str, Field(pattern="^(web|phone|letter|visit)$")] = "web"
    anonymous: bool = False
    complainant: Complainant | None = None

    @model_validator(mode="after")
    def _who(self) -> ComplaintIn:
        if not self.anonymous and self.complainant is None:
            raise ValueError(
                "实名投诉须提供姓名和联系电话 | a real-name complaint needs the complainant's name and phone"
            )
        if self.anonymous and self.complainant is not None:
            raise ValueError("匿名投诉不应提供投诉人信息 | an anonymous complaint carries no complainant")
        return self


class ComplaintRules(BaseModel):
    """A pack's setting for complaints."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    decide_working_days: Annotated[int, Field(ge=1, le=60)] = 5
    result_working_days: Annotated[int, Field(ge=1, le=120)] = 15
    colour: Colour = Colour.yellow
    article: str = "SPEC R-PUB-1（投诉 5 个工作日内决定是否受理；转办件按期反馈结果）"
    decide_message_zh: str = "投诉 {complaint_no} 应于 {due} 前决定是否受理，逾期未决定"
    decide_message_en: str = "complaint {complaint_no} was to be accepted or not by {due}; no decision"
    result_message_zh: str = "投诉 {complaint_no} 转 {department} 办理，应于 {due} 前反馈结果，逾期未反馈"
    result_message_en: str = (
        "complaint {complaint_no} sent to {department} was due a result by {due}; none came"
    )
