"""Integrity risk of units and officials (R-MON-9): an official's index is the points of their
events of the last year, a unit's its own events' plus its officials' indices; a level the rule
names raises a signal, once per level, and the index falls as events leave the window."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors.base import Record, Records, Today
from jiancha.domain.monitors.integrity_risk import (
    MONITOR,
    IntegrityEvent,
    RiskLevels,
    demo,
    index,
    risk_level,
)

from .monitoring import CITY, kept

DEPT = "330900-JTYS"
TODAY = Today(date(2026, 5, 20), WorkCalendar.weekdays_only())
D = TODAY.day

_n = iter(range(1, 10_000))


def record(kind: str, /, **fields: Any) -> Record:
    """A kept record as the service keeps it."""
    return kept(MONITOR, kind, fields, DEPT)


def event(kind: str, official: str | None = "O1", days_ago: int = 10, **fields: Any) -> Record:
    who = {"official_id": official, "official_name": f"{official}某", "post": "股长"} if official else {}
    day = (D - timedelta(days=days_ago)).isoformat()
    return record("integrity_event", id=f"E{next(_n)}", kind=kind, occurred_on=day, **who, **fields)


def rows(*records: Record, settings: RiskLevels | None = None, today: Today = TODAY) -> list[dict[str, Any]]:
    return index(settings or RiskLevels(), Records(records), today)


def row_of(got: list[dict[str, Any]], official: str | None) -> dict[str, Any]:
    return next(r for r in got if r["official"] == official)


def points(row: dict[str, Any]) -> dict[str, float]:
    return {f"{c['kind']}/{c['grade']}": c["points"] for c in row["components"] if c["points"]}


# -- an official's index --------------------------------------------------------------------------


def test_an_officials_index_is_the_sum_of_their_events_points() -> None:
    got = rows(
        event("report_received"), event("report_received"), event("report_substantiated"), event("criticism")
    )
    official = row_of(got, "O1")
    assert (official["index"], official["level"]) == (19.0, "medium")
    assert points(official) == {
        "report_received/None": 4,
        "report_substantiated/None": 10,
        "criticism/None": 5,
    }
    assert (official["name"], official["post"], official["department_code"]) == ("O1某", "股长", DEPT)


def test_assessments_count_by_grade_and_the_civil_service_names_are_the_same_grades() -> None:
    got = rows(
        event("responsibility_assessment", grade="不合格"),
        event("performance_assessment", grade="基本称职"),
        event("performance_assessment", grade="称职"),
    )
    official = row_of(got, "O1")
    assert points(official) == {"responsibility_assessment/不合格": 15, "performance_assessment/基本合格": 5}
    c = next(
        c for c in official["components"] if (c["kind"], c["grade"]) == ("performance_assessment", "合格")
    )
    assert (c["count"], c["weight"], c["points"]) == (1, 0, 0)
    assert official["index"] == 20


def test_a_commendation_offsets_risk_but_the_index_does_not_fall_below_zero() -> None:
    got = rows(event("report_received"), event("commendation"), event("performance_assessment", grade="优秀"))
    assert row_of(got, "O1")["index"] == 0
    got = rows(event("criticism"), event("report_received"), event("commendation"))
    assert row_of(got, "O1")["index"] == 2


def test_every_component_is_shown_with_its_weight_so_the_index_can_be_recomputed() -> None:
    got = rows(
        event("investigation"), event("commendation"), event("responsibility_assessment", grade="优秀")
    )
    official = row_of(got, "O1")
    assert len(official["components"]) == 5 + 2 * 4
    for c in official["components"]:
        assert c["points"] == round(c["count"] * c["weight"], 2)
    assert official["index"] == max(0, sum(c["points"] for c in official["components"])) == 12
    assert official["records"] == sorted(official["records"]) and len(official["records"]) == 3


# -- the window -----------------------------------------------------------------------------------


def test_the_window_is_the_last_365_days_up_to_today() -> None:
    got = rows(
        event("investigation", days_ago=365),  # left the window
        event("report_received", days_ago=364),
        event("criticism", days_ago=0),
        event("investigation", days_ago=-1),  # not yet
    )
    official = row_of(got, "O1")
    assert official["index"] == 7
    assert (official["from"], official["to"]) == ((D - timedelta(days=364)).isoformat(), D.isoformat())
    assert rows(event("investigation", days_ago=365)) == []


def test_the_index_falls_as_events_leave_the_window_and_the_check_runs_daily() -> None:
    records = Records([event("investigation", days_ago=300), event("criticism", days_ago=10)])
    assert MONITOR.checks["risk_level"].timed
    [_, official] = index(RiskLevels(), records, TODAY)
    assert (official["index"], official["level"]) == (25, "high")
    later = Today(D + timedelta(days=65), TODAY.calendar)
    [_, official] = index(RiskLevels(), records, later)
    assert (official["index"], official["level"]) == (5, "low")
    assert risk_level(RiskLevels(), records, later) == []


def test_a_longer_window_than_the_monitor_reads_is_refused() -> None:
    RiskLevels(window_days=400)
    with pytest.raises(ValidationError, match="window_days"):
        RiskLevels(window_days=401)


# -- a unit's index -------------------------------------------------------------------------------


def test_a_units_index_is_its_own_events_plus_its_officials_indices() -> None:
    got = rows(
        event("responsibility_assessment", None, grade="基本合格"),
        event("criticism", None),
        event("investigation", "O1"),
        event("report_received", "O2"),
        event("commendation", "O3"),  # −5 for O3, whose index is 0: nothing off the unit
    )
    unit = got[0]
    assert (unit["who"], unit["official"], unit["name"], unit["post"]) == ("unit", None, None, None)
    assert points(unit) == {
        "responsibility_assessment/基本合格": 5,
        "criticism/None": 5,
        "officials/None": 22,
    }
    officials = next(c for c in unit["components"] if c["kind"] == "officials")
    assert (officials["count"], officials["weight"]) == (3, 1)
    assert (unit["index"], unit["level"]) == (32, "medium")
    assert [(r["who"], r["official"], r["index"]) for r in got] == [
        ("unit", None, 32),
        ("official", "O1", 20),
        ("official", "O2", 2),
        ("official", "O3", 0),
    ]
    assert len(unit["records"]) == 5


def test_units_are_apart_by_department() -> None:
    other = record(
        "integrity_event", id="X1", department_code="330900-RS", kind="criticism", occurred_on="2026-05-01"
    )
    got = rows(event("criticism", None), other)
    assert [(r["department_code"], r["who"], r["index"]) for r in got] == [
        ("330900-JTYS", "unit", 5),
        ("330900-RS", "unit", 5),
    ]


# -- levels and the check -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "level"), [(4, "low"), (5, "medium"), (9, "medium"), (10, "high")]
)  # 2 points a report: medium from 10, high from 20
def test_an_officials_level_starts_at_its_threshold(n: int, level: str) -> None:
    got = rows(*(event("report_received") for _ in range(n)))
    assert row_of(got, "O1")["level"] == level


@pytest.mark.parametrize(("n", "level"), [(9, "low"), (10, "medium"), (19, "medium"), (20, "high")])
def test_a_units_level_starts_at_its_own_threshold(n: int, level: str) -> None:
    got = rows(*(event("report_received", None) for _ in range(n)))
    assert got[0]["level"] == level


def test_the_check_raises_the_levels_it_names_with_the_level_in_the_subject() -> None:
    records = Records([event("investigation", days_ago=3), event("report_received", "O2", days_ago=5)])
    [official] = risk_level(RiskLevels(), records, TODAY)
    assert official.subject == f"official/{DEPT}/O1@high"
    assert official.department_code == DEPT
    assert official.day == D - timedelta(days=3)
    assert len(official.records) == 1
    [unit] = risk_level(RiskLevels(hit_levels=("medium",)), records, TODAY)  # unit: 20 + 2
    assert unit.subject == f"unit/{DEPT}@medium"
    assert unit.day == D - timedelta(days=3)
    assert len(unit.records) == 2


def test_a_hit_shows_who_the_level_and_what_made_it() -> None:
    records = Records([event("investigation", days_ago=3), event("criticism", days_ago=4)])
    unit, official = risk_level(RiskLevels(hit_levels=("medium", "high")), records, TODAY)
    assert {k: v for k, v in official.values.items() if k != "components"} == {
        "who": "official",
        "department": DEPT,
        "official": "O1",
        "name": "O1某",
        "post": "股长",
        "index": 25.0,
        "level": "high",
        "window_days": 365,
        "level_zh": "高",
        "subject_zh": f"工作人员 O1某（{DEPT}，股长）",
        "subject_en": f"official O1某 ({DEPT}, 股长)",
        "summary_zh": "受查处 1 次 +20 分；通报批评 1 次 +5 分",
        "summary_en": "investigation ×1 +20; criticism in a circular ×1 +5",
    }
    assert {k: v for k, v in unit.values.items() if k != "components"} == {
        "who": "unit",
        "department": DEPT,
        "official": None,
        "name": None,
        "post": None,
        "index": 25.0,
        "level": "medium",
        "window_days": 365,
        "level_zh": "中",
        "subject_zh": f"单位 {DEPT}",
        "subject_en": f"unit {DEPT}",
        "summary_zh": "所属工作人员指数合计（1 人） +25 分",
        "summary_en": "sum of its officials' indices (1) +25",
    }
    assert len(official.values["components"]) == 13 and len(unit.values["components"]) == 14


def test_a_commendation_shows_as_points_taken_off() -> None:
    records = Records([event("investigation"), event("commendation"), event("criticism")])
    [hit] = risk_level(RiskLevels(hit_levels=("high",)), records, TODAY)
    assert hit.values["summary_zh"] == "受查处 1 次 +20 分；通报批评 1 次 +5 分；表彰 1 次 -5 分"


def test_a_second_rise_to_a_level_already_raised_has_the_same_subject() -> None:
    first = Records([event("investigation", days_ago=300)])
    [hit] = risk_level(RiskLevels(), first, TODAY)
    later = Today(D + timedelta(days=200), TODAY.calendar)  # the first has left the window …
    assert risk_level(RiskLevels(), first, later) == []
    again = Records([*first.of("integrity_event"), event("investigation", days_ago=-150)])
    [rise] = risk_level(RiskLevels(), again, later)  # … and a new one brings it back to high
    assert rise.subject == hit.subject  # raised once only: nothing new


# -- settings -------------------------------------------------------------------------------------


def test_settings_change_the_points_they_name_only() -> None:
    s = RiskLevels.model_validate(
        {
            "points": {"report_received": 5},
            "grade_points": {"不合格": 30},
            "official_levels": {"medium": 5, "high": 30},
        }
    )
    got = rows(
        event("report_received"),
        event("criticism"),
        event("responsibility_assessment", grade="不称职"),
        settings=s,
    )
    official = row_of(got, "O1")
    assert points(official) == {
        "report_received/None": 5,
        "criticism/None": 5,
        "responsibility_assessment/不合格": 30,
    }
    assert (official["index"], official["level"]) == (40, "high")


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"points": {"commendation": 5}}, "points"),
        ({"points": {"investigation": -5}}, "points"),
        ({"points": {"meeting": 1}}, "points"),
        ({"grade_points": {"良好": 1}}, "grade_points"),
        ({"official_levels": {"medium": 20, "high": 20}}, "official_levels"),
        ({"unit_levels": {"medium": 0, "high": 20}}, "unit_levels.medium"),
        ({"hit_levels": ["low"]}, "hit_levels"),
        ({"hit_levels": []}, "hit_levels"),
        ({"window_days": 0}, "window_days"),
        ({"level": "high"}, "level"),
    ],
)
def test_bad_settings_are_refused_by_name(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field.replace(".", r"\.")):
        RiskLevels.model_validate(settings)


# -- the records ----------------------------------------------------------------------------------

GOOD = {"id": "E1", "official_id": "O1", "official_name": "林某某", "post": "股长", "kind": "criticism"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"official_name": None}, "official_name"),  # an official needs a name
        ({"official_id": None, "post": None}, "official_name"),  # a name needs an official
        ({"official_id": None, "official_name": None}, "post"),  # the unit's own event has no post
        ({"kind": "responsibility_assessment"}, "grade"),  # an assessment needs its grade
        ({"grade": "合格"}, "grade"),  # a criticism has none
        ({"kind": "performance_assessment", "grade": "良好"}, "grade"),
        ({"kind": "promotion"}, "kind"),
        ({"official_id": "a b"}, "official_id"),
        ({"occurred_on": "2201-01-01"}, "occurred_on"),
        ({"unit": "x"}, "unit"),
    ],
)
def test_a_bad_event_is_refused_by_name(change: dict[str, Any], field: str) -> None:
    good = {**GOOD, "occurred_on": "2026-05-01"}
    IntegrityEvent.model_validate(good)
    with pytest.raises(ValidationError, match=field) as e:
        IntegrityEvent.model_validate({**good, **change})
    assert [err["loc"][0] for err in e.value.errors()] == [field]


def test_the_units_own_event_names_no_official() -> None:
    e = IntegrityEvent.model_validate({"id": "E1", "kind": "commendation", "occurred_on": "2026-05-01"})
    assert (e.official_id, e.official_name, e.post, e.grade) == (None, None, None, None)


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


def test_the_demo_is_valid_deterministic_and_hits_every_check_and_level() -> None:
    assert demo(D, DEPARTMENTS) == demo(D, DEPARTMENTS)
    subjects = []
    for name, check in MONITOR.checks.items():
        hits = []
        for records in demo_records().values():
            hits += check.run(check.settings(), Records(records), TODAY)
            subjects += [
                h.subject
                for h in risk_level(RiskLevels(hit_levels=("medium", "high")), Records(records), TODAY)
            ]
        assert hits, name
        assert all(D - timedelta(days=60) <= h.day <= D for h in hits)
    assert sorted(subjects) == [
        "official/330900-JTYS/JT-0107@medium",
        "official/330900-JTYS/JT-0215@high",
        "unit/330900-JTYS@high",
        "unit/330900-RS@medium",
    ]


def test_the_monitor_shows_the_risk_level_checks_index() -> None:
    assert MONITOR.index is index
    assert MONITOR.index_check == "risk_level"
    assert MONITOR.checks["risk_level"].settings is RiskLevels
