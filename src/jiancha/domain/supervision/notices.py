"""Supervision notices (督办, R-SUP-2) and measures (R-SUP-1): a department must report its investigation
within N working days of a notice (20 under the Sichuan 2014 measures, 15 under those of 2011 — a
pack setting), answer a measure (explain, give materials, perform, stop) within the pack's days,
with at most one extension of at most M working days, granted by the supervisor. The deadline is
itself supervised: a notice not reported on by the end of its due day raises a signal.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.rules.model import Colour
from jiancha.domain.timeutil import local_date


class NoticeKind(StrEnum):
    """What a notice requires. Besides the notice proper (督办), the supervision measures of the
    Sichuan 2014 measures §8 are sent as notices too, each answered by the department by a due date."""

    supervise = "supervise"  # 督办: report the investigation and handling (§9)
    explain = "explain"  # 要求就黄灯预警、红灯报警作出解释和说明 (§8(一))
    materials = "materials"  # 要求提供与监察事项有关的材料 (§8(二))
    perform = "perform"  # 责令履行法定职责、义务 (§8(三))
    stop = "stop"  # 责令停止违反纪律、法规的行为 (§8(三))
    accountability = "accountability"  # 提出行政过错责任追究建议 (§8(四)): the department answers what it did


KIND_ZH = {
    NoticeKind.supervise: "督办通知",
    NoticeKind.explain: "要求说明情况通知",
    NoticeKind.materials: "要求提供材料通知",
    NoticeKind.perform: "责令履行职责通知",
    NoticeKind.stop: "责令停止违规行为通知",
    NoticeKind.accountability: "责任追究建议",
}
# Each kind's number prefix: 督办 DB, 说明 SM, 材料 CL, 履行 LX, 停止 TZ, 追究建议 ZJ.
PREFIX = {
    NoticeKind.supervise: "DB",
    NoticeKind.explain: "SM",
    NoticeKind.materials: "CL",
    NoticeKind.perform: "LX",
    NoticeKind.stop: "TZ",
    NoticeKind.accountability: "ZJ",
}


class NoticeState(StrEnum):
    issued = "issued"  # waiting for the department's report
    extension_requested = "extension_requested"
    reported = "reported"  # the supervisor reviews the report
    closed = "closed"


# Waiting for the department: the clock watches these.
AWAITING = frozenset({NoticeState.issued, NoticeState.extension_requested})


class NoticeRules(BaseModel):
    """A pack's setting for notices."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    report_working_days: Annotated[int, Field(ge=1, le=120)] = 20
    max_extension_working_days: Annotated[int, Field(ge=0, le=60)] = 10
    extensions: Annotated[int, Field(ge=0, le=3)] = 1
    colour: Colour = Colour.red
    article: str = "SPEC R-SUP-2（督办事项 20 个工作日内报告调查处理情况）"
    message_zh: str = "督办件 {notice_no}（{department}）应于 {due} 前报告调查处理情况，逾期未报"
    message_en: str = (
        "supervision notice {notice_no} to {department} was due to be reported on by {due}; no report"
    )
    # The §8 measures (explain, materials, perform, stop, accountability): the source sets no limit;
    # five working days is our default, a pack may say otherwise.
    measure_working_days: Annotated[int, Field(ge=1, le=60)] = 5
    measure_article: str = "四川省行政权力依法规范公开运行电子监察管理办法（试行） 第八条"
    measure_message_zh: str = "{kind_zh} {notice_no}（{department}）应于 {due} 前答复，逾期未复"
    measure_message_en: str = (
        "{kind} notice {notice_no} to {department} was due to be answered by {due}; no answer"
    )


def report_due(
    issued_at: datetime, rules: NoticeRules, calendar: WorkCalendar, kind: NoticeKind = NoticeKind.supervise
) -> date:
    days = rules.report_working_days if kind == NoticeKind.supervise else rules.measure_working_days
    return calendar.add_working_days(local_date(issued_at), days)


def check_extension(days: int, granted_before: int, rules: NoticeRules) -> None:
    """Raise ValueError ("中文 | English") when an extension is not allowed."""
    if granted_before >= rules.extensions:
        raise ValueError(
            f"督办件已延期 {granted_before} 次，不能再延期 | the notice was already extended "
            f"{granted_before} time(s); at most {rules.extensions} allowed"
        )
    if not 1 <= days <= rules.max_extension_working_days:
        raise ValueError(
            f"延期不得超过 {rules.max_extension_working_days} 个工作日 | an extension is 1 to "
            f"{rules.max_extension_working_days} working days, not {days}"
        )
