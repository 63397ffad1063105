"""Accountability records (R-SUP-4, 问责): the finding (a fault confirmed or not), the measures
taken, and the mitigation when the department found and fixed the fault itself (主动发现并纠正)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jiancha.domain.catalogue import CODE_PATTERN


class Measure(StrEnum):
    order_correction = "order_correction"  # 责令改正
    circulate_criticism = "circulate_criticism"  # 通报批评
    efficiency_warning = "efficiency_warning"  # 效能告诫
    admonishing_talk = "admonishing_talk"  # 诫勉谈话
    accountability = "accountability"  # 问责 (organisational or disciplinary handling)
    transfer = "transfer"  # 移送纪检监察机关


LABELS = {
    Measure.order_correction: "责令改正",
    Measure.circulate_criticism: "通报批评",
    Measure.efficiency_warning: "效能告诫",
    Measure.admonishing_talk: "诫勉谈话",
    Measure.accountability: "问责",
    Measure.transfer: "移送纪检监察机关",
}


class AccountabilityIn(BaseModel):
    """What the supervision agency decided about a department (and, if named, an official)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    department_code: Annotated[str, Field(pattern=CODE_PATTERN)]
    signal_id: Annotated[int | None, Field(ge=1, le=2**62)] = None
    notice_no: Annotated[str | None, Field(max_length=64)] = None
    fault: bool  # the fault is confirmed (过错认定) or not
    finding: Annotated[str, Field(min_length=1, max_length=20000)]
    measures: Annotated[list[Measure], Field(max_length=6)] = []
    official: Annotated[str, Field(max_length=200)] = ""
    self_corrected: bool = False  # found and fixed by the department itself: a mitigation
    mitigation: Annotated[str, Field(max_length=5000)] = ""
    decided_by: Annotated[str, Field(max_length=200)] = ""  # the API records the signed-in caller

    @model_validator(mode="after")
    def _consistent(self) -> AccountabilityIn:
        if self.fault and not self.measures:
            raise ValueError("过错已认定，须写明处理措施 | a confirmed fault needs at least one measure")
        if not self.fault and (self.measures or self.self_corrected):
            raise ValueError(
                "未认定过错，不能有处理措施或从轻情节 | no fault confirmed: no measures and no mitigation"
            )
        if self.self_corrected and not self.mitigation.strip():
            raise ValueError(
                "从轻处理须说明主动发现和纠正的情况 | a mitigation needs its account "
                "(what the department found and fixed)"
            )
        return self
