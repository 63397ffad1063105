"""On-duty check-in of key site personnel (上岗签到, R-MON-10): absences in a month, check-ins away
from the site, and check-ins without a matching duty, on hand-made records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors import duty
from jiancha.domain.monitors.base import Hit, Record, Records, Today
from jiancha.domain.monitors.duty import (
    MONITOR,
    Absence,
    OutOfRadius,
    Unrostered,
    absence,
    out_of_radius,
    unrostered,
)
from jiancha.domain.vehicles.tracks import distance_km

from .monitoring import CITY, kept

DEPT = "330900-ZJ"
TODAY = Today(date(2026, 5, 15), WorkCalendar.weekdays_only())  # a Friday
SITE = (30.0, 120.0)


def record(kind: str, data: dict[str, Any]) -> Record:
    """A kept record as the service keeps it."""
    return kept(MONITOR, kind, data, DEPT)


def posting(did: str = "DU1", starts_on: str = "2026-04-01", ends_on: str = "2026-12-31") -> Record:
    return record(
        "duty",
        {
            "id": did,
            "project": "安置小区一期",
            "person_id": "P1",
            "person_name": "陈某某",
            "role": "总监理工程师",
            "lat": SITE[0],
            "lon": SITE[1],
            "radius_m": 200,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )


def check_in(day: date, did: str = "DU1", north: float = 0.0, at: str | None = None) -> Record:
    return record(
        "check_in",
        {
            "id": f"C-{did}-{day:%m%d}-{north}",
            "duty": did,
            "at": at or f"{day.isoformat()}T08:05:00+08:00",
            "lat": SITE[0] + north,
            "lon": SITE[1],
        },
    )


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


APRIL = days(date(2026, 4, 1), date(2026, 4, 30))
APRIL_WORKDAYS = [d for d in APRIL if d.weekday() < 5]  # 22


def subjects(hits: list[Hit]) -> list[str]:
    return [h.subject for h in hits]


# -- absence ---------------------------------------------------------------------------------------


def present_except(missed: list[date]) -> list[Record]:
    may = days(date(2026, 5, 1), date(2026, 5, 14))
    return [posting()] + [check_in(d) for d in APRIL + may if d not in missed]


def test_two_working_days_absent_in_a_month_are_allowed() -> None:
    assert absence(Absence(), Records(present_except(APRIL_WORKDAYS[3:5])), TODAY) == []


def test_a_third_working_day_absent_hits_the_month_from_that_day() -> None:
    missed = [APRIL_WORKDAYS[3], APRIL_WORKDAYS[10], APRIL_WORKDAYS[20]]
    [hit] = absence(Absence(), Records(present_except(missed)), TODAY)
    assert hit.subject == "duty/DU1@2026-04"
    assert hit.day == APRIL_WORKDAYS[20] == date(2026, 4, 29)
    assert dict(hit.values) == {
        "duty": "DU1",
        "project": "安置小区一期",
        "person_id": "P1",
        "person_name": "陈某某",
        "role": "总监理工程师",
        "month": "2026-04",
        "absent": 3,
        "working_days": 22,
        "through": "2026-04-30",
        "absent_days": [d.isoformat() for d in missed],
        "limit": 2,
    }
    assert hit.records == ("duty/DU1",)


def test_weekends_do_not_count_and_a_weekend_check_in_makes_up_for_nothing() -> None:
    weekend = [d for d in APRIL if d.weekday() >= 5]
    assert absence(Absence(), Records(present_except(weekend)), TODAY) == []
    records = present_except(APRIL_WORKDAYS[:3])
    assert len(absence(Absence(), Records(records), TODAY)) == 1


def test_a_check_in_away_from_the_site_is_no_presence() -> None:
    # The third working day has a check-in only, 222 m from the site: absent; 189 m: present.
    missed = APRIL_WORKDAYS[:3]
    [hit] = absence(Absence(), Records([*present_except(missed), check_in(missed[2], north=0.002)]), TODAY)
    assert hit.values["absent"] == 3
    assert (
        absence(Absence(), Records([*present_except(missed), check_in(missed[2], north=0.0017)]), TODAY) == []
    )


def test_the_current_month_is_judged_up_to_yesterday() -> None:
    records = Records([posting(starts_on="2026-05-01")])
    # May 2026: Friday the 1st, then the 4th–8th and 11th–14th; today, the 15th, is not over.
    [hit] = absence(Absence(), records, TODAY)
    assert (hit.subject, hit.day, hit.values["absent"], hit.values["through"]) == (
        "duty/DU1@2026-05",
        date(2026, 5, 5),
        10,
        "2026-05-14",
    )
    assert absence(Absence(), records, Today(date(2026, 5, 5), TODAY.calendar)) == []
    assert len(absence(Absence(), records, Today(date(2026, 5, 6), TODAY.calendar))) == 1


def test_only_the_days_of_the_duty_count() -> None:
    # From Wednesday 22 to Tuesday 28 April: five working days, two of them absent.
    records = [posting(starts_on="2026-04-22", ends_on="2026-04-28")]
    records += [check_in(d) for d in days(date(2026, 4, 22), date(2026, 4, 24))]
    [hit] = absence(Absence(max_absent_days=1), Records(records), TODAY)
    assert (hit.values["working_days"], hit.values["absent_days"]) == (5, ["2026-04-27", "2026-04-28"])
    assert absence(Absence(), Records(records), TODAY) == []


def test_the_calendar_decides_the_working_days() -> None:
    # A calendar with 6 April a holiday and Saturday 11 April a working day (调休).
    calendar = WorkCalendar({date(2026, 4, 6): False, date(2026, 4, 11): True}, [2026])
    records = Records(present_except([date(2026, 4, 6), date(2026, 4, 7), date(2026, 4, 8)]))
    assert len(absence(Absence(), records, TODAY)) == 1
    assert absence(Absence(), records, Today(TODAY.day, calendar)) == []


# -- away from the site ----------------------------------------------------------------------------


def test_a_check_in_beyond_the_radius_hits_and_within_it_does_not() -> None:
    inside, outside = check_in(date(2026, 5, 12), north=0.0017), check_in(date(2026, 5, 13), north=0.0019)
    [hit] = out_of_radius(OutOfRadius(), Records([posting(), inside, outside]), TODAY)
    assert hit.subject == f"check_in/{outside.record_id}"
    assert hit.day == date(2026, 5, 13)
    assert dict(hit.values) == {
        "duty": "DU1",
        "project": "安置小区一期",
        "person_id": "P1",
        "person_name": "陈某某",
        "role": "总监理工程师",
        "id": outside.record_id,
        "at": "2026-05-13 08:05",
        "distance_m": round(1000 * distance_km(SITE[0], SITE[1], SITE[0] + 0.0019, SITE[1])),
        "radius_m": 200.0,
    }
    assert hit.values["distance_m"] == 211
    assert hit.records == (f"check_in/{outside.record_id}", "duty/DU1")


def test_a_check_in_without_its_duty_or_outside_its_period_is_left_to_the_unrostered_check() -> None:
    records = Records(
        [posting(), check_in(date(2026, 3, 31), north=0.5), check_in(date(2026, 5, 12), "DU9", north=0.5)]
    )
    assert out_of_radius(OutOfRadius(), records, TODAY) == []


# -- without a matching duty -----------------------------------------------------------------------


def test_a_check_in_for_an_unknown_duty_hits_after_the_grace_days() -> None:
    records = Records([check_in(date(2026, 5, 13), "DU9"), check_in(date(2026, 5, 14), "DU9")])
    [hit] = unrostered(Unrostered(), records, TODAY)
    assert hit.subject == "check_in/C-DU9-0513-0.0"
    assert hit.day == date(2026, 5, 13)
    assert dict(hit.values) == {
        "id": "C-DU9-0513-0.0",
        "duty": "DU9",
        "person_name": "",
        "at": "2026-05-13 08:05",
        "reason_zh": "岗位未登记",
        "reason_en": "the duty is not registered",
    }
    assert hit.records == ("check_in/C-DU9-0513-0.0",)
    assert len(unrostered(Unrostered(grace_days=0), records, TODAY)) == 2


def test_an_unknown_duty_is_judged_up_to_35_days_after_the_check_in() -> None:
    # Its duty, had it been sent, started at most 365 days before and is read while within 400.
    records = Records(
        [check_in(TODAY.day - timedelta(days=35), "DU9"), check_in(TODAY.day - timedelta(days=36), "DU9")]
    )
    assert [h.day for h in unrostered(Unrostered(), records, TODAY)] == [TODAY.day - timedelta(days=35)]


def test_a_check_in_outside_its_dutys_period_hits_whenever_judged() -> None:
    records = Records([posting(), check_in(date(2026, 3, 31)), check_in(date(2026, 4, 1))])
    [hit] = unrostered(Unrostered(), records, Today(date(2026, 9, 1), TODAY.calendar))
    assert hit.subject == "check_in/C-DU1-0331-0.0"
    assert (hit.values["person_name"], hit.values["reason_zh"], hit.values["reason_en"]) == (
        "陈某某",
        "不在岗位期间 2026-04-01 – 2026-12-31",
        "outside the duty's period 2026-04-01 – 2026-12-31",
    )
    assert hit.records == ("check_in/C-DU1-0331-0.0", "duty/DU1")


def test_a_check_in_belongs_to_its_local_day() -> None:
    # 23:30 UTC on 31 March is 07:30 on 1 April in China: within the duty.
    late = check_in(date(2026, 3, 31), at="2026-03-31T23:30:00Z")
    assert late.day == date(2026, 4, 1)
    naive = check_in(date(2026, 3, 31), at="2026-03-31T23:30:00")  # local time
    assert naive.day == date(2026, 3, 31)
    records = Records([posting(), late, naive])
    assert subjects(unrostered(Unrostered(), records, TODAY)) == [f"check_in/{naive.record_id}"]


# -- the records' models ---------------------------------------------------------------------------


def fields(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


DUTY = {
    "id": "DU1",
    "project": "安置小区一期",
    "person_id": "P1",
    "person_name": "陈某某",
    "role": "总监理工程师",
    "lat": 30.0,
    "lon": 120.0,
    "radius_m": 200,
    "starts_on": "2028-01-01",
    "ends_on": "2028-12-31",  # 366 days, a leap year
}
CHECK_IN = {"id": "C1", "duty": "DU1", "at": "2026-05-12T08:05:00+08:00", "lat": 30.0, "lon": 120.0}


def test_a_duty_of_366_days_is_accepted() -> None:
    assert duty.Duty.model_validate(DUTY).ends_on == date(2028, 12, 31)


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (duty.Duty, {**DUTY, "ends_on": "2027-12-31"}, "ends_on"),
        (duty.Duty, {**DUTY, "ends_on": "2029-01-01"}, "ends_on"),
        (duty.Duty, {**DUTY, "radius_m": 0}, "radius_m"),
        (duty.Duty, {**DUTY, "lat": 91}, "lat"),
        (duty.Duty, {**DUTY, "lon": -181}, "lon"),
        (duty.Duty, {**DUTY, "person_id": "P/1"}, "person_id"),
        (duty.Duty, {**DUTY, "shift": "day"}, "shift"),
        (duty.CheckIn, {**CHECK_IN, "at": "1980-01-01T08:00:00+08:00"}, "at"),
        (duty.CheckIn, {**CHECK_IN, "at": "yesterday"}, "at"),
        (duty.CheckIn, {**CHECK_IN, "duty": ""}, "duty"),
        (duty.CheckIn, {k: v for k, v in CHECK_IN.items() if k != "lat"}, "lat"),
    ],
)
def test_a_record_refuses_bad_input_naming_the_field(model: Any, data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        model.model_validate(data)
    assert field in fields(e.value)


# -- the demo --------------------------------------------------------------------------------------

DEPARTMENTS = CITY


@pytest.mark.parametrize("day", [date(2026, 5, 15), date(2026, 3, 1), date(2026, 12, 31), date(2027, 1, 1)])
def test_the_demo_validates_and_hits_every_check(day: date) -> None:
    demo = duty.demo(day, DEPARTMENTS)
    assert demo == duty.demo(day, DEPARTMENTS)
    records = [record(kind, data) for kind, data in demo]
    assert all(timedelta(0) < day - r.day <= timedelta(days=62) for r in records)
    today = Today(day, WorkCalendar.weekdays_only())
    by_department: dict[str, list[Record]] = {}
    for r in records:
        by_department.setdefault(r.department_code, []).append(r)
    flagged: set[str] = set()
    for name, check in MONITOR.checks.items():
        hits = [h for rs in by_department.values() for h in check.run(check.settings(), Records(rs), today)]
        assert hits, name
        flagged.update(ref for h in hits for ref in h.records)
    assert len(flagged) < len(records)
    assert len(absence(Absence(max_absent_days=5), Records(records), today)) >= 1  # the red level too
