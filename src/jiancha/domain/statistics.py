"""Months and rates for the statistics and the monthly report (统计分析, R-REP-1, R-REP-3).

A month runs from local midnight (Asia/Shanghai) on its first day to local midnight on the first
day of the next; the database keeps instants in UTC, so each month is handed to SQL as a pair of
UTC instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import EARLIEST_YEAR, LATEST_YEAR, start_of_local_day

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TREND_MONTHS = 12


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "month") -> Month:
        """YYYY-MM, or a refusal naming `field` in Chinese and English."""
        found = _MONTH.match(text.strip()) if isinstance(text, str) else None
        month = cls(int(found[1]), int(found[2])) if found else None
        if month is None or not 1 <= month.month <= 12:
            raise _bad(field, f"月份格式应为 YYYY-MM：{text!r}", f"{field} must be a month YYYY-MM: {text!r}")
        if not EARLIEST_YEAR <= month.year < LATEST_YEAR:
            raise _bad(
                field,
                f"月份须在 {EARLIEST_YEAR} 至 {LATEST_YEAR - 1} 年之间",
                f"{field} must lie between {EARLIEST_YEAR} and {LATEST_YEAR - 1}",
            )
        return month

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def zh(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def start(self) -> datetime:
        """The month's first instant (local midnight of its first day), in UTC."""
        return start_of_local_day(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after the month, in UTC."""
        return self.next().start

    def trailing(self, n: int = TREND_MONTHS) -> list[Month]:
        """The n months ending with this one, oldest first."""
        months = [self]
        while len(months) < n:
            months.append(months[-1].previous())
        return months[::-1]


def rate(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide (no case handled: no rate, not 0 %)."""
    return part / whole if whole else None


def percent(value: float | None, digits: int = 2) -> str:
    """12.35% — or a dash when there is no rate."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _bad(field: str, zh: str, en: str) -> Rejected:
    return Rejected("bad_month", zh, en, [Problem("bad_month", field, zh, en)])
