"""Sunshine medicine (阳光用药, R-MON-6).

Guangzhou's "sunshine medicine" electronic supervision watched the prescriptions of its city
hospitals in real time: irrational prescriptions fell by 25 % and every hospital kept its drug
revenue share (药品收入比重) below 45 % (seed 000, 成果5). Here a hospital's information system
sends, through its health commission (the supervising department):

- `prescription`: one prescription (处方) of a hospital — its doctor, day, outpatient or inpatient,
  and its drugs (each with whether it is an antibiotic or an injection, and its cost). An
  outpatient prescription stands for one visit (门诊人次).
- `revenue`: a hospital's revenue of one month (`YYYY-MM`): drug revenue and total medical revenue.
  Its day is the month's last day.

Checks: a month's drug revenue share above the limit; a hospital's, or one doctor's, share of
prescriptions with an antibiotic in a month above the norm (with a minimum number of prescriptions,
below which a rate means little); the average drug cost per outpatient visit in a month above a
norm; and a prescription with more drugs than the 处方管理办法 allows.

The monthly checks judge complete months only — the month before today's and earlier — and only
months whose every day lies within the records the monitor reads, so a subject
(`hospital/<hospital>@YYYY-MM`, `doctor/<hospital>/<doctor>@YYYY-MM`) always means the whole month.
"""

from __future__ import annotations

import random
from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from jiancha.domain.monitors.base import (
    Check,
    Hit,
    Kind,
    Money,
    Monitor,
    Name,
    Record,
    RecordId,
    RecordIn,
    Records,
    Settings,
    Today,
)
from jiancha.domain.timeutil import EARLIEST_YEAR, LATEST_YEAR, PlausibleDay

WINDOW_DAYS = 400  # how far back the monitor reads records

# A name that appears in a signal's subject: no "/" or "@", which separate the subject's parts.
UnitName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^/@]+$")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Percent = Annotated[float, Field(gt=0, le=100)]
Setting = Literal["outpatient", "inpatient"]
SETTING_ZH: Mapping[str, str] = {"outpatient": "门诊", "inpatient": "住院"}


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_day(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, monthrange(year, mon)[1])


