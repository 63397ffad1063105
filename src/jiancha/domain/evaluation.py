"""Performance evaluation (绩效测评, R-EVA-1; 深圳 2007 §16-20): every department and every official
starts a month from a base score; deductions and additions follow from what happened, each point
with its reason and its source. The scheme is data: a pack section, so each agency sets its own.

Pure arithmetic here; `services/evaluation.py` finds the points in the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

CENT = Decimal("0.01")
Points = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]


class Reason(StrEnum):
    """Why a point was given or taken (the scheme names each)."""

    red_signal = "red_signal"  # 红色纠错
    yellow_signal = "yellow_signal"  # 黄色纠错
    overdue_case = "overdue_case"  # 超期办件
    upheld_complaint = "upheld_complaint"  # 投诉查实
    late_reporting = "late_reporting"  # 数据报送不及时、应报未报
    sample_finding = "sample_finding"  # 抽查发现问题
    early_completion = "early_completion"  # 提前办结率（加分）
    satisfaction = "satisfaction"  # 满意度（加分）


REASON_ZH = {
    Reason.red_signal: "红色纠错",
    Reason.yellow_signal: "黄色纠错",
    Reason.overdue_case: "超期办件",
    Reason.upheld_complaint: "投诉查实",
    Reason.late_reporting: "数据报送不及时",
    Reason.sample_finding: "抽查发现问题",
    Reason.early_completion: "提前办结率",
    Reason.satisfaction: "满意度",
}
DEDUCTIONS = (
    Reason.red_signal,
    Reason.yellow_signal,
    Reason.overdue_case,
    Reason.upheld_complaint,
    Reason.late_reporting,
    Reason.sample_finding,
)


class Deductions(BaseModel):
    """Points taken for each occurrence."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    red_signal: Points = Decimal(2)
    yellow_signal: Points = Decimal("0.5")
    overdue_case: Points = Decimal(3)
    upheld_complaint: Points = Decimal(3)
    late_reporting: Points = Decimal(1)
    sample_finding: Points = Decimal(1)


class Additions(BaseModel):
    """Points given at the best result, in proportion below it: all of `early_completion` when every
    case handled was completed before its promised day; all of `satisfaction` at an average rating of
    5, none at 3 (neutral) or below."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    early_completion: Points = Decimal(5)
    satisfaction: Points = Decimal(5)


class EvaluationRules(BaseModel):
    """A pack's evaluation scheme (测评标准, 深圳 §18: 扣分和加分相结合)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base: Annotated[Decimal, Field(ge=0, le=1000)] = Decimal(100)
    floor: Annotated[Decimal, Field(ge=0, le=1000)] = Decimal(0)
    deductions: Deductions = Deductions()
    additions: Additions = Additions()
    # Signals of these families count as late or missing data reporting, not by their colour: each
    # signal counts once.
    reporting_families: tuple[str, ...] = ("late_entry", "silent_feed")
    article: str = "深圳市行政审批电子监察暂行办法 第十六条至第十八条"

    def per_occurrence(self, reason: Reason) -> Decimal:
        return -Decimal(getattr(self.deductions, reason.value))


@dataclass(frozen=True)
class Point:
    """One deduction or addition: to whom, how much, why and from what."""

    department_code: str
    official: str | None  # None: the department's alone (a silent feed has no official)
    reason: Reason
    points: Decimal  # negative for a deduction
    source: str  # what it rests on: "signal:12", "case:C-1", "complaint:TS-…", "rate:7/9"
    at: datetime


def early_completion_points(rules: EvaluationRules, completed: int, early: int) -> Decimal:
    if completed == 0:
        return Decimal(0)
    share = Decimal(early) / Decimal(completed)
    return (rules.additions.early_completion * share).quantize(CENT, ROUND_HALF_UP)


def satisfaction_points(rules: EvaluationRules, ratings: int, total_score: int) -> Decimal:
    if ratings == 0:
        return Decimal(0)
    above = (Decimal(total_score) / Decimal(ratings) - 3) / 2
    return (rules.additions.satisfaction * max(Decimal(0), above)).quantize(CENT, ROUND_HALF_UP)


def score(rules: EvaluationRules, points: Iterable[Decimal]) -> Decimal:
    return max(rules.floor, rules.base + sum(points, Decimal(0))).quantize(CENT)


def sources_digest(sources: Iterable[str]) -> str:
    """A fingerprint of exactly which sources a total rests on (the archive keeps it, not the list)."""
    return hashlib.sha256("\n".join(sorted(sources)).encode()).hexdigest()


def ranks(scores: dict[str, Decimal]) -> dict[str, int]:
    """Competition ranking: the highest is 1, equal scores share a rank (1, 1, 3)."""
    ordered = sorted(scores.values(), reverse=True)
    return {key: ordered.index(value) + 1 for key, value in scores.items()}
