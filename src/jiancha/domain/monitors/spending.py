"""“Three public” spending (“三公”经费, R-MON-4): official receptions, temporary trips abroad, official
car purchases — and the social insurance and housing fund payments a unit makes for its staff.

A department's finance system sends what it spent: each **reception** (公务接待: the visiting unit,
whether it sent an official letter 公函, the guests and companions at the working meal, what the
meals, rooms and the rest cost), each **trip abroad** (因公临时出国（境）: the group, who went, how
many countries, when it left and came back, when it was approved), each **car purchase** (公务用车
购置: the type, price and engine) and each **contribution** (社保/住房公积金: a person's month of
one insurance, the unit's or the person's part, its base, rate and amount).

The checks hold these against the national rules: the working-meal standard and companions of
《党政机关国内公务接待管理规定》 (中办发〔2013〕22号), the letter it requires, the approval, days,
countries and frequency of the rules on temporary trips abroad, the car standards of
《党政机关公务用车管理办法》 (中办发〔2017〕71号), the housing fund's 12% cap and the bases and
rates of the contributions. Amounts are yuan (元).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from random import Random
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

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
from jiancha.domain.timeutil import PlausibleDay

Count = Annotated[int, Field(ge=0, le=10_000)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]  # YYYY-MM
VehicleType = Literal["general", "emergency", "law_enforcement", "confidential", "special", "coach"]
InsuranceKind = Literal["pension", "medical", "unemployment", "injury", "maternity", "housing_fund"]
Rate = Annotated[float, Field(ge=0, le=1)]  # 0.12 = 12%
NONE = "—"  # shown for a missing date in both languages
VEHICLE_ZH: dict[str, str] = {
    "general": "一般公务用车",
    "emergency": "应急保障用车",
    "law_enforcement": "执法执勤用车",
    "confidential": "机要通信用车",
    "special": "特种专业技术用车",
    "coach": "客车",
}
INSURANCE_ZH: dict[str, str] = {
    "pension": "基本养老保险",
    "medical": "基本医疗保险",
    "unemployment": "失业保险",
    "injury": "工伤保险",
    "maternity": "生育保险",
    "housing_fund": "住房公积金",
}
PAYER_ZH: dict[str, str] = {"unit": "单位部分", "individual": "个人部分"}


# -- record kinds ---------------------------------------------------------------------------------


class Reception(RecordIn):
    """One official reception (公务接待), as the reception list (接待清单) gives it."""

    day: Annotated[PlausibleDay, Field(title="接待日期", description="day of the reception")]
    visiting_unit: Annotated[Name, Field(title="派出单位", description="visiting unit")]
    reason: Annotated[Name, Field(title="公务活动", description="official business")]
    has_letter: Annotated[
        bool, Field(title="派出单位公函", description="official letter from the visiting unit")
    ]
    guests: Annotated[int, Field(ge=1, le=10_000, title="接待对象人数", description="guests received")]
    companions: Annotated[Count, Field(title="陪餐人数", description="companions at the meal")] = 0
    meals: Annotated[int, Field(ge=0, le=100, title="工作餐次数", description="working meals served")] = 0
    meals_cost: Annotated[Money, Field(title="餐费", description="cost of the meals, yuan")] = 0.0
    accommodation_cost: Annotated[Money, Field(title="住宿费", description="cost of the rooms, yuan")] = 0.0
    other_cost: Annotated[Money, Field(title="其他费用", description="other costs, yuan")] = 0.0

    @model_validator(mode="after")
    def _meals_served(self) -> Reception:
        if self.meals_cost > 0 and self.meals == 0:
            raise ValueError(
                "有餐费时工作餐次数 meals 至少为 1 | meals must be at least 1 when meals_cost is paid"
            )
        return self


class TripAbroad(RecordIn):
    """One temporary trip abroad of a group (因公临时出国（境）团组)."""

    group: Annotated[Name, Field(title="团组名称", description="name of the group")]
    travellers: Annotated[
        list[RecordId],
        Field(min_length=1, max_length=100, title="出访人员编号", description="ids of the travellers"),
    ]
    countries: Annotated[
        int,
        Field(
            ge=1,
            le=50,
            title="出访国家和地区数",
            description="countries and regions visited, stopovers included",
        ),
    ]
    # A destination with poor flight connections (Latin America, Africa) allows one day more.
    remote: Annotated[
        bool, Field(title="航班衔接不便", description="destination with poor flight connections")
    ] = False
    departed_on: Annotated[PlausibleDay, Field(title="离境日", description="day of departure")]
    returned_on: Annotated[PlausibleDay, Field(title="入境日", description="day of return")]
    approved_on: Annotated[
        PlausibleDay | None, Field(title="出国任务批件日期", description="day the trip was approved")
    ] = None
    cost: Annotated[Money, Field(title="出访费用", description="cost of the trip, yuan")] = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> TripAbroad:
        if self.returned_on < self.departed_on:
            raise ValueError("入境日 returned_on 不能早于离境日 | returned_on must not be before departed_on")
        if len(set(self.travellers)) != len(self.travellers):
            raise ValueError("出访人员 travellers 不能重复 | travellers must not repeat")
        return self


class CarPurchase(RecordIn):
    """One official car bought (公务用车购置). `engine_litres` is empty for an electric car."""

    day: Annotated[PlausibleDay, Field(title="购置日期", description="day of purchase")]
    vehicle_type: Annotated[VehicleType, Field(title="车辆类型", description="vehicle type")]
    model: Annotated[Name, Field(title="车型", description="car model")]
    price: Annotated[
        Money,
        Field(
            title="购置价格（不含车辆购置税）", description="purchase price without the purchase tax, yuan"
        ),
    ]
    engine_litres: Annotated[
        Annotated[float, Field(gt=0, le=20)] | None,
        Field(title="排气量（升）", description="engine displacement, litres"),
    ] = None


class Contribution(RecordIn):
    """One month of one person's social insurance or housing fund, the unit's or the person's part."""

    month: Annotated[Month, Field(title="所属月份", description="month paid for, YYYY-MM")]
    person: Annotated[RecordId, Field(title="人员编号", description="person's id")]
    kind: Annotated[InsuranceKind, Field(title="险种", description="insurance or housing fund")]
    # 单位部分 / 个人部分
    payer: Annotated[
        Literal["unit", "individual"], Field(title="缴费方", description="unit's or individual's part")
    ]
    base: Annotated[Money, Field(title="缴费（缴存）基数", description="contribution base, yuan a month")]
    rate: Annotated[Rate, Field(title="缴费比例", description="contribution rate, 0.12 = 12%")]
    amount: Annotated[Money, Field(title="缴费金额", description="amount paid, yuan")]
    paid_on: Annotated[PlausibleDay, Field(title="缴费日期", description="day of payment")]


