"""“Three public” spending (R-MON-4): receptions against the working-meal standard, the companions
and the letter 《党政机关国内公务接待管理规定》 requires; trips abroad against their approval, days,
countries and frequency; cars against their standard; social insurance and housing fund payments
against their rates, bases, repeats and arithmetic. Pure: no database."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors import spending
from jiancha.domain.monitors.base import Hit, Record, Records, Today

from .monitoring import CITY, kept

DEPT = "330900-WJW"
TODAY = date(2026, 6, 15)


def record(kind: str, fields: dict[str, Any]) -> Record:
    """A kept record as the service keeps it."""
    return kept(spending.MONITOR, kind, fields, DEPT)


def run(check: str, *records: Record, today: date = TODAY, **settings: Any) -> list[Hit]:
    c = spending.MONITOR.checks[check]
    return c.run(
        c.settings.model_validate(settings), Records(records), Today(today, WorkCalendar.weekdays_only())
    )


def reception(rid: str = "JD-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": rid,
        "day": "2026-06-10",
        "visiting_unit": "省卫生健康委",
        "reason": "检查指导工作",
        "has_letter": True,
        "guests": 4,
        "companions": 3,
        "meals": 1,
        "meals_cost": 700.0,
    }
    return record("reception", {**fields, **more})


def trip(tid: str = "CG-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": tid,
        "group": "考察交流团",
        "travellers": ["P1", "P2"],
        "countries": 1,
        "departed_on": "2026-05-01",
        "returned_on": "2026-05-05",
        "approved_on": "2026-04-01",
        "cost": 60_000.0,
    }
    return record("trip_abroad", {**fields, **more})


def car(cid: str = "GC-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": cid,
        "day": "2026-06-01",
        "vehicle_type": "general",
        "model": "国产轿车",
        "price": 150_000.0,
        "engine_litres": 1.5,
    }
    return record("car_purchase", {**fields, **more})


def contribution(cid: str = "SB-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": cid,
        "month": "2026-05",
        "person": "E01",
        "kind": "housing_fund",
        "payer": "unit",
        "base": 10_000.0,
        "rate": 0.12,
        "amount": 1_200.0,
        "paid_on": "2026-06-05",
    }
    return record("contribution", {**fields, **more})


def fields_of(e: ValidationError) -> set[str]:
    return {".".join(str(p) for p in err["loc"]) for err in e.errors()}


# -- receptions ------------------------------------------------------------------------------------


def test_a_meal_at_the_standard_per_head_is_no_fault_and_a_cent_over_is() -> None:
    # 7 diners (4 guests, 3 companions), one meal: 1,050 yuan is 150 a head.
    assert run("reception_cost", reception(meals_cost=1_050.0)) == []
    (hit,) = run("reception_cost", reception(meals_cost=1_050.07))
    assert hit.subject == "reception/JD-1"
    assert hit.department_code == DEPT and hit.day == date(2026, 6, 10)
    assert hit.values == {
        "id": "JD-1",
        "unit": "省卫生健康委",
        "per_person": 150.01,
        "limit": 150.0,
        "diners": 7,
        "meals": 1,
    }
    assert hit.records == ("reception/JD-1",)


def test_the_meal_standard_is_per_meal_and_settable() -> None:
    # Two meals for 7 diners at 2,000 yuan: 142.86 a head a meal.
    assert run("reception_cost", reception(meals=2, meals_cost=2_000.0)) == []
    (hit,) = run("reception_cost", reception(meals=2, meals_cost=2_000.0), max_per_person_meal=120)
    assert hit.values["per_person"] == 142.86 and hit.values["limit"] == 120


def test_a_reception_without_a_meal_has_no_meal_cost_to_judge() -> None:
    assert run("reception_cost", reception(meals=0, meals_cost=0.0, accommodation_cost=900.0)) == []


@pytest.mark.parametrize(
    ("guests", "allowed"),
    [(1, 3), (10, 3), (11, 3), (12, 4), (30, 10), (31, 10)],
)
def test_companions_are_three_up_to_ten_guests_then_a_third(guests: int, allowed: int) -> None:
    assert run("reception_companions", reception(guests=guests, companions=allowed)) == []
    (hit,) = run("reception_companions", reception(guests=guests, companions=allowed + 1))
    assert hit.subject == "reception/JD-1"
    assert hit.values == {
        "id": "JD-1",
        "unit": "省卫生健康委",
        "guests": guests,
        "companions": allowed + 1,
        "limit": allowed,
    }


def test_companions_count_only_at_a_working_meal() -> None:
    assert run("reception_companions", reception(companions=6, meals=0, meals_cost=0.0)) == []


def test_a_reception_without_an_official_letter_is_a_fault() -> None:
    assert run("reception_letter", reception()) == []
    (hit,) = run("reception_letter", reception(has_letter=False))
    assert hit.subject == "reception/JD-1"
    assert hit.values == {"id": "JD-1", "unit": "省卫生健康委", "day": "2026-06-10"}


def test_a_reception_record_is_refused_for_what_is_wrong_with_it() -> None:
    with pytest.raises(ValidationError) as e:
        reception(guests=0)
    assert fields_of(e.value) == {"guests"}
    with pytest.raises(ValidationError) as e:
        reception(meals=0, meals_cost=300.0)
    assert "meals" in str(e.value)
    with pytest.raises(ValidationError) as e:
        reception(tips=20)
    assert fields_of(e.value) == {"tips"}
    with pytest.raises(ValidationError) as e:
        reception(meals_cost=-1.0)
    assert fields_of(e.value) == {"meals_cost"}


# -- trips abroad ----------------------------------------------------------------------------------


def test_a_trip_approved_the_day_before_departure_is_in_time_and_on_the_day_is_not() -> None:
    assert run("trip_approval", trip(approved_on="2026-04-30")) == []
    (hit,) = run("trip_approval", trip(approved_on="2026-05-01"))
    assert hit.subject == "trip/CG-1"
    assert hit.day == date(2026, 5, 1)
    assert hit.values == {
        "id": "CG-1",
        "group": "考察交流团",
        "departed_on": "2026-05-01",
        "approved_on": "2026-05-01",
    }


def test_an_unapproved_trip_is_a_fault_once_it_has_left() -> None:
    waiting = trip(departed_on="2026-06-20", returned_on="2026-06-24", approved_on=None)
    assert run("trip_approval", waiting) == []
    (hit,) = run("trip_approval", waiting, today=date(2026, 6, 20))
    assert hit.values["approved_on"] == "—"
    assert spending.MONITOR.checks["trip_approval"].timed


def test_the_approval_margin_is_settable() -> None:
    assert len(run("trip_approval", trip(approved_on="2026-04-25"), min_days_before=7)) == 1
    assert run("trip_approval", trip(approved_on="2026-04-24"), min_days_before=7) == []


@pytest.mark.parametrize(("countries", "days"), [(1, 5), (2, 8), (3, 10)])
def test_a_trip_may_last_five_eight_or_ten_days_both_border_days_counted(countries: int, days: int) -> None:
    left = date(2026, 5, 1)
    at_limit = trip(countries=countries, returned_on=(left + timedelta(days=days - 1)).isoformat())
    assert run("trip_length", at_limit) == []
    over = trip(countries=countries, returned_on=(left + timedelta(days=days)).isoformat())
    (hit,) = run("trip_length", over)
    assert hit.subject == "trip/CG-1"
    assert hit.values == {
        "id": "CG-1",
        "group": "考察交流团",
        "countries": countries,
        "days": days + 1,
        "limit": days,
    }


def test_a_remote_destination_allows_a_day_more() -> None:
    assert run("trip_length", trip(remote=True, returned_on="2026-05-06")) == []
    (hit,) = run("trip_length", trip(remote=True, returned_on="2026-05-07"))
    assert hit.values["limit"] == 6


def test_more_than_three_countries_is_its_own_fault() -> None:
    four = trip(countries=4, returned_on="2026-05-20")
    assert run("trip_length", four) == []
    assert run("trip_countries", trip(countries=3)) == []
    (hit,) = run("trip_countries", four)
    assert hit.values == {"id": "CG-1", "group": "考察交流团", "countries": 4, "limit": 3}


def test_a_traveller_twice_abroad_in_a_year_is_over_the_limit() -> None:
    first = trip("CG-1", travellers=["P1", "P2"])
    second = trip("CG-2", travellers=["P2"], departed_on="2026-06-01", returned_on="2026-06-03")
    (hit,) = run("trips_per_year", first, second)
    assert hit.subject == "traveller/P2@2026"
    assert hit.day == date(2026, 6, 1)
    assert hit.values == {"traveller": "P2", "year": 2026, "trips": 2, "limit": 1, "ids": "CG-1, CG-2"}
    assert hit.records == ("trip_abroad/CG-1", "trip_abroad/CG-2")
    assert run("trips_per_year", first, second, max_per_year=2) == []


def test_trips_in_two_calendar_years_are_counted_apart() -> None:
    december = trip("CG-1", departed_on="2025-12-20", returned_on="2025-12-24", approved_on="2025-11-01")
    january = trip("CG-2", departed_on="2026-01-05", returned_on="2026-01-08")
    assert run("trips_per_year", december, january) == []


def test_a_trip_record_is_refused_for_what_is_wrong_with_it() -> None:
    with pytest.raises(ValidationError) as e:
        trip(returned_on="2026-04-30")
    assert "returned_on" in str(e.value)
    with pytest.raises(ValidationError) as e:
        trip(travellers=[])
    assert fields_of(e.value) == {"travellers"}
    with pytest.raises(ValidationError) as e:
        trip(travellers=["P1", "P1"])
    assert "travellers" in str(e.value)
    with pytest.raises(ValidationError) as e:
        trip(countries=0)
    assert fields_of(e.value) == {"countries"}


# -- cars ------------------------------------------------------------------------------------------


def test_a_general_car_may_cost_180000_with_a_1_8_litre_engine() -> None:
    assert run("car_standard", car(price=180_000.0, engine_litres=1.8)) == []
    (hit,) = run("car_standard", car(price=180_000.01, engine_litres=1.8))
    assert hit.subject == "car/GC-1"
    assert hit.values == {
        "id": "GC-1",
        "type": "general",
        "type_zh": "一般公务用车",
        "model": "国产轿车",
        "price": 180_000.01,
        "litres": 1.8,
        "max_price": 180_000.0,
        "max_litres": 1.8,
    }
    (hit,) = run("car_standard", car(price=170_000.0, engine_litres=2.0))
    assert hit.values["litres"] == 2.0


def test_an_electric_car_is_held_to_the_price_only() -> None:
    assert run("car_standard", car(price=179_000.0, engine_litres=None)) == []
    (hit,) = run("car_standard", car(price=190_000.0, engine_litres=None))
    assert hit.values["litres"] == "—"


def test_a_confidential_mail_car_has_the_lower_standard_and_special_vehicles_none_by_default() -> None:
    assert run("car_standard", car(vehicle_type="confidential", price=120_000.0, engine_litres=1.6)) == []
    assert len(run("car_standard", car(vehicle_type="confidential", price=125_000.0, engine_litres=1.6))) == 1
    special = car(vehicle_type="special", price=600_000.0, engine_litres=3.0)
    assert run("car_standard", special) == []
    (hit,) = run("car_standard", special, limits={"special": {"max_price": 500_000}})
    assert hit.values["max_litres"] == "—"


def test_a_car_record_is_refused_for_an_unknown_type_or_engine() -> None:
    with pytest.raises(ValidationError) as e:
        car(vehicle_type="limousine")
    assert fields_of(e.value) == {"vehicle_type"}
    with pytest.raises(ValidationError) as e:
        car(engine_litres=0)
    assert fields_of(e.value) == {"engine_litres"}


# -- contributions ---------------------------------------------------------------------------------


def test_the_housing_fund_rate_may_be_twelve_percent_and_no_more() -> None:
    assert run("contribution_rate", contribution()) == []
    (hit,) = run("contribution_rate", contribution(rate=0.1201, amount=1_201.0))
    assert hit.subject == "contribution/SB-1"
    assert hit.values == {
        "id": "SB-1",
        "person": "E01",
        "kind": "housing_fund",
        "kind_zh": "住房公积金",
        "kind_en": "housing fund",
        "payer": "unit",
        "payer_zh": "单位部分",
        "month": "2026-05",
        "rate": 12.01,
        "limit": 12.0,
    }


def test_a_kind_without_a_maximum_rate_is_not_judged_unless_set() -> None:
    medical = contribution(kind="medical", rate=0.2, amount=2_000.0)
    assert run("contribution_rate", medical) == []
    assert len(run("contribution_rate", medical, max_rate={"medical": 0.1})) == 1


def test_a_base_above_the_cap_is_a_fault() -> None:
    assert run("contribution_base", contribution(base=25_000.0, amount=3_000.0)) == []
    (hit,) = run("contribution_base", contribution(base=25_000.01, amount=3_000.0))
    assert hit.values == {
        "id": "SB-1",
        "person": "E01",
        "kind": "housing_fund",
        "kind_zh": "住房公积金",
        "kind_en": "housing fund",
        "payer": "unit",
        "payer_zh": "单位部分",
        "month": "2026-05",
        "base": 25_000.01,
        "limit": 25_000.0,
    }
    both = contribution(base=30_000.0, amount=3_600.0)
    assert run("contribution_base", both, max_base=35_000) == []
    assert (
        len(run("contribution_base", both, max_base=35_000, max_base_by_kind={"housing_fund": 28_000})) == 1
    )


def test_the_same_part_paid_twice_for_a_person_and_month_is_a_fault() -> None:
    first = contribution("SB-1")
    again = contribution("SB-2", paid_on="2026-06-09")
    (hit,) = run("contribution_duplicate", first, again)
    assert hit.subject == "contribution/E01/housing_fund/unit@2026-05"
    assert hit.day == date(2026, 6, 9)
    assert hit.values == {
        "person": "E01",
        "kind": "housing_fund",
        "kind_zh": "住房公积金",
        "kind_en": "housing fund",
        "payer": "unit",
        "payer_zh": "单位部分",
        "month": "2026-05",
        "count": 2,
        "ids": "SB-1, SB-2",
        "total": 2_400.0,
    }
    assert hit.records == ("contribution/SB-1", "contribution/SB-2")


def test_the_unit_and_the_person_parts_and_other_months_are_not_repeats() -> None:
    records = (
        contribution("SB-1"),
        contribution("SB-2", payer="individual"),
        contribution("SB-3", month="2026-04"),
        contribution("SB-4", person="E02"),
        contribution("SB-5", kind="pension", rate=0.16, amount=1_600.0),
    )
    assert run("contribution_duplicate", *records) == []


def test_an_amount_a_cent_off_base_times_rate_passes_and_two_cents_do_not() -> None:
    assert run("contribution_amount", contribution(amount=1_200.01)) == []
    assert run("contribution_amount", contribution(amount=1_199.99)) == []
    (hit,) = run("contribution_amount", contribution(amount=1_200.02))
    assert hit.values == {
        "id": "SB-1",
        "person": "E01",
        "kind": "housing_fund",
        "kind_zh": "住房公积金",
        "kind_en": "housing fund",
        "payer": "unit",
        "payer_zh": "单位部分",
        "month": "2026-05",
        "base": 10_000.0,
        "rate": 12.0,
        "expected": 1_200.0,
        "amount": 1_200.02,
    }
    assert run("contribution_amount", contribution(amount=1_200.4), tolerance=0.5) == []


def test_a_contribution_record_is_refused_for_what_is_wrong_with_it() -> None:
    with pytest.raises(ValidationError) as e:
        contribution(month="2026-13")
    assert fields_of(e.value) == {"month"}
    with pytest.raises(ValidationError) as e:
        contribution(rate=1.2)
    assert fields_of(e.value) == {"rate"}
    with pytest.raises(ValidationError) as e:
        contribution(kind="pension_fund")
    assert fields_of(e.value) == {"kind"}


def test_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        spending.ReceptionCost.model_validate({"max_per_head": 100})


# -- the demo --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today", [date(2026, 1, 3), date(2026, 1, 20), date(2026, 6, 15), date(2025, 12, 31)]
)
def test_the_demo_validates_and_every_check_finds_something(today: date) -> None:
    items = spending.demo(today, CITY)
    assert items == spending.demo(today, CITY)  # deterministic
    by_department: dict[str, list[Record]] = defaultdict(list)
    for kind, raw in items:
        spec = spending.MONITOR.kinds[kind]
        model = spec.model.model_validate(raw)
        day = getattr(model, spec.day)
        assert today - timedelta(days=60) <= day <= today
        assert model.department_code in CITY.values()
        data = model.model_dump(mode="json", exclude={"id", "department_code"})
        by_department[str(model.department_code)].append(
            Record(kind, model.id, str(model.department_code), day, data)
        )
    calendar = WorkCalendar.weekdays_only()
    found: dict[str, int] = defaultdict(int)
    flagged: set[str] = set()
    for records in by_department.values():
        for name, check in spending.MONITOR.checks.items():
            for hit in check.run(check.settings(), Records(records), Today(today, calendar)):
                found[name] += 1
                flagged.update(hit.records)
                json.dumps(dict(hit.values))
    assert set(found) == set(spending.MONITOR.checks)
    assert len(flagged) < len(items) / 4  # mostly ordinary
