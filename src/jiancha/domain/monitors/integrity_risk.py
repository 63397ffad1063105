"""Integrity risk of units and officials (勤廉风险综合评价指数, R-MON-9).

Quangang's system records "each unit's and official's assessment under the Party conduct and
clean-government responsibility system (党风廉政建设责任制考核), performance appraisal (绩效考评),
reports received (受举报), investigations (受查处), and criticism or commendation (受通报批评或表彰)",
and "monitors them, scores them and warns in real time" through an integrity risk index (seed
001). Here a unit sends these as **events** (`integrity_event`): whose (an official, by id and
name, or the unit itself when no official is named), what happened, when, and for an assessment
its grade.

The index of an official is the sum of the points of their events in the last `window_days` days
(365 by default; an event on `today − window_days` has left it, one dated after today does not
count yet), at least 0: each kind of event takes its points (`points`), an assessment those of
its grade (`grade_points`, 称职/基本称职/不称职 being the civil-service names of 合格/基本合格/
不合格), and a commendation takes points off (negative), so it can offset risk but not bank credit.
A unit is its department: its index is the points of its own events (those naming no official)
plus the sum of its officials' indices — the unit answers for its officials (主体责任), and
since no roster is sent, a mean over the officials with events would mean nothing. Levels low,
medium and high start at thresholds of their own for officials and for units (a unit adds up its
officials). No national standard fixes these weights, and Quangang's are not published: the
defaults below are ours, meant to be tuned by a pack.

Each row of the index names every component (kind, and grade for an assessment) with its count,
weight and points, so anyone can recompute it. The `risk_level` check raises the rows whose level
it names, with the subject `official/<department>/<official>@<level>` or `unit/<department>@<level>`.
The index falls as events leave the window (the clock runs the check daily); since a subject is
raised once only, a later rise to a level already raised for that official or unit raises
nothing new — only a rise to another level does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from jiancha.domain.monitors.base import (
    Check,
    Hit,
    Kind,
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

READ_DAYS = 400  # how far back the monitor reads: the longest window a rule may set

EventKind = Literal[
    "responsibility_assessment",
    "performance_assessment",
    "report_received",
    "report_substantiated",
    "investigation",
    "criticism",
    "commendation",
]
KIND_NAMES: Mapping[EventKind, tuple[str, str]] = {
    "responsibility_assessment": ("党风廉政建设责任制考核", "clean-government responsibility assessment"),
    "performance_assessment": ("绩效考评", "performance appraisal"),
    "report_received": ("受举报", "report received"),
    "report_substantiated": ("举报查实", "report substantiated"),
    "investigation": ("受查处", "investigation"),
    "criticism": ("通报批评", "criticism in a circular"),
    "commendation": ("表彰", "commendation"),
}
ASSESSMENTS: frozenset[str] = frozenset({"responsibility_assessment", "performance_assessment"})
Scored = Literal["report_received", "report_substantiated", "investigation", "criticism", "commendation"]
# The assessment grades: 优秀/合格/基本合格/不合格, or the civil servants' annual assessment names
# of the same grades, 优秀/称职/基本称职/不称职 (公务员法 and 公务员考核规定; article not checked).
GradeIn = Literal["优秀", "合格", "称职", "基本合格", "基本称职", "不合格", "不称职"]
Grade = Literal["优秀", "合格", "基本合格", "不合格"]
GRADES: tuple[Grade, ...] = ("优秀", "合格", "基本合格", "不合格")
SAME_GRADE: Mapping[str, Grade] = {"称职": "合格", "基本称职": "基本合格", "不称职": "不合格"}
GRADE_EN: Mapping[str, str] = {
    "优秀": "excellent",
    "合格": "pass",
    "基本合格": "barely pass",
    "不合格": "fail",
}
Level = Literal["low", "medium", "high"]
LEVEL_ZH: Mapping[str, str] = {"low": "低", "medium": "中", "high": "高"}


class IntegrityEvent(RecordIn):
    """One event of an official's (or, with no official, the unit's own) integrity record."""

    official_id: Annotated[
        RecordId | None, Field(title="干部编号", description="official's id; empty for the unit's own event")
    ] = None
    official_name: Name | None = Field(
        default=None, validate_default=True, title="干部姓名", description="official's name"
    )
    # e.g. 工程建设股股长
    post: Annotated[Name | None, Field(title="岗位职务", description="official's post")] = None
    kind: Annotated[EventKind, Field(title="事件类型", description="kind of event")]
    grade: GradeIn | None = Field(
        default=None, validate_default=True, title="考核等次", description="assessment grade"
    )
    occurred_on: Annotated[PlausibleDay, Field(title="发生日期", description="day of the event")]
    note: Annotated[
        Annotated[str, Field(max_length=2000)] | None, Field(title="备注", description="note")
    ] = None

    @field_validator("official_name")
    @classmethod
    def _named_with_id(cls, name: str | None, info: ValidationInfo) -> str | None:
        if "official_id" in info.data and (info.data["official_id"] is None) != (name is None):
            raise ValueError(
                "official_id 与 official_name 须同时给出（单位自身的事件两者皆空） | official_id and "
                "official_name go together (both empty for the unit's own event)"
            )
        return name

    @field_validator("post")
    @classmethod
    def _post_of_official(cls, post: str | None, info: ValidationInfo) -> str | None:
        if post is not None and "official_id" in info.data and info.data["official_id"] is None:
            raise ValueError("单位自身的事件没有岗位 | the unit's own event has no post")
        return post

    @field_validator("grade")
    @classmethod
    def _graded_assessment(cls, grade: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind is None:
            return grade
        if kind in ASSESSMENTS and grade is None:
            raise ValueError(f"{kind} 须有考核等次 | {kind} needs its grade")
        if kind not in ASSESSMENTS and grade is not None:
            raise ValueError(f"{kind} 没有考核等次 | {kind} has no grade")
        return grade


# Our defaults (no national standard fixes them): an investigation (立案审查调查或受处分) weighs
# most, then a substantiated report or a failed assessment; a report merely received weighs a
# little (it may be unfounded); a commendation or an excellent grade takes a little off.
DEFAULT_POINTS: Mapping[Scored, float] = {
    "report_received": 2.0,
    "report_substantiated": 10.0,
    "investigation": 20.0,
    "criticism": 5.0,
    "commendation": -5.0,
}
DEFAULT_GRADE_POINTS: Mapping[Grade, float] = {"优秀": -3.0, "合格": 0.0, "基本合格": 5.0, "不合格": 15.0}
Points = Annotated[float, Field(ge=-100, le=100)]


class Thresholds(BaseModel):
    """The least index of a medium and of a high risk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    medium: Annotated[float, Field(gt=0, le=10_000)]
    high: Annotated[float, Field(gt=0, le=10_000)]

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.high <= self.medium:
            raise ValueError("high 须大于 medium | high must be above medium")
        return self


