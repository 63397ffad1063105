"""The working-day calendar in the database: days that differ from Monday–Friday, per year."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, delete, func, insert, select

from jiancha.domain.clock.calendar import CalendarDay, WorkCalendar
from jiancha.store.tables import calendar_days, calendar_years

_cache_lock = threading.Lock()
_cache: dict[tuple[str, object], WorkCalendar] = {}


def revision(conn: Connection) -> object:
    """Changes whenever a year is loaded: the key under which a built calendar is reused."""
    row = conn.execute(select(func.count(), func.max(calendar_years.c.loaded_at))).one()
    return (row[0], row[1])


def load(conn: Connection) -> WorkCalendar:
    key = (str(conn.engine.url), revision(conn))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    days = {
        r.day: bool(r.is_workday)
        for r in conn.execute(select(calendar_days.c.day, calendar_days.c.is_workday))
    }
    years = [int(y) for y in conn.execute(select(calendar_years.c.year)).scalars()]
    calendar = WorkCalendar(days, years)
    with _cache_lock:
        _cache.clear()  # one database per process in practice; keep only the newest
        _cache[key] = calendar
    return calendar


def save_year(
    conn: Connection, year: int, days: Sequence[CalendarDay], *, source: str, by: str, at: datetime
) -> None:
    """Replace what is known of `year` by `days` and mark the year as covered."""
    conn.execute(
        delete(calendar_days).where(calendar_days.c.day.between(date(year, 1, 1), date(year, 12, 31)))
    )
    if days:
        conn.execute(
            insert(calendar_days),
            [{"day": d.day, "is_workday": d.is_workday, "name": d.name, "source": source} for d in days],
        )
    conn.execute(delete(calendar_years).where(calendar_years.c.year == year))
    conn.execute(insert(calendar_years).values(year=year, source=source, loaded_at=at, loaded_by=by))


def years(conn: Connection) -> list[dict[str, object]]:
    rows = conn.execute(select(calendar_years).order_by(calendar_years.c.year)).mappings()
    return [dict(r) for r in rows]


def days_of(conn: Connection, year: int) -> list[CalendarDay]:
    rows = conn.execute(
        select(calendar_days)
        .where(calendar_days.c.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(calendar_days.c.day)
    )
    return [CalendarDay(r.day, bool(r.is_workday), r.name) for r in rows]
