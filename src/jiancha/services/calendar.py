"""Seeding and loading the holiday schedule (R-CAL-2)."""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from datetime import date

import orjson

from jiancha.domain.clock.calendar import CalendarDay, WorkCalendar
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import EARLIEST_YEAR, LATEST_YEAR, utcnow
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append

log = logging.getLogger(__name__)

_TRUE = {"1", "true", "yes", "y", "是", "班", "上班", "workday"}
_FALSE = {"0", "false", "no", "n", "否", "休", "休息", "holiday"}


def package_schedule() -> dict[int, list[CalendarDay]]:
    """Holidays and 调休 working days the `chinesecalendar` package knows, by year."""
    from chinese_calendar import constants

    by_year: dict[int, list[CalendarDay]] = defaultdict(list)
    for day, name in constants.holidays.items():
        by_year[day.year].append(CalendarDay(day, False, str(name)))
    for day, name in constants.workdays.items():
        by_year[day.year].append(CalendarDay(day, True, str(name)))
    return {y: sorted(days, key=lambda d: d.day) for y, days in by_year.items()}


def seed_from_package(db: Database, *, by: str = "system") -> list[int]:
    """Load every year the package knows and the database does not have yet, and recompute the
    cases whose clock runs through one of them (they were counted Monday–Friday until now)."""
    from jiancha.services.refold import refold_year

    schedule = package_schedule()
    with db.write() as conn:
        have = {int(y["year"]) for y in calendar_store.years(conn)}  # type: ignore[call-overload]
        added = sorted(set(schedule) - have)
        now = utcnow()
        for year in added:
            calendar_store.save_year(conn, year, schedule[year], source="chinesecalendar", by=by, at=now)
        if added:
            append(
                conn,
                [
                    Entry(
                        "calendar",
                        f"calendar:{added[0]}-{added[-1]}",
                        {"v": 1, "source": "chinesecalendar", "years": added, "by": by},
                    )
                ],
            )
            calendar = calendar_store.load(conn)
            changed = sum(refold_year(conn, year, calendar) for year in added)
            if changed:
                log.info("calendar: seeded %s; %d cases recomputed", added, changed)
    return added


def parse_schedule(data: bytes, filename: str) -> tuple[int, list[CalendarDay]]:
    """A year's schedule as JSON {"year", "days": [{"date", "workday", "name"}]} or CSV date,workday,name.

    Only days that differ from Monday–Friday need listing; a weekend holiday may be listed for its name.
    """
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, object]]] = []
    year: int | None = None
    try:
        if filename.lower().endswith(".json"):
            doc = orjson.loads(data)
            if not isinstance(doc, dict) or not isinstance(doc.get("days"), list):
                raise Rejected(
                    "unreadable_file",
                    "日历文件应为含 days 列表的 JSON 对象",
                    "a calendar file must be a JSON object with a days list",
                )
            year = doc.get("year") if isinstance(doc.get("year"), int) else None
            rows = [(i + 1, d if isinstance(d, dict) else {}) for i, d in enumerate(doc["days"])]
        else:
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
            rows = [(i + 2, dict(r)) for i, r in enumerate(reader)]
    except (orjson.JSONDecodeError, UnicodeDecodeError) as e:
        raise Rejected("unreadable_file", "日历文件无法读取", f"the calendar file cannot be read: {e}") from e

    days: list[CalendarDay] = []
    for index, row in rows:
        try:
            day = date.fromisoformat(str(row.get("date", "")).strip())
        except ValueError:
            problems.append(
                Problem("bad_date", "date", "日期格式无效，应为 YYYY-MM-DD", "date must be YYYY-MM-DD", index)
            )
            continue
        flag = str(row.get("workday", "")).strip().lower()
        if flag not in _TRUE | _FALSE:
            problems.append(
                Problem(
                    "bad_flag",
                    "workday",
                    "应为 true/false（上班/休息）",
                    "workday must be true or false",
                    index,
                )
            )
            continue
        name = str(row.get("name") or "").strip()
        if len(name) > 100:
            problems.append(
                Problem(
                    "too_long", "name", "名称过长（最多 100 字）", "name is longer than 100 characters", index
                )
            )
            continue
        if any(d.day == day for d in days):
            problems.append(Problem("repeated", "date", "日期重复", f"{day} is listed twice", index))
            continue
        days.append(CalendarDay(day, flag in _TRUE, name))
    if any(not EARLIEST_YEAR <= d.day.year <= LATEST_YEAR for d in days):
        problems.append(
            Problem(
                "out_of_range",
                "date",
                f"日期须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间",
                f"dates must lie between {EARLIEST_YEAR} and {LATEST_YEAR}",
            )
        )
    years = {d.day.year for d in days} | ({year} if year else set())
    if len(years) > 1:
        problems.append(
            Problem(
                "mixed_years",
                "date",
                "一个文件只能包含一个年度",
                f"one file holds one year, found {sorted(years)}",
            )
        )
    if not years and not problems:
        problems.append(Problem("empty", "days", "文件中没有日期", "the file lists no days"))
    if problems:
        raise Rejected(
            "calendar_rejected",
            "日历文件有错误，未作任何更改",
            "the calendar file has errors; nothing was changed",
            problems,
        )
    return years.pop(), days


def load_year(db: Database, year: int, days: list[CalendarDay], *, source: str, by: str) -> int:
    """Load a year's schedule and, in the same transaction, recompute every case whose clock runs
    through that year; returns how many cases changed."""
    from jiancha.services.refold import refold_year

    with db.write() as conn:
        calendar_store.save_year(conn, year, days, source=source, by=by, at=utcnow())
        append(
            conn,
            [
                Entry(
                    "calendar",
                    f"calendar:{year}",
                    {
                        "v": 1,
                        "year": year,
                        "source": source,
                        "by": by,
                        "days": [
                            {"date": d.day.isoformat(), "workday": d.is_workday, "name": d.name} for d in days
                        ],
                    },
                )
            ],
        )
        changed = refold_year(conn, year, calendar_store.load(conn))
    log.info(
        "calendar: loaded %d special days for %d from %s; %d cases recomputed",
        len(days),
        year,
        source,
        changed,
    )
    return changed


def current(db: Database) -> WorkCalendar:
    with db.read() as conn:
        return calendar_store.load(conn)


def fallback_notice(years: tuple[int, ...]) -> dict[str, str] | None:
    """What the API and the log say when a computation used Monday–Friday only (R-CAL-2)."""
    if not years:
        return None
    ys = "、".join(str(y) for y in years)
    return {
        "code": "calendar_fallback",
        "message_zh": f"{ys} 年的节假日安排尚未载入，按周一至周五计算工作日",
        "message_en": f"no holiday schedule loaded for {', '.join(map(str, years))}: "
        "working days computed as Monday to Friday",
    }


_warned: set[int] = set()


def warn_fallback(years: tuple[int, ...]) -> None:
    """Log, once per year and process, that a year is counted Monday–Friday (R-CAL-2)."""
    new = [y for y in years if y not in _warned]
    if new:
        _warned.update(new)
        log.warning(
            "calendar: no holiday schedule loaded for %s; working days there are counted Monday to "
            "Friday until an administrator loads it (jiancha calendar load)",
            ", ".join(map(str, new)),
        )