class Drug(BaseModel):
    """One drug of a prescription."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Annotated[Name, Field(title="药品名称", description="drug name")]
    antibiotic: Annotated[bool, Field(title="抗菌药物", description="antibiotic")] = False
    injection: Annotated[bool, Field(title="注射剂", description="injection")] = False
    cost: Annotated[Money, Field(title="药品费用", description="cost of the drug, yuan")]


class Prescription(RecordIn):
    """One prescription (处方) of a hospital."""

    hospital: Annotated[UnitName, Field(title="医疗机构", description="hospital")]
    doctor: Annotated[RecordId, Field(title="医师工号", description="the doctor's id in the hospital")]
    issued_on: Annotated[PlausibleDay, Field(title="开具日期", description="day issued")]
    setting: Annotated[Setting, Field(title="门诊/住院", description="outpatient or inpatient")]
    drugs: Annotated[
        list[Drug], Field(min_length=1, max_length=200, title="药品明细", description="drugs prescribed")
    ]
    # The visit's total cost: drugs, examinations, treatment…
    total_cost: Annotated[
        Money | None, Field(title="总费用", description="total cost of the visit, yuan")
    ] = None

    @field_validator("total_cost")
    @classmethod
    def _covers_drugs(cls, total: float | None, info: ValidationInfo) -> float | None:
        drugs = sum(d.cost for d in info.data.get("drugs", ()))
        if total is not None and total + 0.005 < drugs:
            raise ValueError(
                f"总费用 {total} 小于药品费用合计 {round(drugs, 2)} | the total cost {total} is less than "
                f"the drugs' cost {round(drugs, 2)}"
            )
        return total


class Revenue(RecordIn):
    """A hospital's revenue of one month. Its `day`, the month's last day, may be left out."""

    hospital: Annotated[UnitName, Field(title="医疗机构", description="hospital")]
    month: Annotated[Month, Field(title="所属月份", description="month, YYYY-MM")]
    drug_revenue: Annotated[Money, Field(title="药品收入", description="drug revenue, yuan")]
    medical_revenue: Annotated[
        float,
        Field(gt=0, le=1e13, title="医疗收入", description="medical revenue in all, drugs included, yuan"),
    ]
    day: date | None = Field(
        default=None, validate_default=True, title="日期", description="the month's last day"
    )

    @field_validator("month")
    @classmethod
    def _plausible(cls, month: str) -> str:
        if not EARLIEST_YEAR <= int(month[:4]) <= LATEST_YEAR:
            raise ValueError(
                f"月份须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间 | the month must lie between "
                f"{EARLIEST_YEAR} and {LATEST_YEAR}"
            )
        return month

    @field_validator("medical_revenue")
    @classmethod
    def _covers_drug_revenue(cls, medical: float, info: ValidationInfo) -> float:
        if medical < info.data.get("drug_revenue", 0):
            raise ValueError(
                "医疗收入不能小于药品收入 | the medical revenue cannot be less than the drug revenue"
            )
        return medical

    @field_validator("day")
    @classmethod
    def _last_day_of_month(cls, day: date | None, info: ValidationInfo) -> date | None:
        month = info.data.get("month")
        if month is None:
            return day
        if day is not None and day != last_day(month):
            raise ValueError(f"应为 {month} 的最后一天 | must be the last day of {month}")
        return last_day(month)


# -- helpers ---------------------------------------------------------------------------------------


def _judged(month: str, today: Today) -> bool:
    """A month is judged once it is over, and while all of it lies within the records read."""
    first = date.fromisoformat(f"{month}-01")
    return first < today.day.replace(day=1) and first >= today.day - timedelta(days=WINDOW_DAYS)


def _has_antibiotic(r: Record) -> bool:
    return any(d["antibiotic"] for d in r.data["drugs"])


def _drug_cost(r: Record) -> float:
    return float(sum(d["cost"] for d in r.data["drugs"]))


def _pct(part: float, whole: float) -> float:
    return 100 * part / whole


def _monthly(
    records: Iterable[Record], setting: str, today: Today
) -> dict[tuple[str, str, str], list[Record]]:
    """The prescriptions of one setting by (department, hospital, month), judged months only."""
    out: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for r in records:
        month = month_of(r.day)
        if r.data["setting"] == setting and _judged(month, today):
            out[(r.department_code, r.data["hospital"], month)].append(r)
    return out


# -- checks ----------------------------------------------------------------------------------------


class DrugShare(Settings):
    # 45 %: what Guangzhou's city hospitals kept their drug revenue share below (seed 000, 成果5).
    # National reform set a lower goal (公立医院药占比总体降到30%左右, 国办发〔2015〕38号, as we
    # recall it); a region's pack may set that.
    max_share_pct: Percent = 45.0


def drug_share(s: DrugShare, records: Records, today: Today) -> list[Hit]:
    """A hospital's month whose drug revenue is more than the limit's share of its medical revenue.
    Several records of the same hospital and month (e.g. campuses reported apart) are added up."""
    months: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for r in records.of("revenue"):
        if r.data["month"] < month_of(today.day):
            months[(r.department_code, r.data["hospital"], r.data["month"])].append(r)
    hits = []
    for (dept, hospital, month), rs in months.items():
        drugs = sum(r.data["drug_revenue"] for r in rs)
        medical = sum(r.data["medical_revenue"] for r in rs)
        share = _pct(drugs, medical)
        if share > s.max_share_pct:
            hits.append(
                Hit(
                    f"hospital/{hospital}@{month}",
                    dept,
                    last_day(month),
                    {
                        "hospital": hospital,
                        "month": month,
                        "drug_revenue": round(drugs, 2),
                        "medical_revenue": round(medical, 2),
                        "share": round(share, 2),
                        "limit": s.max_share_pct,
                    },
                    tuple(r.ref for r in rs),
                )
            )
    return hits


class AntibioticRate(Settings):
    # 门诊患者抗菌药物处方比例不超过20%，住院患者抗菌药物使用率不超过60%: the norms of the national
    # antibiotic campaign (《2011年全国抗菌药物临床应用专项整治活动方案》, 卫办医政发〔2011〕56号 as we
    # recall the number), kept by later campaigns under 《抗菌药物临床应用管理办法》(卫生部令第84号).
    # The inpatient norm counts patients; here each inpatient prescription counts, a region using
    # it should know. The minimum keeps a handful of prescriptions from making a rate.
    setting: Setting = "outpatient"
    max_rate_pct: Percent = 20.0
    min_prescriptions: Annotated[int, Field(ge=1, le=1_000_000)] = 50


def _rate_hit(
    subject: str, dept: str, month: str, rs: list[Record], s: AntibioticRate, values: dict[str, Any]
) -> Hit | None:
    if len(rs) < s.min_prescriptions:
        return None
    with_antibiotic = [r for r in rs if _has_antibiotic(r)]
    rate = _pct(len(with_antibiotic), len(rs))
    if rate <= s.max_rate_pct:
        return None
    return Hit(
        subject,
        dept,
        last_day(month),
        {
            **values,
            "month": month,
            "setting": s.setting,
            "setting_zh": SETTING_ZH[s.setting],
            "prescriptions": len(rs),
            "with_antibiotic": len(with_antibiotic),
            "rate": round(rate, 2),
            "limit": s.max_rate_pct,
        },
        tuple(r.ref for r in with_antibiotic),
    )


def antibiotic_rate(s: AntibioticRate, records: Records, today: Today) -> list[Hit]:
    """A hospital's month (of one setting) whose share of prescriptions with at least one
    antibiotic is above the norm, among at least `min_prescriptions` prescriptions."""
    hits = []
    for (dept, hospital, month), rs in _monthly(records.of("prescription"), s.setting, today).items():
        hit = _rate_hit(f"hospital/{hospital}@{month}", dept, month, rs, s, {"hospital": hospital})
        if hit is not None:
            hits.append(hit)
    return hits


class DoctorAntibioticRate(AntibioticRate):
    # Our default, no national norm: a doctor's mix of patients varies with the specialty, so one
    # doctor is flagged well above the hospital's 20 %; a hospital may set its own per-doctor limit.
    max_rate_pct: Percent = 30.0
    min_prescriptions: Annotated[int, Field(ge=1, le=1_000_000)] = 20


def doctor_antibiotic_rate(s: DoctorAntibioticRate, records: Records, today: Today) -> list[Hit]:
    """One doctor's month (of one setting) whose share of prescriptions with an antibiotic is above
    the limit, among at least `min_prescriptions` of the doctor's prescriptions."""
    by_doctor: dict[tuple[str, str, str, str], list[Record]] = defaultdict(list)
    for (dept, hospital, month), rs in _monthly(records.of("prescription"), s.setting, today).items():
        for r in rs:
            by_doctor[(dept, hospital, r.data["doctor"], month)].append(r)
    hits = []
    for (dept, hospital, doctor, month), rs in by_doctor.items():
        values = {"hospital": hospital, "doctor": doctor}
        hit = _rate_hit(f"doctor/{hospital}/{doctor}@{month}", dept, month, rs, s, values)
        if hit is not None:
            hits.append(hit)
    return hits


