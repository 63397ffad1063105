"""Government investment project integrity (政府投资重大项目廉情预警, R-MON-8).

Guangzhou's warning system for major government-invested projects "links and integrates the key
supervision data of government investment projects scattered over departments and stages,
computes a project integrity index (廉情指数) and grades the project (廉情等级)" (seed 002). Here
the development and reform side sends the **projects** (`project`: name, owner unit, approved
budget estimate 概算, day of approval), and every department that supervises some stage sends
**facts** about a project (`project_fact`): which department reports (`source`: 发改, 财政, 审计,
住建, 公共资源交易, 纪检 …), which indicator, its value, the day reported.

A fact is the reporting department's *current* value of its indicator for the project (the
number of audit findings so far, the overrun in per cent of the approved estimate), not an
increment: a newer report of the same department replaces its older one, and a report of 0
clears it (a finding rectified). The latest report per (project, indicator, source) counts — the
later day, and on one day the larger value. Facts of several departments about one indicator
combine by what the indicator is: a **count** (change orders, bidding anomalies, audit findings,
complaints …) is the *sum* of the departments' latest values, as each department counts what it
itself found or received; a **measure** (overrun %, days of delay) is the *largest* of them, as
they measure one quantity and the worst report stands.

The index of a project is ``max(0, 100 − Σ points)`` with, per indicator,
``points = min(cap, weight × value)`` (weights in points per unit and caps are the `grade` check's
settings), rounded to 2 places; its grade is the best grade whose minimum the index reaches
(A ≥ 90, B ≥ 80, C ≥ 70, D below). Each row of the index names every indicator with its weight,
cap, value, points and the reports it rests on, and the departments whose reports contributed,
so anyone can recompute it. No national standard fixes these weights, and Guangzhou's are not
published: the defaults below are ours, meant to be tuned by a pack.

Facts must be filed under the project's department (`department_code` of the project record,
e.g. the housing and construction bureau for a building project), as checks read one
department's records at a time; a fact naming a project that department does not have is left
out of the index (it raises nothing; the sender should send it under the project's department).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

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

Indicator = Literal[
    "budget_overrun",
    "change_orders",
    "bidding_anomalies",
    "payment_irregularities",
    "audit_findings",
    "complaints",
    "delay_days",
    "incidents",
    "disciplinary_cases",
]
# The departments that report facts. A closed list, so that one department never counts twice
# under two spellings (审计 and 审计局 would each add their count); a new source is added here.
Source = Literal[
    "发改",
    "财政",
    "审计",
    "住建",
    "交通",
    "水利",
    "自然资源",
    "应急管理",
    "公共资源交易",
    "信访",
    "纪检",
]


@dataclass(frozen=True)
class IndicatorInfo:
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    count: bool  # a count (whole numbers, summed over sources) or a measure (the largest stands)


INDICATORS: Mapping[Indicator, IndicatorInfo] = {
    "budget_overrun": IndicatorInfo("投资超概算", "investment over the approved estimate", "%", "%", False),
    "change_orders": IndicatorInfo(
        "设计变更/现场签证", "design changes and site instructions", "项", "", True
    ),
    "bidding_anomalies": IndicatorInfo("招投标异常", "bidding anomalies", "项", "", True),
    "payment_irregularities": IndicatorInfo("资金拨付异常", "payment irregularities", "笔", "", True),
    "audit_findings": IndicatorInfo("审计发现问题", "audit findings", "个", "", True),
    "complaints": IndicatorInfo("信访举报", "complaints and reports received", "件", "", True),
    "delay_days": IndicatorInfo("工期延误", "schedule delay", "天", " days", False),
    "incidents": IndicatorInfo("安全质量事故", "safety and quality incidents", "起", "", True),
    "disciplinary_cases": IndicatorInfo("违纪违法立案", "disciplinary cases opened", "件", "", True),
}
COUNTS = frozenset(code for code, info in INDICATORS.items() if info.count)


class Project(RecordIn):
    """A government-invested project (政府投资项目) as approved: its estimate (概算) in yuan."""

    name: Annotated[Name, Field(title="项目名称", description="project name")]
    owner: Annotated[Name, Field(title="项目建设单位（业主）", description="owner building the project")]
    budget: Annotated[
        Money, Field(title="批复（核定）的投资概算", description="approved investment estimate, yuan")
    ]
    approved_on: Annotated[PlausibleDay, Field(title="批复日期", description="day approved")]


class ProjectFact(RecordIn):
    """One department's current value of one indicator for a project."""

    project_id: Annotated[RecordId, Field(title="项目编号", description="project's id")]
    source: Annotated[Source, Field(title="报送部门", description="department reporting")]
    indicator: Annotated[Indicator, Field(title="指标", description="indicator")]
    value: Annotated[float, Field(ge=0, le=1_000_000, title="指标值", description="current value")]
    reported_on: Annotated[PlausibleDay, Field(title="报送日期", description="day reported")]
    note: Annotated[
        Annotated[str, Field(max_length=2000)] | None, Field(title="备注", description="note")
    ] = None

    @field_validator("value")
    @classmethod
    def _whole_count(cls, value: float, info: ValidationInfo) -> float:
        indicator = info.data.get("indicator")
        if indicator in COUNTS and value != int(value):
            raise ValueError(f"{indicator} 是计数，须为整数 | {indicator} is a count: a whole number")
        return value


