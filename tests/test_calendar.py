"""Working days (R-CAL-1..2): statutory holidays, 调休 working days, and the weekday fallback."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.errors import Rejected
from jiancha.services.calendar import load_year, package_schedule, parse_schedule
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database


@pytest.fixture(scope="module")
def china() -> WorkCalendar:
    schedule = package_schedule()
    days = {d.day: d.is_workday for year in schedule.values() for d in year}
    return WorkCalendar(days, schedule)


def test_national_day_2026_is_a_holiday_and_its_adjusted_weekend_days_are_working(
    china: WorkCalendar,
) -> None:
    for d in range(1, 8):
        assert not china.is_workday(date(2026, 10, d)), f"10-{d} is a National Day holiday"
    assert china.is_workday(date(2026, 9, 20)), "Sunday 20 September 2026 is a 调休 working day"
    assert china.is_workday(date(2026, 10, 10)), "Saturday 10 October 2026 is a 调休 working day"
    assert not china.is_workday(date(2026, 10, 11))


def test_five_working_days_from_the_eve_of_national_day(china: WorkCalendar) -> None:
    # 30 Sep (Wed) + 5 working days: 8 Oct, 9 Oct, 10 Oct (Sat, 调休), 12 Oct, 13 Oct.
    assert china.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert china.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5


def test_a_deadline_crossing_into_2027_falls_back_to_weekdays_and_says_so(china: WorkCalendar) -> None:
    due = china.add_working_days(date(2026, 12, 28), 10)
    # 29-31 Dec are working days (3); 2027 has no data, so Mon-Fri: 1, 4, 5, 6, 7, 8, 11 Jan.
    assert due == date(2027, 1, 11)
    assert china.fallback_years(date(2026, 12, 28), due) == (2027,)
    assert china.fallback_years(date(2026, 1, 5), date(2026, 3, 1)) == ()


def test_loading_2027_replaces_the_fallback(china: WorkCalendar) -> None:
    schedule = package_schedule()
    days = {d.day: d.is_workday for year in schedule.values() for d in year}
    days[date(2027, 1, 1)] = False  # 元旦 holiday on a Friday
    loaded = WorkCalendar(days, [*schedule, 2027])
    assert loaded.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert china.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert loaded.fallback_years(date(2026, 12, 1), date(2027, 2, 1)) == ()


def test_far_future_does_not_crash(china: WorkCalendar) -> None:
    assert china.add_working_days(date(2026, 1, 5), 3000) > date(2037, 1, 1)


@given(st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 400))
def test_adding_then_counting_gives_the_same_number(start: date, n: int) -> None:
    cal = _CAL
    due = cal.add_working_days(start, n)
    assert cal.working_days_between(start, due) == n
    if n > 0:
        assert cal.is_workday(due)
        assert cal.working_days_between(start, due - timedelta(days=1)) == n - 1


@given(
    st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)),
)
def test_counting_matches_a_day_by_day_walk(a: date, b: date) -> None:
    lo, hi = sorted((a, b))
    if (hi - lo).days > 800:
        hi = lo + timedelta(days=800)
    walk = sum(_CAL.is_workday(lo + timedelta(days=k)) for k in range(1, (hi - lo).days + 1))
    assert _CAL.working_days_between(lo, hi) == walk


_schedule = package_schedule()
_CAL = WorkCalendar({d.day: d.is_workday for y in _schedule.values() for d in y}, _schedule)


def test_schedule_files_are_parsed_and_bad_rows_all_listed() -> None:
    year, days = parse_schedule(
        b"date,workday,name\n2027-01-01,false,\xe5\x85\x83\xe6\x97\xa6\n2027-02-07,true,\n", "2027.csv"
    )
    assert year == 2027 and [d.is_workday for d in days] == [False, True]
    with pytest.raises(Rejected) as bad:
        parse_schedule(b"date,workday\n2027-13-01,false\n2027-01-02,maybe\n", "2027.csv")
    assert [(p.index, p.field) for p in bad.value.problems] == [(2, "date"), (3, "workday")]
    with pytest.raises(Rejected):
        parse_schedule(
            b'{"days": [{"date": "2027-01-01", "workday": false}, {"date": "2028-01-01", "workday": false}]}',
            "x.json",
        )


def test_a_loaded_year_is_used_by_the_stored_calendar(db: Database) -> None:
    with db.read() as conn:
        assert not calendar_store.load(conn).covers(2027)
    _, days = parse_schedule(
        b'{"year": 2027, "days": [{"date": "2027-01-01", "workday": false, "name": "\xe5\x85\x83'
        b'\xe6\x97\xa6"}]}',
        "2027.json",
    )
    load_year(db, 2027, days, source="file", by="tester")
    with db.read() as conn:
        cal = calendar_store.load(conn)
    assert cal.covers(2027)
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_a_year_the_package_brings_later_recomputes_the_cases_counted_without_it(db: Database) -> None:
    """A database made before the package knew 2026; a case accepted in December 2025 was counted
    Monday–Friday into January. Seeding 2026 at the next start recomputes it."""
    from datetime import UTC, datetime

    from sqlalchemy import delete, select

    from jiancha.services import ingest, integrity
    from jiancha.services.calendar import seed_from_package
    from jiancha.store.tables import calendar_days, calendar_years, cases

    from .conftest import event

    with db.write() as conn:
        conn.execute(delete(calendar_days).where(calendar_days.c.day >= date(2026, 1, 1)))
        conn.execute(delete(calendar_years).where(calendar_years.c.year == 2026))
    accepted = event(1, at="2025-12-15T09:00:00+08:00")
    ingest.ingest_events(db, ingest.validate_events([accepted]), now=datetime(2025, 12, 15, 2, tzinfo=UTC))
    with db.read() as conn:
        before = conn.execute(select(cases.c.legal_due, cases.c.calendar_fallback)).one()
    assert before.calendar_fallback == "2026"
    assert seed_from_package(db) == [2026]
    with db.read() as conn:
        after = conn.execute(select(cases.c.legal_due, cases.c.calendar_fallback)).one()
    assert after.calendar_fallback == "" and after.legal_due > before.legal_due  # New Year's Day is off
    assert integrity.check(db).ok