class DrugCostPerVisit(Settings):
    # Our default: no national figure caps the drug cost per outpatient visit (次均药品费用); health
    # commissions set yearly control targets per hospital level, which a region's pack should use.
    max_average: Money = 150.0
    min_visits: Annotated[int, Field(ge=1, le=1_000_000)] = 30


def drug_cost_per_visit(s: DrugCostPerVisit, records: Records, today: Today) -> list[Hit]:
    """A hospital's month whose average drug cost per outpatient visit (an outpatient prescription)
    is above the norm, among at least `min_visits` visits. It rests on the visits above the norm."""
    hits = []
    for (dept, hospital, month), rs in _monthly(records.of("prescription"), "outpatient", today).items():
        if len(rs) < s.min_visits:
            continue
        total = sum(_drug_cost(r) for r in rs)
        average = total / len(rs)
        if average > s.max_average:
            hits.append(
                Hit(
                    f"hospital/{hospital}@{month}",
                    dept,
                    last_day(month),
                    {
                        "hospital": hospital,
                        "month": month,
                        "visits": len(rs),
                        "drug_cost": round(total, 2),
                        "average": round(average, 2),
                        "limit": s.max_average,
                    },
                    tuple(r.ref for r in rs if _drug_cost(r) > s.max_average),
                )
            )
    return hits