class RiskLevels(Settings):
    """The `risk_level` check and the index: window, points, thresholds, and the levels that hit.

    A kind or grade the settings leave out keeps its default points. A commendation's points must
    not be above 0, the other kinds' not below."""

    window_days: Annotated[int, Field(ge=1, le=READ_DAYS)] = 365
    points: dict[Scored, Points] = Field(default_factory=lambda: dict(DEFAULT_POINTS))
    grade_points: dict[Grade, Points] = Field(default_factory=lambda: dict(DEFAULT_GRADE_POINTS))
    official_levels: Thresholds = Thresholds(medium=10, high=20)
    unit_levels: Thresholds = Thresholds(medium=20, high=40)
    hit_levels: Annotated[tuple[Literal["medium", "high"], ...], Field(min_length=1)] = ("high",)

    @field_validator("points")
    @classmethod
    def _points(cls, given: dict[Scored, float]) -> dict[Scored, float]:
        points = {**DEFAULT_POINTS, **given}
        wrong = [k for k, v in points.items() if (v > 0 if k == "commendation" else v < 0)]
        if wrong:
            raise ValueError(
                f"{'、'.join(wrong)} 的分值符号不对（表彰减分，其余加分） | wrong sign for "
                f"{', '.join(wrong)} (a commendation takes points off, the others add)"
            )
        return points

    @field_validator("grade_points")
    @classmethod
    def _grade_points(cls, given: dict[Grade, float]) -> dict[Grade, float]:
        return {**DEFAULT_GRADE_POINTS, **given}


def _grade(event: Record) -> str | None:
    grade = event.data.get("grade")
    return None if grade is None else SAME_GRADE.get(grade, grade)


