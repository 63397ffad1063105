"""Supervision notices (督办, R-SUP-2): a department must report its investigation within N working
days of the notice (20 under the Sichuan 2014 measures, 15 under those of 2011 — a pack setting),
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


def report_due(issued_at: datetime, rules: NoticeRules, calendar: WorkCalendar) -> date:
    return calendar.add_working_days(local_date(issued_at), rules.report_working_days)


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