class DrugsPerPrescription(Settings):
    # 《处方管理办法》(卫生部令第53号) 第六条第（六）项: 开具西药、中成药处方，每一种药品应当另起一行，
    # 每张处方不得超过5种药品. Its 第二条 counts a ward's medication orders (病区用药医嘱单) as
    # prescriptions too; a region may keep the check to outpatients.
    max_drugs: Annotated[int, Field(ge=1, le=100)] = 5
    settings: tuple[Setting, ...] = ("outpatient", "inpatient")


def drugs_per_prescription(s: DrugsPerPrescription, records: Records, today: Today) -> list[Hit]:
    """A prescription with more kinds of drugs (distinct names) than `max_drugs`."""
    hits = []
    for r in records.of("prescription"):
        names = sorted({d["name"] for d in r.data["drugs"]})
        if r.data["setting"] in s.settings and len(names) > s.max_drugs:
            hits.append(
                Hit(
                    f"prescription/{r.record_id}",
                    r.department_code,
                    r.day,
                    {
                        "id": r.record_id,
                        "hospital": r.data["hospital"],
                        "doctor": r.data["doctor"],
                        "issued_on": r.day.isoformat(),
                        "drugs": len(names),
                        "names": names,
                        "limit": s.max_drugs,
                    },
                    (r.ref,),
                )
            )
    return hits


MONITOR = Monitor(
    "sunshine_medicine",
    "阳光用药",
    "Sunshine medicine",
    "R-MON-6",
    {
        "prescription": Kind(Prescription, "处方", "prescription", "issued_on"),
        "revenue": Kind(Revenue, "医院月度收入", "hospital monthly revenue", "day"),
    },
    {
        "drug_share": Check(DrugShare, drug_share, "药品收入占比超标", "drug revenue share over the limit"),
        "antibiotic_rate": Check(
            AntibioticRate,
            antibiotic_rate,
            "抗菌药物使用率超标",
            "antibiotic prescription rate over the norm",
        ),
        "doctor_antibiotic_rate": Check(
            DoctorAntibioticRate,
            doctor_antibiotic_rate,
            "医师抗菌药物处方比例超标",
            "a doctor's antibiotic prescription rate over the limit",
        ),
        "drug_cost_per_visit": Check(
            DrugCostPerVisit,
            drug_cost_per_visit,
            "门诊次均药品费用超标",
            "drug cost per outpatient visit over the norm",
        ),
        "drugs_per_prescription": Check(
            DrugsPerPrescription,
            drugs_per_prescription,
            "单张处方药品超过5种",
            "more than 5 drugs on a prescription",
        ),
    },
    window_days=WINDOW_DAYS,
)


# -- demo ------------------------------------------------------------------------------------------

