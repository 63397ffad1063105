"""Government investment project integrity (R-MON-8): the integrity index is 100 less the capped
points of each indicator, over the latest report of each department; its grade raises a signal
when the rule names it, and a worse grade raises again."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors.base import Record, Records, Today
from jiancha.domain.monitors.projects import MONITOR, Grades, Project, ProjectFact, demo, grade, index

from .monitoring import CITY, kept

DEPT = "330900-ZJ"
TODAY = Today(date(2026, 5, 20), WorkCalendar.weekdays_only())
D = TODAY.day


def record(kind: str, /, **fields: Any) -> Record:
    """A kept record as the service keeps it."""
    return kept(MONITOR, kind, fields, DEPT)


def project(pid: str = "P1", **fields: Any) -> Record:
    base = {
        "name": "市第二人民医院迁建工程",
        "owner": "市卫生健康委员会",
        "budget": 9.5e8,
        "approved_on": "2024-01-10",
    }
    return record("project", id=pid, **{**base, **fields})


_n = iter(range(1, 10_000))


def fact(indicator: str, value: float, source: str = "审计", pid: str = "P1", days_ago: int = 10) -> Record:
    return record(
        "project_fact",
        id=f"F{next(_n)}",
        project_id=pid,
        source=source,
        indicator=indicator,
        value=value,
        reported_on=(D - timedelta(days=days_ago)).isoformat(),
    )


def rows(*records: Record, settings: Grades | None = None) -> list[dict[str, Any]]:
    return index(settings or Grades(), Records(records), TODAY)


def component(row: dict[str, Any], indicator: str) -> dict[str, Any]:
    return next(c for c in row["components"] if c["indicator"] == indicator)


# -- the index ------------------------------------------------------------------------------------


def test_a_project_without_facts_scores_100_and_is_graded_a() -> None:
    [row] = rows(project())
    assert (row["index"], row["grade"], row["deduction"], row["sources"]) == (100.0, "A", 0.0, [])
    assert row["records"] == ["project/P1"]
    assert row["as_of"] == "2024-01-10"
    # Every indicator is shown with its weight, even with nothing reported.
    assert [c["indicator"] for c in row["components"]] == [
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
    assert all(c["points"] == 0 for c in row["components"])


def test_each_indicator_takes_weight_times_value_up_to_its_cap() -> None:
    [row] = rows(project(), fact("audit_findings", 3), fact("bidding_anomalies", 9, "公共资源交易"))
    audit, bidding = component(row, "audit_findings"), component(row, "bidding_anomalies")
    assert (audit["value"], audit["weight"], audit["cap"], audit["points"]) == (3, 3, 20, 9)
    assert (bidding["value"], bidding["weight"], bidding["cap"], bidding["points"]) == (9, 5, 25, 25)
    assert (row["index"], row["deduction"], row["grade"]) == (66.0, 34.0, "D")


def test_counts_of_several_departments_add_up() -> None:
    [row] = rows(project(), fact("complaints", 2, "纪检"), fact("complaints", 1, "信访"))
    c = component(row, "complaints")
    assert (c["combine"], c["value"], c["points"]) == ("sum", 3, 6)
    assert [r["source"] for r in c["reports"]] == ["信访", "纪检"]
    assert row["sources"] == ["信访", "纪检"]


def test_a_measure_reported_by_several_departments_counts_its_largest_value() -> None:
    [row] = rows(project(), fact("budget_overrun", 12.5, "发改"), fact("budget_overrun", 14, "审计"))
    c = component(row, "budget_overrun")
    assert (c["combine"], c["value"], c["points"]) == ("max", 14, 14)
    assert len(c["reports"]) == 2


def test_a_newer_report_of_a_department_replaces_its_older_one() -> None:
    older = fact("audit_findings", 2, days_ago=50)
    newer = fact("audit_findings", 0, days_ago=10)  # rectified
    [row] = rows(project(), older, newer)
    c = component(row, "audit_findings")
    assert (c["value"], c["points"]) == (0, 0)
    assert c["reports"] == [
        {
            "source": "审计",
            "value": 0,
            "reported_on": (D - timedelta(days=10)).isoformat(),
            "record": newer.ref,
        }
    ]
    assert row["index"] == 100
    assert row["records"] == ["project/P1", newer.ref]


def test_on_one_day_the_larger_report_of_a_department_stands() -> None:
    [row] = rows(project(), fact("change_orders", 4, "住建"), fact("change_orders", 1, "住建"))
    assert component(row, "change_orders")["value"] == 4


def test_a_fact_about_an_unknown_project_is_left_out() -> None:
    assert [r["project"] for r in rows(project(), fact("audit_findings", 5, pid="P9"))] == ["P1"]
    [row] = rows(project(), fact("audit_findings", 5, pid="P9"))
    assert row["index"] == 100
    assert rows(fact("audit_findings", 5, pid="P9")) == []


def test_the_index_does_not_fall_below_zero() -> None:
    facts = [fact("disciplinary_cases", 3, "纪检"), fact("bidding_anomalies", 5, "公共资源交易")]
    facts += [
        fact("payment_irregularities", 4, "财政"),
        fact("audit_findings", 7),
        fact("incidents", 3, "应急管理"),
    ]
    [row] = rows(project(), *facts)
    assert (row["deduction"], row["index"], row["grade"]) == (110.0, 0.0, "D")


def test_anyone_can_recompute_the_index_from_its_row() -> None:
    facts = [
        fact("delay_days", 130, "交通"),
        fact("change_orders", 7, "住建"),
        fact("budget_overrun", 3.7, "发改"),
    ]
    [row] = rows(project(), *facts)
    for c in row["components"]:
        assert c["points"] == round(min(c["cap"], c["weight"] * c["value"]), 2)
    assert row["deduction"] == round(sum(c["points"] for c in row["components"]), 2)
    assert row["index"] == round(max(0, 100 - row["deduction"]), 2) == 82.8  # 100 − 6.5 − 7 − 3.7
    assert row["grade"] == "B"


def test_rows_come_lowest_index_first() -> None:
    got = rows(project("P1"), project("P2"), fact("audit_findings", 1, pid="P2"))
    assert [(r["project"], r["index"]) for r in got] == [("P2", 97.0), ("P1", 100.0)]


# -- grades and the check -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ([("incidents", 2)], ("A", 90.0)),  # at 90: still A
        ([("incidents", 2), ("delay_days", 1)], ("B", 89.95)),
        ([("disciplinary_cases", 2)], ("B", 80.0)),
        ([("disciplinary_cases", 3)], ("C", 70.0)),  # at 70: still C
        ([("disciplinary_cases", 3), ("delay_days", 1)], ("D", 69.95)),
    ],
)
def test_grades_start_at_their_minimum(facts: list[tuple[str, float]], expected: tuple[str, float]) -> None:
    [row] = rows(project(), *(fact(i, v, "纪检") for i, v in facts))
    assert (row["grade"], row["index"]) == expected


def test_the_grade_check_raises_the_grades_it_names_with_the_grade_in_the_subject() -> None:
    records = Records([project(), fact("disciplinary_cases", 3, "纪检", days_ago=4)])
    assert grade(Grades(), records, TODAY) == []  # C: the default hits only D
    [hit] = grade(Grades(hit_grades=("C",)), records, TODAY)
    assert hit.subject == "project/P1@C"
    assert hit.department_code == DEPT
    assert hit.day == D - timedelta(days=4)
    worse = Records([*(records.of("project")), *records.of("project_fact"), fact("delay_days", 1, "交通")])
    [hit] = grade(Grades(hit_grades=("C", "D")), worse, TODAY)
    assert hit.subject == "project/P1@D"  # a worse grade is a new subject: it raises again


def test_a_grade_hit_shows_the_deductions_and_the_sources() -> None:
    facts = [fact("budget_overrun", 14, "审计", days_ago=20), fact("audit_findings", 3, "审计", days_ago=20)]
    facts += [
        fact("complaints", 1, "纪检", days_ago=25),
        fact("bidding_anomalies", 3, "公共资源交易", days_ago=2),
    ]
    records = [project(), *facts]
    [hit] = grade(Grades(), Records(records), TODAY)
    values = {k: v for k, v in hit.values.items() if k != "components"}
    assert values == {
        "project": "P1",
        "name": "市第二人民医院迁建工程",
        "owner": "市卫生健康委员会",
        "budget": 950_000_000.0,
        "index": 60.0,
        "grade": "D",
        "deduction": 40.0,
        "sources": "公共资源交易、审计、纪检",
        "deductions_zh": "投资超概算 14% 扣 14 分；招投标异常 3项 扣 15 分；"
        "审计发现问题 3个 扣 9 分；信访举报 1件 扣 2 分",
        "deductions_en": "investment over the approved estimate 14% −14; bidding anomalies 3 −15; "
        "audit findings 3 −9; complaints and reports received 1 −2",
    }
    assert len(hit.values["components"]) == 9
    assert hit.day == D - timedelta(days=2)
    assert hit.records == ("project/P1", *sorted(f.ref for f in facts))


# -- settings -------------------------------------------------------------------------------------


def test_settings_change_weights_of_the_indicators_they_name_only() -> None:
    s = Grades.model_validate(
        {"indicators": {"audit_findings": {"weight": 10, "cap": 40}, "complaints": {"weight": 0, "cap": 0}}}
    )
    [row] = rows(
        project(),
        fact("audit_findings", 3),
        fact("complaints", 5, "信访"),
        fact("change_orders", 2, "住建"),
        settings=s,
    )
    assert [component(row, i)["points"] for i in ("audit_findings", "complaints", "change_orders")] == [
        30,
        0,
        2,
    ]
    assert row["index"] == 68


def test_grades_can_be_renamed_and_one_must_start_at_zero() -> None:
    s = Grades.model_validate({"grades": {"好": 85, "较好": 60, "差": 0}, "hit_grades": ["差"]})
    [row] = rows(project(), fact("disciplinary_cases", 3, "纪检"), settings=s)
    assert row["grade"] == "较好"
    with pytest.raises(ValidationError, match="grades"):
        Grades.model_validate({"grades": {"A": 90, "B": 50}})
    with pytest.raises(ValidationError, match="grades"):
        Grades.model_validate({"grades": {"A": 90, "B": 90, "C": 0}})


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"hit_grades": ["E"]}, "hit_grades"),
        ({"hit_grades": []}, "hit_grades"),
        ({"indicators": {"bribes": {"weight": 1, "cap": 1}}}, "indicators"),
        ({"indicators": {"audit_findings": {"weight": -1, "cap": 10}}}, "indicators.audit_findings.weight"),
        ({"indicators": {"audit_findings": {"weight": 1}}}, "indicators.audit_findings.cap"),
        ({"grades": {"A": 120, "D": 0}}, "grades.A"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_by_name(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field.replace(".", r"\.")):
        Grades.model_validate(settings)


# -- the records ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": 2.5}, "value"),  # a count is whole
        ({"value": -1}, "value"),
        ({"source": "审计局"}, "source"),
        ({"indicator": "bribes"}, "indicator"),
        ({"project_id": "P/1"}, "project_id"),
        ({"reported_on": "1989-12-31"}, "reported_on"),
        ({"reporter": "x"}, "reporter"),
    ],
)
def test_a_bad_fact_is_refused_by_name(change: dict[str, Any], field: str) -> None:
    good = {"id": "F1", "project_id": "P1", "source": "审计", "indicator": "audit_findings", "value": 2}
    good["reported_on"] = "2026-05-01"
    ProjectFact.model_validate(good)
    with pytest.raises(ValidationError, match=field) as e:
        ProjectFact.model_validate({**good, **change})
    assert e.value.errors()[0]["loc"][0] == field


def test_a_measure_may_be_fractional() -> None:
    f = {"id": "F1", "project_id": "P1", "source": "发改", "indicator": "budget_overrun", "value": 2.5}
    assert ProjectFact.model_validate({**f, "reported_on": "2026-05-01"}).value == 2.5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget": -1}, "budget"),
        ({"name": ""}, "name"),
        ({"approved_on": "2026-13-01"}, "approved_on"),
        ({"owner": None}, "owner"),
    ],
)
def test_a_bad_project_is_refused_by_name(change: dict[str, Any], field: str) -> None:
    good = {"id": "P1", "name": "n", "owner": "o", "budget": 1, "approved_on": "2026-01-01"}
    Project.model_validate(good)
    with pytest.raises(ValidationError) as e:
        Project.model_validate({**good, **change})
    assert e.value.errors()[0]["loc"][0] == field


# -- the demo -------------------------------------------------------------------------------------

SUFFIXES = "SCJG ZRZY ZJ JTYS STHJ WJW GA MZ RS JY NYNC WGLY YJGL SW"
DEPARTMENTS = CITY


def demo_records() -> dict[str, list[Record]]:
    by_department: dict[str, list[Record]] = defaultdict(list)
    for kind, raw in demo(D, DEPARTMENTS):
        MONITOR.kinds[kind].model.model_validate(raw)
        r = record(kind, **raw)
        by_department[r.department_code].append(r)
    return by_department


def test_the_demo_is_valid_deterministic_and_hits_every_check_and_grade() -> None:
    assert demo(D, DEPARTMENTS) == demo(D, DEPARTMENTS)
    grades: dict[str, str] = {}
    for name, check in MONITOR.checks.items():
        hits = []
        for records in demo_records().values():
            hits += check.run(check.settings(), Records(records), TODAY)
            grades |= {r["project"]: r["grade"] for r in index(Grades(), Records(records), TODAY)}
        assert hits, name
        assert all(D - timedelta(days=60) <= h.day <= D for h in hits)
    assert sorted(grades.values()) == ["A", "A", "A", "B", "C", "D"]  # and the unknown project left out


def test_the_monitor_shows_the_grade_checks_index() -> None:
    assert MONITOR.index is index
    assert MONITOR.index_check == "grade"
    assert MONITOR.checks["grade"].settings is Grades