class Weight(BaseModel):
    """An indicator's points per unit of its value, and the most points it can take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: Annotated[float, Field(ge=0, le=100)]
    cap: Annotated[float, Field(ge=0, le=100)]


# Our defaults (no national standard fixes them): what points most at corruption — a case opened,
# a rigged tender, irregular payments — weighs most; an overrun counts from its first per cent, as
# 《政府投资条例》（国务院令第712号）第二十三条 says investment shall in principle not exceed the
# approved estimate; a change order or a day of delay alone weighs little.
DEFAULT_WEIGHTS: Mapping[Indicator, Weight] = {
    "budget_overrun": Weight(weight=1, cap=20),  # per percentage point over the estimate
    "change_orders": Weight(weight=1, cap=10),
    "bidding_anomalies": Weight(weight=5, cap=25),
    "payment_irregularities": Weight(weight=5, cap=20),
    "audit_findings": Weight(weight=3, cap=20),
    "complaints": Weight(weight=2, cap=10),
    "delay_days": Weight(weight=0.05, cap=10),  # a point per 20 days
    "incidents": Weight(weight=5, cap=15),
    "disciplinary_cases": Weight(weight=10, cap=30),
}
GradeName = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[^\s/@]+$")]


class Grades(Settings):
    """The `grade` check and the index: weights, grade minimums, and which grades raise a signal.

    An indicator the settings leave out keeps its default weight and cap (weight 0 leaves it out
    of the index). Grades map a name to the least index it needs; one must need 0."""

    indicators: dict[Indicator, Weight] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    grades: dict[GradeName, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {"A": 90.0, "B": 80.0, "C": 70.0, "D": 0.0}
    )
    hit_grades: Annotated[tuple[GradeName, ...], Field(min_length=1)] = ("D",)

    @field_validator("indicators")
    @classmethod
    def _with_defaults(cls, given: dict[Indicator, Weight]) -> dict[Indicator, Weight]:
        return {**DEFAULT_WEIGHTS, **given}

    @field_validator("grades")
    @classmethod
    def _covering(cls, grades: dict[str, float]) -> dict[str, float]:
        if 0 not in grades.values():
            raise ValueError("须有一个等级的下限为 0 | one grade must start at 0")
        if len(set(grades.values())) != len(grades):
            raise ValueError("等级下限不得重复 | two grades have the same minimum")
        return dict(sorted(grades.items(), key=lambda g: -g[1]))

    @model_validator(mode="after")
    def _known_hits(self) -> Grades:
        unknown = [g for g in self.hit_grades if g not in self.grades]
        if unknown:
            raise ValueError(
                f"hit_grades 含未定义的等级 {'、'.join(unknown)} | hit_grades names grades not in grades: "
                f"{', '.join(unknown)}"
            )
        return self


def _num(x: float) -> str:
    """A number as a message shows it: 3, 2.5, -5 (values are rounded to 4 places at most)."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _latest_reports(records: Records) -> dict[str, dict[str, list[Record]]]:
    """Per known project and indicator, each source's latest report (sources in name order)."""
    latest: dict[tuple[str, str, str], Record] = {}
    for f in records.of("project_fact"):
        if records.get("project", f.data["project_id"]) is None:
            continue  # a project this department does not have: left out
        key = (f.data["project_id"], f.data["indicator"], f.data["source"])
        kept = latest.get(key)
        if kept is None or (f.day, f.data["value"]) > (kept.day, kept.data["value"]):
            latest[key] = f
    out: dict[str, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for (project, indicator, _), f in sorted(latest.items()):
        out[project][indicator].append(f)
    return out


def index(s: Grades, records: Records, today: Today) -> list[dict[str, Any]]:
    """The integrity index of every project of the department, lowest first (see the module)."""
    reports = _latest_reports(records)
    rows = []
    for p in records.of("project"):
        facts = reports.get(p.record_id, {})
        components: list[dict[str, Any]] = []
        for code, info in INDICATORS.items():
            counted = facts.get(code, [])
            values = [float(f.data["value"]) for f in counted]
            value = round(sum(values) if info.count else max(values, default=0.0), 4)
            w = s.indicators[code]
            components.append(
                {
                    "indicator": code,
                    "zh": info.zh,
                    "en": info.en,
                    "unit_zh": info.unit_zh,
                    "combine": "sum" if info.count else "max",
                    "value": value,
                    "weight": w.weight,
                    "cap": w.cap,
                    "points": round(min(w.cap, w.weight * value), 2),
                    "reports": [
                        {
                            "source": f.data["source"],
                            "value": f.data["value"],
                            "reported_on": f.day.isoformat(),
                            "record": f.ref,
                        }
                        for f in counted
                    ],
                }
            )
        used = [f for fs in facts.values() for f in fs]
        deduction = round(sum(c["points"] for c in components), 2)
        score = round(max(0.0, 100 - deduction), 2)
        graded = next(g for g, least in s.grades.items() if score >= least)
        rows.append(
            {
                "project": p.record_id,
                "department_code": p.department_code,
                "name": p.data["name"],
                "owner": p.data["owner"],
                "budget": round(float(p.data["budget"]), 2),
                "approved_on": p.day.isoformat(),
                "index": score,
                "grade": graded,
                "deduction": deduction,
                "sources": sorted({f.data["source"] for f in used}),
                "components": components,
                "as_of": max((f.day for f in used), default=p.day).isoformat(),
                "records": [p.ref, *sorted(f.ref for f in used)],
            }
        )
    return sorted(rows, key=lambda r: (r["index"], r["project"]))


def grade(s: Grades, records: Records, today: Today) -> list[Hit]:
    """Projects whose grade is one of `hit_grades`; the subject names the grade, so a project
    falling to a worse grade raises again."""
    hits = []
    for row in index(s, records, today):
        if row["grade"] not in s.hit_grades:
            continue
        taken = [c for c in row["components"] if c["points"] > 0]
        values = {
            k: row[k]
            for k in ("project", "name", "owner", "budget", "index", "grade", "deduction", "components")
        }
        values["sources"] = "、".join(row["sources"]) or "—"
        values["deductions_zh"] = (
            "；".join(f"{c['zh']} {_num(c['value'])}{c['unit_zh']} 扣 {_num(c['points'])} 分" for c in taken)
            or "—"
        )
        values["deductions_en"] = (
            "; ".join(
                f"{c['en']} {_num(c['value'])}{INDICATORS[c['indicator']].unit_en} −{_num(c['points'])}"
                for c in taken
            )
            or "—"
        )
        hits.append(
            Hit(
                f"project/{row['project']}@{row['grade']}",
                row["department_code"],
                date.fromisoformat(row["as_of"]),
                values,
                tuple(row["records"]),
            )
        )
    return hits


MONITOR = Monitor(
    "project_integrity",
    "政府投资重大项目廉情预警",
    "Government investment project integrity",
    "R-MON-8",
    {
        "project": Kind(Project, "政府投资项目", "government investment project", "approved_on"),
        "project_fact": Kind(ProjectFact, "项目监管数据", "project supervision fact", "reported_on"),
    },
    {"grade": Check(Grades, grade, "项目廉情等级预警", "project integrity grade")},
    # Major projects run for years (approval, building, final accounts): a project is read for ten
    # years after its approval, and its facts as long.
    window_days=3660,
    index=index,
    index_check="grade",
)


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """A few projects of the housing, transport and education bureaus with facts from several
    departments: one graded C, one D, the others A or B, and a fact for an unknown project."""

    def dept(suffix: str) -> str:
        return departments.get(suffix) or next(iter(departments.values()))

    def day(n: int) -> str:
        return (today - timedelta(days=n)).isoformat()

    out: list[tuple[str, dict[str, Any]]] = []
    projects = [
        ("ZJ", "ZJ-2023-011", "城东污水处理厂提标改造工程", "市城市建设投资集团有限公司", 186_000_000, 900),
        ("ZJ", "ZJ-2022-004", "市第二人民医院迁建工程", "市卫生健康委员会", 950_000_000, 1200),
        ("ZJ", "ZJ-2024-020", "老旧小区改造（一期）", "市住房和城乡建设局", 42_500_000, 420),
        ("JTYS", "JT-2023-002", "滨江大道快速化改造工程", "市交通投资集团有限公司", 620_000_000, 800),
        ("JTYS", "JT-2024-007", "城北综合交通枢纽", "市交通投资集团有限公司", 380_000_000, 500),
        ("JY", "JY-2024-003", "实验中学新校区建设工程", "市教育局", 265_000_000, 600),
    ]
    for suffix, pid, name, owner, budget, age in projects:
        out.append(
            (
                "project",
                {
                    "id": pid,
                    "department_code": dept(suffix),
                    "name": name,
                    "owner": owner,
                    "budget": budget,
                    "approved_on": day(age),
                },
            )
        )
    suffix_of = {pid: suffix for suffix, pid, *_ in projects}
    facts: list[tuple[str, str, str, float, int]] = [
        # An ordinary project: two change orders, nothing found by the audit (A, 98).
        ("ZJ-2023-011", "住建", "change_orders", 2, 40),
        ("ZJ-2023-011", "审计", "audit_findings", 0, 35),
        # The hospital: over its estimate by both counts, audit findings, a rigged-looking tender,
        # complaints — 14 + 6 + 5 + 9 + 4 = 38 points, index 62 (D).
        ("ZJ-2022-004", "发改", "budget_overrun", 12.5, 50),
        ("ZJ-2022-004", "审计", "budget_overrun", 14, 20),
        ("ZJ-2022-004", "住建", "change_orders", 6, 30),
        ("ZJ-2022-004", "公共资源交易", "bidding_anomalies", 1, 45),
        ("ZJ-2022-004", "审计", "audit_findings", 3, 20),
        ("ZJ-2022-004", "纪检", "complaints", 1, 25),
        ("ZJ-2022-004", "信访", "complaints", 1, 10),
        ("ZJ-2024-020", "住建", "change_orders", 0, 15),
        # The riverside road: change orders, 120 days late, an irregular payment, complaints —
        # 5 + 6 + 5 + 6 = 22 points, index 78 (C).
        ("JT-2023-002", "交通", "change_orders", 5, 33),
        ("JT-2023-002", "交通", "delay_days", 120, 12),
        ("JT-2023-002", "财政", "payment_irregularities", 1, 27),
        ("JT-2023-002", "信访", "complaints", 3, 8),
        # The hub: two bidding anomalies and 40 days late — 12 points, index 88 (B).
        ("JT-2024-007", "公共资源交易", "bidding_anomalies", 2, 55),
        ("JT-2024-007", "交通", "delay_days", 40, 18),
        # The school: the audit's two findings were rectified (its newer report is 0) — A, 99.
        ("JY-2024-003", "审计", "audit_findings", 2, 50),
        ("JY-2024-003", "审计", "audit_findings", 0, 10),
        ("JY-2024-003", "住建", "change_orders", 1, 22),
        ("JY-2024-003", "财政", "payment_irregularities", 0, 22),
    ]
    for n, (pid, source, indicator, value, age) in enumerate(facts, 1):
        out.append(
            (
                "project_fact",
                {
                    "id": f"PF-{n:03d}",
                    "department_code": dept(suffix_of[pid]),
                    "project_id": pid,
                    "source": source,
                    "indicator": indicator,
                    "value": value,
                    "reported_on": day(age),
                },
            )
        )
    # A fact about a project the housing bureau never registered: left out of the index.
    out.append(
        (
            "project_fact",
            {
                "id": "PF-900",
                "department_code": dept("ZJ"),
                "project_id": "ZJ-2019-999",
                "source": "审计",
                "indicator": "audit_findings",
                "value": 5,
                "reported_on": day(5),
            },
        )
    )
    return out