# -- checks ---------------------------------------------------------------------------------------


def _iso(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _pct(rate: float) -> float:
    return round(rate * 100, 4)


class ReceptionCost(Settings):
    # The working-meal standard is set locally (县级以上地方党委、政府制定接待标准, under 《党政机关
    # 国内公务接待管理规定》); 150 yuan per person per meal is illustrative — set your own.
    max_per_person_meal: Money = 150.0


def reception_cost(s: ReceptionCost, records: Records, today: Today) -> list[Hit]:
    """Meals cost per diner per meal above the standard (guests and companions both eat)."""
    hits = []
    for r in records.of("reception"):
        d = r.data
        if d["meals"] == 0:
            continue
        diners = d["guests"] + d["companions"]
        per = d["meals_cost"] / (diners * d["meals"])
        if per > s.max_per_person_meal + 1e-9:
            values = {
                "id": r.record_id,
                "unit": d["visiting_unit"],
                "per_person": round(per, 2),
                "limit": s.max_per_person_meal,
                "diners": diners,
                "meals": d["meals"],
            }
            hits.append(Hit(f"reception/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class ReceptionCompanions(Settings):
    # 《党政机关国内公务接待管理规定》第十条: 接待对象在10人以内的，陪餐人数不得超过3人；超过10人的，
    # 不得超过接待对象人数的三分之一.
    small_group: int = Field(10, ge=1)
    small_group_companions: int = Field(3, ge=0)
    large_group_share: float = Field(1 / 3, gt=0, le=1)


def companion_limit(s: ReceptionCompanions, guests: int) -> int:
    if guests <= s.small_group:
        return s.small_group_companions
    return int(guests * s.large_group_share + 1e-9)


def reception_companions(s: ReceptionCompanions, records: Records, today: Today) -> list[Hit]:
    """More companions at the working meal than the guests allow."""
    hits = []
    for r in records.of("reception"):
        d = r.data
        limit = companion_limit(s, d["guests"])
        if d["meals"] > 0 and d["companions"] > limit:
            values = {
                "id": r.record_id,
                "unit": d["visiting_unit"],
                "guests": d["guests"],
                "companions": d["companions"],
                "limit": limit,
            }
            hits.append(Hit(f"reception/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class NoSettings(Settings):
    pass


def reception_letter(s: NoSettings, records: Records, today: Today) -> list[Hit]:
    """A reception without the visiting unit's official letter (无公函接待)."""
    return [
        Hit(
            f"reception/{r.record_id}",
            r.department_code,
            r.day,
            {"id": r.record_id, "unit": r.data["visiting_unit"], "day": r.day.isoformat()},
            (r.ref,),
        )
        for r in records.of("reception")
        if not r.data["has_letter"]
    ]


class TripApproval(Settings):
    # The trip must be approved before the group leaves (先审批后出访): at least this many days before.
    min_days_before: int = Field(1, ge=0, le=365)


def trip_approval(s: TripApproval, records: Records, today: Today) -> list[Hit]:
    """A trip approved later than `min_days_before` days before departure, or gone unapproved."""
    hits = []
    for r in records.of("trip_abroad"):
        departed = r.day
        approved = _iso(r.data["approved_on"])
        if approved is None and departed > today.day:
            continue  # not left yet: the approval may still come
        if approved is None or approved > departed - timedelta(days=s.min_days_before):
            values = {
                "id": r.record_id,
                "group": r.data["group"],
                "departed_on": departed.isoformat(),
                "approved_on": approved.isoformat() if approved else NONE,
            }
            hits.append(Hit(f"trip/{r.record_id}", r.department_code, departed, values, (r.ref,)))
    return hits


class TripLength(Settings):
    # 出访1国不超过5天，2国不超过8天，3国不超过10天（均含离、抵我国国境当日）; 赴拉美、非洲航班衔接
    # 不便国家的团组可增加1天 — the central rules on temporary trips abroad (2013; we do not cite an
    # article number we have not verified).
    max_days: dict[int, int] = Field(default_factory=lambda: {1: 5, 2: 8, 3: 10})
    remote_extra_days: int = Field(1, ge=0)


def trip_length(s: TripLength, records: Records, today: Today) -> list[Hit]:
    """A trip longer than its number of countries allows, both border days counted."""
    hits = []
    for r in records.of("trip_abroad"):
        d = r.data
        limit = s.max_days.get(d["countries"])
        if limit is None:
            continue  # more countries than the table knows: trip_countries says so
        limit += s.remote_extra_days if d["remote"] else 0
        days = (date.fromisoformat(d["returned_on"]) - r.day).days + 1
        if days > limit:
            values = {
                "id": r.record_id,
                "group": d["group"],
                "countries": d["countries"],
                "days": days,
                "limit": limit,
            }
            hits.append(Hit(f"trip/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class TripCountries(Settings):
    # 每次出访不超过3个国家和地区（含经停国家和地区）— the same rules as TripLength.
    max_countries: int = Field(3, ge=1)


def trip_countries(s: TripCountries, records: Records, today: Today) -> list[Hit]:
    """A trip to more countries and regions than allowed."""
    return [
        Hit(
            f"trip/{r.record_id}",
            r.department_code,
            r.day,
            {
                "id": r.record_id,
                "group": r.data["group"],
                "countries": r.data["countries"],
                "limit": s.max_countries,
            },
            (r.ref,),
        )
        for r in records.of("trip_abroad")
        if r.data["countries"] > s.max_countries
    ]


class TripsPerYear(Settings):
    # Leading cadres go on temporary trips abroad at most once a year (原则上每年不超过1次); the rule
    # is for leading cadres — set the limit your rules give the people the records name.
    max_per_year: int = Field(1, ge=1)


def trips_per_year(s: TripsPerYear, records: Records, today: Today) -> list[Hit]:
    """A traveller on more trips departing in one calendar year than allowed: one hit per traveller
    and year, from the first trip over the limit."""
    trips: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for r in records.of("trip_abroad"):
        for person in r.data["travellers"]:
            trips[(person, r.day.year)].append(r)
    hits = []
    for (person, year), rs in sorted(trips.items()):
        if len(rs) > s.max_per_year:
            values = {
                "traveller": person,
                "year": year,
                "trips": len(rs),
                "limit": s.max_per_year,
                "ids": ", ".join(r.record_id for r in rs),
            }
            first_over = rs[s.max_per_year]
            hits.append(
                Hit(
                    f"traveller/{person}@{year}",
                    first_over.department_code,
                    first_over.day,
                    values,
                    tuple(r.ref for r in rs),
                )
            )
    return hits


class CarLimit(Settings):
    max_price: Money
    max_litres: float | None = None  # None: any engine


# 《党政机关公务用车管理办法》（中办发〔2017〕71号）第二章 编制和标准管理 (we have not verified the
# article number): 机要通信用车 12万元以内、1.6升（含）以下; 应急保障用车和其他按照规定配备的公务用车
# 18万元以内、1.8升（含）以下; 执法执勤用车 12万元/1.6升, 因工作需要可 18万元/1.8升 (the upper bound is
# checked); 新能源轿车不超过18万元. A general car's 1.8 L / 180,000 yuan goes back to the 2011 《党政
# 机关公务用车配备使用管理办法》 the 2017 办法 replaced. Prices are without the purchase tax (车辆购置税),
# as the rules for public institutions say; special
# vehicles (特种专业技术用车) and coaches have standards of their own: not checked unless set.
CAR_LIMITS: dict[VehicleType, CarLimit] = {
    "general": CarLimit(max_price=180_000.0, max_litres=1.8),
    "emergency": CarLimit(max_price=180_000.0, max_litres=1.8),
    "law_enforcement": CarLimit(max_price=180_000.0, max_litres=1.8),
    "confidential": CarLimit(max_price=120_000.0, max_litres=1.6),
}


class CarStandard(Settings):
    limits: dict[VehicleType, CarLimit] = Field(default_factory=lambda: dict(CAR_LIMITS))


def car_standard(s: CarStandard, records: Records, today: Today) -> list[Hit]:
    """A car bought above its type's price or engine standard."""
    hits = []
    for r in records.of("car_purchase"):
        d = r.data
        limit = s.limits.get(d["vehicle_type"])
        if limit is None:
            continue
        litres = d["engine_litres"]
        over_engine = litres is not None and limit.max_litres is not None and litres > limit.max_litres + 1e-9
        if d["price"] > limit.max_price + 1e-9 or over_engine:
            values = {
                "id": r.record_id,
                "type": d["vehicle_type"],
                "type_zh": VEHICLE_ZH[d["vehicle_type"]],
                "model": d["model"],
                "price": round(d["price"], 2),
                "litres": litres if litres is not None else NONE,
                "max_price": limit.max_price,
                "max_litres": limit.max_litres if limit.max_litres is not None else NONE,
            }
            hits.append(Hit(f"car/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


def _contribution_values(r: Record) -> dict[str, Any]:
    d = r.data
    return {
        "id": r.record_id,
        "person": d["person"],
        "kind": d["kind"],
        "kind_zh": INSURANCE_ZH[d["kind"]],
        "kind_en": d["kind"].replace("_", " "),
        "payer": d["payer"],
        "payer_zh": PAYER_ZH[d["payer"]],
        "month": d["month"],
    }


# Housing fund: 单位和职工缴存比例均不得超过12% (建金〔2016〕74号; earlier 建金〔2005〕5号: 原则上不高于
# 12%). Pension: 单位缴费比例 16% (国办发〔2019〕13号); the individual's 8% lies below it. The other
# kinds' rates are set locally: add them to the rule.
MAX_RATES: dict[InsuranceKind, float] = {"housing_fund": 0.12, "pension": 0.16}


class ContributionRate(Settings):
    max_rate: dict[InsuranceKind, Rate] = Field(default_factory=lambda: dict(MAX_RATES))


def contribution_rate(s: ContributionRate, records: Records, today: Today) -> list[Hit]:
    """A contribution at a rate above its kind's maximum."""
    hits = []
    for r in records.of("contribution"):
        limit = s.max_rate.get(r.data["kind"])
        if limit is not None and r.data["rate"] > limit + 1e-9:
            values = {**_contribution_values(r), "rate": _pct(r.data["rate"]), "limit": _pct(limit)}
            hits.append(Hit(f"contribution/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


class ContributionBase(Settings):
    # The base may not exceed three times the local average monthly wage (社会保险缴费基数上限为全口径
    # 城镇单位就业人员平均工资的300%; 住房公积金缴存基数原则上不超过上一年度职工月平均工资的2倍或3倍,
    # 建金〔2005〕5号). Both change every year: 25,000 is illustrative — set the announced figure.
    max_base: Money = 25_000.0
    max_base_by_kind: dict[InsuranceKind, Money] = Field(default_factory=dict)


def contribution_base(s: ContributionBase, records: Records, today: Today) -> list[Hit]:
    """A contribution on a base above the cap."""
    hits = []
    for r in records.of("contribution"):
        limit = s.max_base_by_kind.get(r.data["kind"], s.max_base)
        if r.data["base"] > limit + 1e-9:
            values = {**_contribution_values(r), "base": round(r.data["base"], 2), "limit": limit}
            hits.append(Hit(f"contribution/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


def contribution_duplicate(s: NoSettings, records: Records, today: Today) -> list[Hit]:
    """The same part of the same kind paid more than once for one person and month (重复缴纳)."""
    paid: dict[tuple[str, str, str, str], list[Record]] = defaultdict(list)
    for r in records.of("contribution"):
        d = r.data
        paid[(d["person"], d["kind"], d["payer"], d["month"])].append(r)
    hits = []
    for (person, kind, payer, month), rs in sorted(paid.items()):
        if len(rs) > 1:
            values = {
                "person": person,
                "kind": kind,
                "kind_zh": INSURANCE_ZH[kind],
                "kind_en": kind.replace("_", " "),
                "payer": payer,
                "payer_zh": PAYER_ZH[payer],
                "month": month,
                "count": len(rs),
                "ids": ", ".join(r.record_id for r in rs),
                "total": round(sum(r.data["amount"] for r in rs), 2),
            }
            hits.append(
                Hit(
                    f"contribution/{person}/{kind}/{payer}@{month}",
                    rs[1].department_code,
                    rs[1].day,
                    values,
                    tuple(r.ref for r in rs),
                )
            )
    return hits


class ContributionAmount(Settings):
    # A cent either way for rounding; where amounts are rounded to the yuan, set 0.5.
    tolerance: Money = 0.01


def contribution_amount(s: ContributionAmount, records: Records, today: Today) -> list[Hit]:
    """An amount that is not base × rate (beyond the tolerance)."""
    hits = []
    for r in records.of("contribution"):
        d = r.data
        expected = d["base"] * d["rate"]
        if abs(d["amount"] - expected) > s.tolerance + 1e-6:
            values = {
                **_contribution_values(r),
                "base": round(d["base"], 2),
                "rate": _pct(d["rate"]),
                "expected": round(expected, 2),
                "amount": round(d["amount"], 2),
            }
            hits.append(Hit(f"contribution/{r.record_id}", r.department_code, r.day, values, (r.ref,)))
    return hits


# -- demo -----------------------------------------------------------------------------------------


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """A few departments' spending of the last two months: ordinary, with every check's fault once."""
    rnd = Random(f"spending-{today.isoformat()}")

    def dept(suffix: str) -> str:
        return departments.get(suffix) or next(iter(departments.values()))

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    out: list[tuple[str, dict[str, Any]]] = []
    units = ["省卫生健康委", "市纪委监委", "县市场监管局", "省教育厅", "兄弟市农业农村局", "市财政局"]
    for suffix in ("WJW", "SCJG", "JY", "NYNC"):
        code = dept(suffix)
        for k in range(6):
            guests = rnd.randint(2, 8)
            companions = rnd.randint(1, 3)
            out.append(
                (
                    "reception",
                    {
                        "id": f"JD-{suffix}-{k + 1:03d}",
                        "department_code": code,
                        "day": ago(5 + 9 * k),
                        "visiting_unit": units[(k + len(suffix)) % len(units)],
                        "reason": "检查指导工作",
                        "has_letter": True,
                        "guests": guests,
                        "companions": companions,
                        "meals": 1,
                        "meals_cost": float((guests + companions) * rnd.randint(60, 120)),
                        "accommodation_cost": float(guests * 300 if k % 2 else 0),
                        "other_cost": 0.0,
                    },
                )
            )
    wjw, scjg, jy = dept("WJW"), dept("SCJG"), dept("JY")
    faults: list[tuple[str, dict[str, Any]]] = [
        # 220 yuan a head for one meal
        (
            "reception",
            {
                "id": "JD-WJW-101",
                "department_code": wjw,
                "day": ago(12),
                "visiting_unit": "某医药企业协会",
                "reason": "调研交流",
                "has_letter": True,
                "guests": 4,
                "companions": 3,
                "meals": 1,
                "meals_cost": 1540.0,
            },
        ),
        # 6 guests, 5 companions; and no letter
        (
            "reception",
            {
                "id": "JD-SCJG-101",
                "department_code": scjg,
                "day": ago(20),
                "visiting_unit": "邻县市场监管局",
                "reason": "学习交流",
                "has_letter": False,
                "guests": 6,
                "companions": 5,
                "meals": 1,
                "meals_cost": 990.0,
            },
        ),
    ]
    out.extend(faults)

    def trip(
        tid: str, code: str, people: list[str], countries: int, left: int, days: int, **more: Any
    ) -> None:
        record: dict[str, Any] = {
            "id": tid,
            "department_code": code,
            "group": more.pop("group", "考察交流团组"),
            "travellers": people,
            "countries": countries,
            "departed_on": ago(left),
            "returned_on": ago(left - days + 1),
            "approved_on": ago(left + 30),
            "cost": 38_000.0 * len(people),
        }
        record.update(more)
        out.append(("trip_abroad", record))

    trip("CG-WJW-001", wjw, ["P-WJW-01", "P-WJW-02"], 1, 50, 5, group="医院管理培训团")
    trip("CG-JY-001", jy, ["P-JY-01", "P-JY-02", "P-JY-03"], 2, 40, 8, group="教育合作交流团")
    trip("CG-JY-002", jy, ["P-JY-04"], 3, 30, 12, group="职业教育考察团")  # 3 countries, 12 days
    trip("CG-SCJG-001", scjg, ["P-SCJG-01"], 4, 25, 10, group="标准化合作团")  # 4 countries
    trip("CG-SCJG-002", scjg, ["P-SCJG-02"], 1, 8, 4, group="质量论坛团组", approved_on=None)
    # One traveller twice in a calendar year: this year's, or last December's in early January.
    if today.timetuple().tm_yday > 15:
        first, second = min(40, today.timetuple().tm_yday - 1), 10
    else:
        first, second = (
            (today - date(today.year - 1, 12, 1)).days,
            (today - date(today.year - 1, 12, 20)).days,
        )
    trip("CG-WJW-002", wjw, ["P-WJW-03"], 1, first, 4, group="公共卫生研讨团")
    trip("CG-WJW-003", wjw, ["P-WJW-03"], 1, second, 4, group="疾控合作团")
    out.append(
        (
            "car_purchase",
            {
                "id": "GC-JY-001",
                "department_code": jy,
                "day": ago(33),
                "vehicle_type": "general",
                "model": "国产1.5L轿车",
                "price": 149_800.0,
                "engine_litres": 1.5,
            },
        )
    )
    out.append(
        (
            "car_purchase",
            {
                "id": "GC-SCJG-001",
                "department_code": scjg,
                "day": ago(18),
                "vehicle_type": "law_enforcement",
                "model": "国产纯电动执法车",
                "price": 172_000.0,
                "engine_litres": None,
            },
        )
    )
    out.append(
        (
            "car_purchase",
            {
                "id": "GC-WJW-001",
                "department_code": wjw,
                "day": ago(27),
                "vehicle_type": "general",
                "model": "2.0T中型轿车",
                "price": 265_000.0,
                "engine_litres": 2.0,
            },
        )
    )
    # Contributions: two departments' staff, last month, every kind, unit and individual parts.
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    rates = {
        ("pension", "unit"): 0.16,
        ("pension", "individual"): 0.08,
        ("medical", "unit"): 0.095,
        ("medical", "individual"): 0.02,
        ("unemployment", "unit"): 0.005,
        ("unemployment", "individual"): 0.005,
        ("injury", "unit"): 0.002,
        ("housing_fund", "unit"): 0.12,
        ("housing_fund", "individual"): 0.12,
    }
    for suffix in ("WJW", "RS"):
        for p in range(1, 4):
            person = f"E-{suffix}-{p:02d}"
            base = float(rnd.randrange(8_000, 16_000, 100))
            for (kind, payer), rate in rates.items():
                out.append(
                    (
                        "contribution",
                        {
                            "id": f"SB-{person}-{kind}-{payer}-{last_month}",
                            "department_code": dept(suffix),
                            "month": last_month,
                            "person": person,
                            "kind": kind,
                            "payer": payer,
                            "base": base,
                            "rate": rate,
                            "amount": round(base * rate, 2),
                            "paid_on": ago(3),
                        },
                    )
                )
    rs = dept("RS")

    def contribution(
        cid: str, person: str, kind: str, base: float, rate: float, amount: float, **more: Any
    ) -> None:
        out.append(
            (
                "contribution",
                {
                    "id": cid,
                    "department_code": more.get("department_code", rs),
                    "month": more.get("month", last_month),
                    "person": person,
                    "kind": kind,
                    "payer": more.get("payer", "unit"),
                    "base": base,
                    "rate": rate,
                    "amount": amount,
                    "paid_on": more.get("paid_on", ago(3)),
                },
            )
        )

    contribution("SB-X-001", "E-RS-09", "housing_fund", 12_000.0, 0.15, 1_800.0)  # 15% housing fund
    contribution("SB-X-002", "E-RS-08", "pension", 41_000.0, 0.16, 6_560.0)  # base over the cap
    contribution("SB-X-003", "E-RS-01", "medical", 12_000.0, 0.095, 1_140.0, paid_on=ago(2))  # paid twice
    contribution("SB-X-004", "E-RS-07", "pension", 10_000.0, 0.16, 1_660.0)  # 1,600 due
    return out


MONITOR = Monitor(
    "three_public",
    "“三公”经费",
    '"Three public" spending',
    "R-MON-4",
    {
        "reception": Kind(Reception, "公务接待", "official reception", "day"),
        "trip_abroad": Kind(TripAbroad, "因公临时出国（境）", "temporary trip abroad", "departed_on"),
        "car_purchase": Kind(CarPurchase, "公务用车购置", "official car purchase", "day"),
        "contribution": Kind(
            Contribution, "社保和住房公积金缴纳", "social insurance or housing fund", "paid_on"
        ),
    },
    {
        "reception_cost": Check(
            ReceptionCost,
            reception_cost,
            "接待人均餐费超标准",
            "reception meal cost per person over the standard",
        ),
        "reception_companions": Check(
            ReceptionCompanions,
            reception_companions,
            "陪餐人数超规定",
            "more companions at the meal than allowed",
        ),
        "reception_letter": Check(
            NoSettings, reception_letter, "无公函接待", "reception without an official letter"
        ),
        "trip_approval": Check(
            TripApproval,
            trip_approval,
            "出国（境）未经事先批准",
            "trip abroad not approved before departure",
            timed=True,
        ),
        "trip_length": Check(
            TripLength, trip_length, "出访天数超规定", "trip longer than its countries allow"
        ),
        "trip_countries": Check(
            TripCountries, trip_countries, "出访国家和地区超规定", "trip to more countries than allowed"
        ),
        "trips_per_year": Check(
            TripsPerYear,
            trips_per_year,
            "个人年度出访次数超规定",
            "a traveller's trips in a year over the limit",
        ),
        "car_standard": Check(
            CarStandard, car_standard, "公务用车超标准购置", "official car over the standard"
        ),
        "contribution_rate": Check(
            ContributionRate,
            contribution_rate,
            "缴费（缴存）比例超上限",
            "contribution rate above its maximum",
        ),
        "contribution_base": Check(
            ContributionBase, contribution_base, "缴费（缴存）基数超上限", "contribution base above the cap"
        ),
        "contribution_duplicate": Check(
            NoSettings, contribution_duplicate, "同一人同月重复缴纳", "the same person paid twice for a month"
        ),
        "contribution_amount": Check(
            ContributionAmount, contribution_amount, "缴纳金额与基数×比例不符", "amount is not base × rate"
        ),
    },
)
