"""Working-day arithmetic (R-CAL-1..2): weekends, statutory holidays and 调休 working days.

A `WorkCalendar` holds the days that differ from the Monday–Friday rule and the years whose
official schedule it knows. For a year it does not know, it falls back to Monday–Friday and says
so through `fallback_years`, so callers can tell the reader instead of guessing silently.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class CalendarDay:
    day: date
    is_workday: bool
    name: str = ""


class WorkCalendar:
    def __init__(self, days: Mapping[date, bool], covered_years: Iterable[int]) -> None:
        self._days = dict(days)
        self.covered_years = frozenset(covered_years)
        # (first ordinal, last ordinal, working-day ordinals in between), replaced as one value so a
        # thread reading while another widens the window never pairs old bounds with a new list.
        self._window: tuple[int, int, list[int]] = (0, 0, [])
        self._added: dict[tuple[date, int], date] = {}
        first = min(self.covered_years, default=date.today().year)
        last = max(self.covered_years, default=date.today().year)
        self._build(date(first - 1, 1, 1), date(last + 6, 12, 31))

    @classmethod
    def weekdays_only(cls) -> WorkCalendar:
        return cls({}, ())

    # -- single days ---------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        known = self._days.get(day)
        if known is not None and day.year in self.covered_years:
            return known
        return day.weekday() < 5

    def covers(self, year: int) -> bool:
        return year in self.covered_years

    def fallback_years(self, start: date, end: date) -> tuple[int, ...]:
        """Years between the two dates (inclusive) that are computed Monday–Friday only."""
        lo, hi = sorted((start.year, end.year))
        return tuple(y for y in range(lo, hi + 1) if y not in self.covered_years)

    # -- arithmetic ----------------------------------------------------------------------------
    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself not counted); n = 0 gives `start`."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        # Many cases share a start date and a limit: remember answers (the calendar never changes;
        # a loaded year makes a new WorkCalendar).
        key = (start, n)
        known = self._added.get(key)
        if known is not None:
            return known
        due = self._add(start, n)
        if len(self._added) < 200_000:
            self._added[key] = due
        return due

    def _add(self, start: date, n: int) -> date:
        self._ensure(start, start + timedelta(days=n * 2 + 60))
        while True:
            lo, hi, workdays = self._window
            i = bisect_right(workdays, start.toordinal()) + n - 1
            if i < len(workdays):
                return date.fromordinal(workdays[i])
            self._build(date.fromordinal(lo), date.fromordinal(hi) + timedelta(days=3660))

    def subtract_working_days(self, end: date, n: int) -> date:
        """The working day that has `end` as its n-th following working day (n = 0 gives `end`)."""
        if n <= 0:
            return end
        key = (end, -n)
        known = self._added.get(key)
        if known is None:
            known = self._added[key] = self._subtract(end, n)
        return known

    def _subtract(self, end: date, n: int) -> date:
        workdays = self._ensure(end - timedelta(days=n * 2 + 60), end)
        i = bisect_right(workdays, end.toordinal()) - 1 - n
        if i < 0:
            raise ValueError("before the calendar's window")
        return date.fromordinal(workdays[i])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        workdays = self._ensure(start, end)
        return bisect_right(workdays, end.toordinal()) - bisect_right(workdays, start.toordinal())

    @staticmethod
    def add_calendar_days(start: date, n: int) -> date:
        return start + timedelta(days=n)

    # -- the sorted list of working-day ordinals that makes both operations a bisection --------
    def _ensure(self, start: date, end: date) -> list[int]:
        lo, hi, workdays = self._window
        if start.toordinal() < lo or end.toordinal() > hi:
            first = min(start, date.fromordinal(lo)) - timedelta(days=366)
            last = max(end, date.fromordinal(hi)) + timedelta(days=366)
            return self._build(first, last)
        return workdays

    def _build(self, lo: date, hi: date) -> list[int]:
        lo = max(lo, date(1, 1, 2))
        hi = min(hi, date(9999, 12, 30))
        workdays = [
            o for o in range(lo.toordinal(), hi.toordinal() + 1) if self.is_workday(date.fromordinal(o))
        ]
        self._window = (lo.toordinal(), hi.toordinal(), workdays)
        return workdays
