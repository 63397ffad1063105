"""Sunshine medicine (阳光用药, R-MON-6): drug revenue share, antibiotic rates, drug cost per visit
and drugs per prescription, on hand-made records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors import medicine
from jiancha.domain.monitors.base import Hit, Record, Records, Today
from jiancha.domain.monitors.medicine import (
    MONITOR,
    AntibioticRate,
    DoctorAntibioticRate,
    DrugCostPerVisit,
    DrugShare,
    DrugsPerPrescription,
    antibiotic_rate,
    doctor_antibiotic_rate,
    drug_cost_per_visit,
    drug_share,
    drugs_per_prescription,
)

from .monitoring import CITY, kept

DEPT = "330900-WJW"
TODAY = Today(date(2026, 5, 15), WorkCalendar.weekdays_only())
APRIL = date(2026, 4, 10)


def record(kind: str, data: dict[str, Any]) -> Record:
    """A kept record as the service keeps it."""
    return kept(MONITOR, kind, data, DEPT)


def rx(
    pid: str,
    *,
    antibiotic: bool = False,
    cost: float = 100.0,
    day: date = APRIL,
    doctor: str = "D1",
    setting: str = "outpatient",
    names: tuple[str, ...] = ("布洛芬缓释胶囊",),
    hospital: str = "示范医院",
) -> Record:
    drugs = [{"name": n, "cost": cost / len(names)} for n in names]
    if antibiotic:
        drugs[0]["antibiotic"] = True
    return record(
        "prescription",
        {
            "id": pid,
            "hospital": hospital,
            "doctor": doctor,
            "issued_on": day.isoformat(),
            "setting": setting,
            "drugs": drugs,
        },
    )


def revenue(rid: str, month: str, drugs: float, medical: float, hospital: str = "示范医院") -> Record:
    return record(
        "revenue",
        {"id": rid, "hospital": hospital, "month": month, "drug_revenue": drugs, "medical_revenue": medical},
    )


def batch(n: int, with_antibiotic: int, **kw: Any) -> list[Record]:
    prefix = kw.pop("prefix", "RX")
    return [rx(f"{prefix}-{k:03d}", antibiotic=k < with_antibiotic, **kw) for k in range(n)]


def subjects(hits: list[Hit]) -> list[str]:
    return [h.subject for h in hits]


# -- drug revenue share ----------------------------------------------------------------------------


def test_a_drug_share_of_45_percent_is_within_the_limit_and_above_it_is_not() -> None:
    records = Records([revenue("R1", "2026-04", 45.0, 100.0), revenue("R2", "2026-03", 4501.0, 10000.0)])
    [hit] = drug_share(DrugShare(), records, TODAY)
    assert hit.subject == "hospital/示范医院@2026-03"
    assert hit.department_code == DEPT
    assert hit.day == date(2026, 3, 31)
    assert dict(hit.values) == {
        "hospital": "示范医院",
        "month": "2026-03",
        "drug_revenue": 4501.0,
        "medical_revenue": 10000.0,
        "share": 45.01,
        "limit": 45.0,
    }
    assert hit.records == ("revenue/R2",)


def test_the_drug_share_of_the_current_month_waits_for_its_end() -> None:
    records = Records([revenue("R1", "2026-05", 90.0, 100.0)])
    assert drug_share(DrugShare(), records, TODAY) == []
    assert len(drug_share(DrugShare(), records, Today(date(2026, 6, 1), TODAY.calendar))) == 1


def test_records_of_one_hospital_and_month_are_added_up() -> None:
    records = Records([revenue("R1", "2026-04", 30.0, 100.0), revenue("R2", "2026-04", 70.0, 100.0)])
    [hit] = drug_share(DrugShare(max_share_pct=49.9), records, TODAY)
    assert (hit.values["share"], hit.records) == (50.0, ("revenue/R1", "revenue/R2"))
    assert drug_share(DrugShare(max_share_pct=50), records, TODAY) == []


# -- antibiotic rates ------------------------------------------------------------------------------


def test_an_outpatient_antibiotic_rate_of_20_percent_is_within_the_norm() -> None:
    assert antibiotic_rate(AntibioticRate(), Records(batch(50, 10)), TODAY) == []


def test_an_outpatient_antibiotic_rate_above_20_percent_hits_the_hospitals_month() -> None:
    [hit] = antibiotic_rate(AntibioticRate(), Records(batch(50, 11)), TODAY)
    assert hit.subject == "hospital/示范医院@2026-04"
    assert hit.day == date(2026, 4, 30)
    assert dict(hit.values) == {
        "hospital": "示范医院",
        "month": "2026-04",
        "setting": "outpatient",
        "setting_zh": "门诊",
        "prescriptions": 50,
        "with_antibiotic": 11,
        "rate": 22.0,
        "limit": 20.0,
    }
    assert hit.records == tuple(f"prescription/RX-{k:03d}" for k in range(11))


def test_fewer_prescriptions_than_the_minimum_make_no_rate() -> None:
    assert antibiotic_rate(AntibioticRate(), Records(batch(49, 49)), TODAY) == []
    assert len(antibiotic_rate(AntibioticRate(min_prescriptions=49), Records(batch(49, 49)), TODAY)) == 1


def test_the_inpatient_rule_counts_inpatient_prescriptions_only() -> None:
    records = Records(batch(50, 30, setting="inpatient", prefix="IN") + batch(50, 50, prefix="OUT"))
    inpatient = AntibioticRate(setting="inpatient", max_rate_pct=60)
    assert antibiotic_rate(inpatient, records, TODAY) == []
    records = Records(batch(50, 31, setting="inpatient"))
    [hit] = antibiotic_rate(inpatient, records, TODAY)
    assert (hit.values["setting_zh"], hit.values["rate"], hit.values["limit"]) == ("住院", 62.0, 60.0)


def test_only_complete_months_within_the_records_read_are_judged() -> None:
    # Today 2026-05-15 reads from 2025-04-10: April 2025 is only partly read, May 2025 wholly.
    old = batch(50, 50, day=date(2025, 4, 20), prefix="A") + batch(50, 50, day=date(2025, 5, 1), prefix="B")
    now = batch(50, 50, day=date(2026, 5, 2), prefix="C")
    hits = antibiotic_rate(AntibioticRate(), Records(old + now), TODAY)
    assert subjects(hits) == ["hospital/示范医院@2025-05"]


def test_hospitals_are_judged_apart() -> None:
    records = batch(50, 11, prefix="A") + batch(50, 5, prefix="B", hospital="中医院")
    assert subjects(antibiotic_rate(AntibioticRate(), Records(records), TODAY)) == [
        "hospital/示范医院@2026-04"
    ]


def test_a_doctors_rate_above_the_limit_hits_the_doctors_month() -> None:
    records = batch(20, 7, doctor="D7", prefix="A") + batch(20, 6, doctor="D6", prefix="B")
    [hit] = doctor_antibiotic_rate(DoctorAntibioticRate(), Records(records), TODAY)
    assert hit.subject == "doctor/示范医院/D7@2026-04"
    assert dict(hit.values) == {
        "hospital": "示范医院",
        "doctor": "D7",
        "month": "2026-04",
        "setting": "outpatient",
        "setting_zh": "门诊",
        "prescriptions": 20,
        "with_antibiotic": 7,
        "rate": 35.0,
        "limit": 30.0,
    }


def test_a_doctor_with_fewer_prescriptions_than_the_minimum_is_not_judged() -> None:
    records = Records(batch(19, 19, doctor="D9"))
    assert doctor_antibiotic_rate(DoctorAntibioticRate(), records, TODAY) == []
    assert len(doctor_antibiotic_rate(DoctorAntibioticRate(min_prescriptions=19), records, TODAY)) == 1


# -- drug cost per visit ---------------------------------------------------------------------------


def test_an_average_drug_cost_at_the_norm_is_within_it() -> None:
    assert drug_cost_per_visit(DrugCostPerVisit(), Records(batch(30, 0, cost=150.0)), TODAY) == []


def test_an_average_drug_cost_above_the_norm_hits_resting_on_the_costly_visits() -> None:
    records = [*batch(29, 0, cost=150.0), rx("RX-BIG", cost=150.3)]
    [hit] = drug_cost_per_visit(DrugCostPerVisit(), Records(records), TODAY)
    assert hit.subject == "hospital/示范医院@2026-04"
    assert dict(hit.values) == {
        "hospital": "示范医院",
        "month": "2026-04",
        "visits": 30,
        "drug_cost": 4500.3,
        "average": 150.01,
        "limit": 150.0,
    }
    assert hit.records == ("prescription/RX-BIG",)


def test_the_drug_cost_per_visit_counts_outpatients_and_needs_the_minimum_visits() -> None:
    assert drug_cost_per_visit(DrugCostPerVisit(), Records(batch(29, 0, cost=1000.0)), TODAY) == []
    inpatients = batch(30, 0, cost=1000.0, setting="inpatient")
    assert drug_cost_per_visit(DrugCostPerVisit(), Records(inpatients), TODAY) == []


# -- drugs per prescription ------------------------------------------------------------------------

FIVE = ("甲", "乙", "丙", "丁", "戊")


def test_five_drugs_on_a_prescription_are_allowed_and_six_are_not() -> None:
    records = Records([rx("RX-5", names=FIVE), rx("RX-6", names=(*FIVE, "己"), day=date(2026, 5, 14))])
    [hit] = drugs_per_prescription(DrugsPerPrescription(), records, TODAY)
    assert hit.subject == "prescription/RX-6"
    assert hit.day == date(2026, 5, 14)
    assert dict(hit.values) == {
        "id": "RX-6",
        "hospital": "示范医院",
        "doctor": "D1",
        "issued_on": "2026-05-14",
        "drugs": 6,
        "names": sorted((*FIVE, "己")),
        "limit": 5,
    }


def test_a_drug_written_twice_is_one_kind_of_drug() -> None:
    records = Records([rx("RX-1", names=(*FIVE, "甲"))])
    assert drugs_per_prescription(DrugsPerPrescription(), records, TODAY) == []


def test_a_pack_may_keep_the_drug_count_to_outpatients() -> None:
    records = Records([rx("RX-1", names=(*FIVE, "己"), setting="inpatient")])
    assert len(drugs_per_prescription(DrugsPerPrescription(), records, TODAY)) == 1
    assert drugs_per_prescription(DrugsPerPrescription(settings=("outpatient",)), records, TODAY) == []


# -- the records' models ---------------------------------------------------------------------------


def fields(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


PRESCRIPTION = {
    "id": "RX-1",
    "hospital": "示范医院",
    "doctor": "D1",
    "issued_on": "2026-04-10",
    "setting": "outpatient",
    "drugs": [{"name": "阿莫西林胶囊", "antibiotic": True, "cost": 30.5}],
    "total_cost": 80,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"setting": "emergency"}, "setting"),
        ({"drugs": []}, "drugs"),
        ({"drugs": [{"name": "x", "cost": -1}]}, "drugs.0.cost"),
        ({"drugs": [{"name": "x", "cost": 1, "dose": "2片"}]}, "drugs.0.dose"),
        ({"total_cost": 30}, "total_cost"),
        ({"hospital": "示范/医院"}, "hospital"),
        ({"doctor": "D 1"}, "doctor"),
        ({"issued_on": "1989-12-31"}, "issued_on"),
        ({"patient": "张三"}, "patient"),
    ],
)
def test_a_prescription_refuses_bad_input_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        medicine.Prescription.model_validate({**PRESCRIPTION, **change})
    assert field in fields(e.value)


def test_a_prescription_with_its_total_cost_and_without_is_accepted() -> None:
    assert medicine.Prescription.model_validate(PRESCRIPTION).total_cost == 80
    assert medicine.Prescription.model_validate({**PRESCRIPTION, "total_cost": None}).total_cost is None


REVENUE = {"id": "R1", "hospital": "示范医院", "month": "2026-02", "drug_revenue": 40, "medical_revenue": 100}


def test_a_months_revenue_has_the_months_last_day() -> None:
    model = medicine.Revenue.model_validate(REVENUE)
    assert model.day == date(2026, 2, 28)
    dumped = model.model_dump(mode="json")
    assert medicine.Revenue.model_validate(dumped) == model
    assert medicine.Revenue.model_validate({**REVENUE, "day": "2026-02-28"}) == model


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "1989-12"}, "month"),
        ({"month": "2026-2"}, "month"),
        ({"day": "2026-02-27"}, "day"),
        ({"drug_revenue": 101}, "medical_revenue"),
        ({"medical_revenue": 0, "drug_revenue": 0}, "medical_revenue"),
    ],
)
def test_a_revenue_refuses_bad_input_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        medicine.Revenue.model_validate({**REVENUE, **change})
    assert field in fields(e.value)


def test_a_check_refuses_unknown_or_bad_settings() -> None:
    with pytest.raises(ValidationError):
        AntibioticRate.model_validate({"max_rate": 20})
    with pytest.raises(ValidationError):
        AntibioticRate.model_validate({"setting": "emergency"})
    with pytest.raises(ValidationError):
        DrugShare.model_validate({"max_share_pct": 0})


# -- the demo --------------------------------------------------------------------------------------

DEPARTMENTS = CITY


@pytest.mark.parametrize("day", [date(2026, 5, 15), date(2026, 3, 1), date(2026, 12, 31), date(2027, 1, 1)])
def test_the_demo_validates_and_hits_every_check(day: date) -> None:
    demo = medicine.demo(day, DEPARTMENTS)
    assert demo == medicine.demo(day, DEPARTMENTS)
    records = [record(kind, data) for kind, data in demo]
    assert all(timedelta(0) <= day - r.day <= timedelta(days=62) for r in records)
    today = Today(day, WorkCalendar.weekdays_only())
    by_department: dict[str, list[Record]] = {}
    for r in records:
        by_department.setdefault(r.department_code, []).append(r)
    for name, check in MONITOR.checks.items():
        hits = [h for rs in by_department.values() for h in check.run(check.settings(), Records(rs), today)]
        assert hits, name
    flagged = {
        ref
        for rs in by_department.values()
        for c in MONITOR.checks.values()
        for h in c.run(c.settings(), Records(rs), today)
        for ref in h.records
    }
    assert len(flagged) < len(records)