_COMMON = [("阿莫西林胶囊", True, False), ("头孢呋辛酯片", True, False), ("左氧氟沙星注射液", True, True)]
_OTHER = [
    ("布洛芬缓释胶囊", False, False),
    ("复方甘草片", False, False),
    ("氨溴索口服溶液", False, False),
    ("奥美拉唑肠溶胶囊", False, False),
    ("硝苯地平控释片", False, False),
    ("二甲双胍片", False, False),
    ("葡萄糖注射液", False, True),
]


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Two hospitals of the health commission, last month: the first people's hospital over the
    drug revenue share, the outpatient antibiotic norm and the drug cost per visit, one of its
    doctors over the per-doctor limit; the traditional Chinese medicine hospital within every
    outpatient norm but over the inpatient antibiotic norm; the first's inpatients within theirs;
    and a prescription of six drugs this week."""
    dept = departments.get("WJW") or next(iter(departments.values()))
    rng = random.Random(f"medicine-{today.isoformat()}")
    last = today.replace(day=1) - timedelta(days=1)  # the last day of last month
    month = month_of(last)
    out: list[tuple[str, dict[str, Any]]] = []

    def prescription(
        pid: str,
        hospital: str,
        doctor: str,
        day: date,
        setting: str,
        antibiotic: bool,
        cost: float,
        n: int = 2,
    ) -> None:
        names = rng.sample(_OTHER, n - 1 if antibiotic else n)
        if antibiotic:
            names.append(rng.choice(_COMMON))
        drugs = [
            {"name": name, "antibiotic": a, "injection": i, "cost": round(cost / len(names), 2)}
            for name, a, i in names
        ]
        out.append(
            (
                "prescription",
                {
                    "id": pid,
                    "department_code": dept,
                    "hospital": hospital,
                    "doctor": doctor,
                    "issued_on": day.isoformat(),
                    "setting": setting,
                    "drugs": drugs,
                    "total_cost": round(cost * 2.4, 2),
                },
            )
        )

    def day_of_last_month(k: int) -> date:
        return last.replace(day=1 + k % last.day)

    first, tcm = "示范市第一人民医院", "示范市中医院"
    # The first people's hospital: 60 outpatient prescriptions, 18 with an antibiotic (30 %), of
    # which doctor D017 wrote 12 of 25 (48 %); about 185 yuan of drugs a visit.
    doctors = [("D017", 25, 12), ("D023", 20, 4), ("D031", 15, 2)]
    n = 0
    for doctor, count, with_antibiotic in doctors:
        for k in range(count):
            n += 1
            cost = 150 + rng.randint(10, 60)
            prescription(
                f"RX1-{n:04d}", first, doctor, day_of_last_month(n), "outpatient", k < with_antibiotic, cost
            )
    # Its inpatients: 20 prescriptions, 10 with an antibiotic (50 %, within the 60 % norm).
    for k in range(20):
        prescription(
            f"RX1-Z{k + 1:03d}", first, "D044", day_of_last_month(k * 3), "inpatient", k % 2 == 0, 320
        )
    # The traditional Chinese medicine hospital: 50 visits, 5 with an antibiotic, about 90 yuan.
    for k in range(50):
        doctor = ("Z002", "Z005")[k % 2]
        prescription(
            f"RX2-{k + 1:04d}",
            tcm,
            doctor,
            day_of_last_month(k),
            "outpatient",
            k % 10 == 0,
            70 + rng.randint(0, 40),
        )
    # Its inpatients: 60 prescriptions, 42 with an antibiotic (70 %, over the 60 % norm).
    for k in range(60):
        prescription(f"RX2-Z{k + 1:03d}", tcm, "Z009", day_of_last_month(k), "inpatient", k % 10 < 7, 260)
    # This month so far: a few ordinary prescriptions, and one of six drugs.
    for k in range(6):
        day = max(today.replace(day=1), today - timedelta(days=k))
        prescription(f"RX2-C{k + 1:03d}", tcm, "Z002", day, "outpatient", False, 60 + 5 * k)
    prescription(
        "RX1-C001",
        first,
        "D023",
        max(today.replace(day=1), today - timedelta(days=2)),
        "outpatient",
        False,
        240,
        6,
    )
    # Last month's revenue: 48 % drugs at the first people's hospital, 36 % at the other.
    for hospital, code, drugs, medical in (
        (first, "H01", 4_320_000.0, 9_000_000.0),
        (tcm, "H02", 1_152_000.0, 3_200_000.0),
    ):
        out.append(
            (
                "revenue",
                {
                    "id": f"REV-{code}-{month}",
                    "department_code": dept,
                    "hospital": hospital,
                    "month": month,
                    "drug_revenue": drugs,
                    "medical_revenue": medical,
                },
            )
        )
    return out