def _num(x: float) -> str:
    """A number as a message shows it: 3, 2.5, -5 (values are rounded to 4 places at most)."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _components(s: RiskLevels, events: list[Record]) -> list[dict[str, Any]]:
    """Every component — a kind, or an assessment kind and grade — with its count and points."""
    count: dict[tuple[str, str | None], int] = defaultdict(int)
    for e in events:
        count[(e.data["kind"], _grade(e))] += 1
    out: list[dict[str, Any]] = []
    for kind, (zh, en) in KIND_NAMES.items():
        parts: list[tuple[str | None, float, str, str]] = (
            [(g, s.grade_points[g], f"{zh}（{g}）", f"{en} ({GRADE_EN[g]})") for g in GRADES]
            if kind in ASSESSMENTS
            else [(None, s.points[cast(Scored, kind)], zh, en)]
        )
        for grade, weight, part_zh, part_en in parts:
            n = count[(kind, grade)]
            out.append(
                {
                    "kind": kind,
                    "grade": grade,
                    "zh": part_zh,
                    "en": part_en,
                    "count": n,
                    "weight": float(weight),
                    "points": round(n * float(weight), 2) + 0.0,  # no −0.0 for a commendation not had
                }
            )
    return out


def _signed(x: float) -> str:
    return f"+{_num(x)}" if x > 0 else _num(x)


def _times_zh(c: Mapping[str, Any]) -> str:
    return f"（{c['count']} 人）" if c["kind"] == "officials" else f" {c['count']} 次"


def _times_en(c: Mapping[str, Any]) -> str:
    return f" ({c['count']})" if c["kind"] == "officials" else f" ×{c['count']}"


def _level(score: float, t: Thresholds) -> Level:
    return "high" if score >= t.high else "medium" if score >= t.medium else "low"


def _row(
    s: RiskLevels,
    today: Today,
    who: str,
    department: str,
    events: list[Record],
    components: list[dict[str, Any]],
) -> dict[str, Any]:
    score = round(max(0.0, float(sum(c["points"] for c in components))), 2)
    level = _level(score, s.official_levels if who == "official" else s.unit_levels)
    last = events[-1]  # events are in day order: the latest name and post stand
    official = who == "official"
    return {
        "who": who,
        "department_code": department,
        "official": last.data["official_id"] if official else None,
        "name": last.data["official_name"] if official else None,
        "post": last.data["post"] if official else None,
        "index": score,
        "level": level,
        "window_days": s.window_days,
        "from": (today.day - timedelta(days=s.window_days - 1)).isoformat(),
        "to": today.day.isoformat(),
        "components": components,
        "as_of": max(e.day for e in events).isoformat(),
        "records": sorted(e.ref for e in events),
    }


def index(s: RiskLevels, records: Records, today: Today) -> list[dict[str, Any]]:
    """The index of each unit with events in the window, each followed by its officials' (highest
    first); see the module for how it is computed."""
    start = today.day - timedelta(days=s.window_days)
    by_unit: dict[str, dict[str | None, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for e in records.of("integrity_event"):
        if start < e.day <= today.day:
            by_unit[e.department_code][e.data["official_id"]].append(e)
    rows = []
    for department, by_official in sorted(by_unit.items()):
        officials = [
            _row(s, today, "official", department, events, _components(s, events))
            for official, events in by_official.items()
            if official is not None
        ]
        own = by_official.get(None, [])
        components = _components(s, own)
        components.append(
            {
                "kind": "officials",
                "grade": None,
                "zh": "所属工作人员指数合计",
                "en": "sum of its officials' indices",
                "count": len(officials),
                "weight": 1.0,
                "points": round(float(sum(r["index"] for r in officials)), 2),
            }
        )
        every = sorted(
            (e for events in by_official.values() for e in events), key=lambda e: (e.day, e.record_id)
        )
        rows.append(_row(s, today, "unit", department, every, components))
        rows.extend(sorted(officials, key=lambda r: (-r["index"], r["official"])))
    return rows


def risk_level(s: RiskLevels, records: Records, today: Today) -> list[Hit]:
    """Officials and units whose risk level is one of `hit_levels`."""
    hits = []
    for row in index(s, records, today):
        level = row["level"]
        if level not in s.hit_levels:
            continue
        department = row["department_code"]
        if row["who"] == "official":
            subject = f"official/{department}/{row['official']}@{level}"
            post = f"，{row['post']}" if row["post"] else ""
            post_en = f", {row['post']}" if row["post"] else ""
            who_zh = f"工作人员 {row['name']}（{department}{post}）"
            who_en = f"official {row['name']} ({department}{post_en})"
        else:
            subject = f"unit/{department}@{level}"
            who_zh, who_en = f"单位 {department}", f"unit {department}"
        taken = [c for c in row["components"] if c["points"] != 0]
        values = {
            "who": row["who"],
            "department": department,
            **{
                k: row[k] for k in ("official", "name", "post", "index", "level", "window_days", "components")
            },
            "level_zh": LEVEL_ZH[level],
            "subject_zh": who_zh,
            "subject_en": who_en,
            "summary_zh": "；".join(f"{c['zh']}{_times_zh(c)} {_signed(c['points'])} 分" for c in taken)
            or "—",
            "summary_en": "; ".join(f"{c['en']}{_times_en(c)} {_signed(c['points'])}" for c in taken) or "—",
        }
        hits.append(Hit(subject, department, date.fromisoformat(row["as_of"]), values, tuple(row["records"])))
    return hits


MONITOR = Monitor(
    "integrity_risk",
    "勤廉风险预警",
    "Integrity risk warning",
    "R-MON-9",
    {"integrity_event": Kind(IntegrityEvent, "勤廉信息", "integrity record event", "occurred_on")},
    {"risk_level": Check(RiskLevels, risk_level, "勤廉风险等级预警", "integrity risk level", timed=True)},
    window_days=READ_DAYS,
    index=index,
    index_check="risk_level",
)


def demo(today: date, departments: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The transport bureau (Quangang's pilot unit) with one official at a medium risk, one at a
    high risk and a unit at a high risk; the human resources bureau at a medium risk as a unit;
    ordinary events elsewhere, and one event already out of the window."""

    def dept(suffix: str) -> str:
        return departments.get(suffix) or next(iter(departments.values()))

    events: list[tuple[str, str | None, str | None, str | None, str, str | None, int, str | None]] = [
        # (department, official id, name, post, kind, grade, days ago, note)
        ("JTYS", None, None, None, "responsibility_assessment", "基本合格", 45, "年度党风廉政建设责任制考核"),
        # 2 + 2 + 10 = 14: medium.
        ("JTYS", "JT-0107", "林某某", "工程建设股股长", "report_received", None, 52, "反映工程验收把关不严"),
        ("JTYS", "JT-0107", "林某某", "工程建设股股长", "report_received", None, 31, "反映接受施工方宴请"),
        ("JTYS", "JT-0107", "林某某", "工程建设股股长", "report_substantiated", None, 19, "接受宴请问题属实"),
        # 5 + 20 = 25: high.
        ("JTYS", "JT-0215", "陈某某", "路政执法大队大队长", "criticism", None, 40, "执法记录仪未按规定使用"),
        ("JTYS", "JT-0215", "陈某某", "路政执法大队大队长", "investigation", None, 14, "立案审查调查"),
        # −3 − 5 = −8: 0, low.
        ("JTYS", "JT-0031", "黄某某", "办公室主任", "performance_assessment", "优秀", 50, None),
        ("JTYS", "JT-0031", "黄某某", "办公室主任", "commendation", None, 28, "全市交通系统先进个人"),
        ("JTYS", "JT-0088", "吴某某", "财务股科员", "performance_assessment", "称职", 50, None),
        # The unit: 5 + 14 + 25 + 0 + 0 = 44: high.
        # The human resources bureau as a unit: 15 + 5 = 20, medium.
        ("RS", None, None, None, "responsibility_assessment", "不合格", 47, "年度党风廉政建设责任制考核"),
        ("RS", None, None, None, "criticism", None, 21, "窗口服务作风问题被通报"),
        ("RS", "RS-0012", "郑某某", "社保科科长", "report_received", None, 11, None),
        # Ordinary records elsewhere, and an investigation 380 days ago that has left the window.
        ("ZJ", "ZJ-0044", "王某某", "质监站站长", "investigation", None, 380, "已结案"),
        ("ZJ", "ZJ-0044", "王某某", "质监站站长", "performance_assessment", "合格", 55, None),
        ("ZJ", None, None, None, "responsibility_assessment", "优秀", 45, None),
        ("WJW", "WJ-0203", "周某某", "医政科科长", "report_received", None, 33, "经核实不属实"),
        ("WJW", "WJ-0150", "何某某", "规划财务科科长", "commendation", None, 26, None),
    ]
    out: list[tuple[str, dict[str, Any]]] = []
    for n, (suffix, official, name, post, kind, grade, age, note) in enumerate(events, 1):
        record: dict[str, Any] = {
            "id": f"IE-{n:03d}",
            "department_code": dept(suffix),
            "kind": kind,
            "occurred_on": (today - timedelta(days=age)).isoformat(),
        }
        extra = {"official_id": official, "official_name": name, "post": post, "grade": grade, "note": note}
        record.update({k: v for k, v in extra.items() if v is not None})
        out.append(("integrity_event", record))
    return out
