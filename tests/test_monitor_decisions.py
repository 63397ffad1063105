"""SOE “three majors and one large” decisions (R-MON-5): every decision taken at a quorate meeting
of its company on its day, studied first by the party committee where required, recorded in full,
not carried out before it was taken; every large payment resting on a decision taken before it.
Pure: no database."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors import decisions
from jiancha.domain.monitors.base import Hit, Record, Records, Today

from .monitoring import CITY, kept

DEPT = "330900-GZW"
TODAY = date(2026, 6, 15)
COMPANY = "市交通投资集团有限公司"
OTHER = "市文旅集团有限公司"


def record(kind: str, fields: dict[str, Any]) -> Record:
    """A kept record as the service keeps it."""
    return kept(decisions.MONITOR, kind, fields, DEPT)


def run(check: str, *records: Record, today: date = TODAY, **settings: Any) -> list[Hit]:
    c = decisions.MONITOR.checks[check]
    return c.run(
        c.settings.model_validate(settings), Records(records), Today(today, WorkCalendar.weekdays_only())
    )


def meeting(mid: str = "HY-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": mid,
        "company": COMPANY,
        "held_on": "2026-06-01",
        "body": "board",
        "members": 9,
        "present": 9,
        "minutes": True,
        "views_recorded": True,
        "votes_for": 9,
    }
    return record("meeting", {**fields, **more})


def decision(did: str = "JC-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": did,
        "company": COMPANY,
        "category": "major_project",
        "title": "码头改造项目",
        "amount": 30_000_000.0,
        "decided_on": "2026-06-01",
        "meeting_id": "HY-1",
        "deliberated_on": "2026-05-28",
        "executed_on": "2026-06-05",
    }
    return record("decision", {**fields, **more})


def payment(pid: str = "ZF-1", **more: Any) -> Record:
    fields: dict[str, Any] = {
        "id": pid,
        "company": COMPANY,
        "paid_on": "2026-06-10",
        "amount": 1_000_000.0,
        "purpose": "工程进度款",
        "decision_id": "JC-1",
    }
    return record("payment", {**fields, **more})


def fields_of(e: ValidationError) -> set[str]:
    return {".".join(str(p) for p in err["loc"]) for err in e.errors()}


# -- taken at a meeting ----------------------------------------------------------------------------


def test_a_decision_taken_at_its_companys_meeting_that_day_is_in_order() -> None:
    assert run("decision_meeting", meeting(), decision()) == []


def test_a_decision_taken_at_no_meeting_is_a_fault() -> None:
    (hit,) = run("decision_meeting", decision(meeting_id=None))
    assert hit.subject == "decision/JC-1"
    assert hit.day == date(2026, 6, 1)
    assert hit.values == {
        "id": "JC-1",
        "company": COMPANY,
        "title": "码头改造项目",
        "decided_on": "2026-06-01",
        "meeting": "—",
        "problem_zh": "未指明决策会议",
        "problem_en": "it names no meeting",
    }
    assert hit.records == ("decision/JC-1",)


def test_a_meeting_of_another_day_or_company_does_not_count() -> None:
    (hit,) = run("decision_meeting", meeting(held_on="2026-05-30"), decision())
    assert hit.values["problem_en"] == "the meeting HY-1 was held on 2026-05-30"
    assert hit.records == ("decision/JC-1", "meeting/HY-1")
    (hit,) = run("decision_meeting", meeting(company=OTHER), decision())
    assert hit.values["problem_zh"] == f"会议 HY-1 属于{OTHER}"


def test_an_unknown_meeting_counts_only_after_the_wait() -> None:
    lone = decision(decided_on="2026-06-10", deliberated_on="2026-06-08", executed_on=None)
    assert run("decision_meeting", lone, today=date(2026, 6, 12)) == []
    (hit,) = run("decision_meeting", lone, today=date(2026, 6, 13))
    assert hit.values["problem_en"] == "the meeting HY-1 it names is unknown"
    assert run("decision_meeting", lone, today=date(2026, 6, 13), wait_days=5) == []
    assert decisions.MONITOR.checks["decision_meeting"].timed


# -- quorum ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("members", "needed"), [(9, 5), (8, 5), (7, 4), (1, 1)])
def test_a_meeting_needs_more_than_half_its_members(members: int, needed: int) -> None:
    assert run("quorum", meeting(members=members, present=needed, votes_for=needed)) == []
    (hit,) = run("quorum", meeting(members=members, present=needed - 1, votes_for=0))
    assert hit.subject == "meeting/HY-1"
    assert hit.values == {
        "id": "HY-1",
        "company": COMPANY,
        "body": "board",
        "body_zh": "董事会",
        "body_en": "board",
        "held_on": "2026-06-01",
        "members": members,
        "present": needed - 1,
        "required": needed,
        "appointments": False,
    }


@pytest.mark.parametrize(("members", "needed"), [(9, 6), (7, 5), (6, 4)])
def test_a_meeting_deciding_appointments_needs_two_thirds(members: int, needed: int) -> None:
    appointment = decision(category="appointment", deliberated_on=None)
    at = meeting(body="party_committee", members=members, present=needed, votes_for=0)
    assert run("quorum", at, appointment) == []
    short = meeting(body="party_committee", members=members, present=needed - 1, votes_for=0)
    (hit,) = run("quorum", short, appointment)
    assert hit.values["required"] == needed and hit.values["appointments"] is True


def test_the_quorum_shares_are_settable() -> None:
    seven_of_ten = meeting(members=10, present=7, votes_for=7)
    assert run("quorum", seven_of_ten) == []
    (hit,) = run("quorum", seven_of_ten, more_than=0.7)
    assert hit.values["required"] == 8


# -- prior study -----------------------------------------------------------------------------------


def test_a_major_project_needs_the_party_committees_study_on_or_before_its_day() -> None:
    assert run("prior_study", meeting(), decision(deliberated_on="2026-06-01")) == []
    (hit,) = run("prior_study", meeting(), decision(deliberated_on="2026-06-02"))
    assert hit.subject == "decision/JC-1"
    assert hit.values == {
        "id": "JC-1",
        "company": COMPANY,
        "title": "码头改造项目",
        "category": "major_project",
        "category_zh": "重大项目安排",
        "category_en": "major project",
        "decided_on": "2026-06-01",
        "deliberated_on": "2026-06-02",
    }
    (hit,) = run("prior_study", meeting(), decision(deliberated_on=None))
    assert hit.values["deliberated_on"] == "—"


def test_appointments_and_the_party_committees_own_decisions_need_no_prior_study() -> None:
    assert run("prior_study", meeting(), decision(category="appointment", deliberated_on=None)) == []
    committee = meeting(body="party_committee")
    assert run("prior_study", committee, decision(deliberated_on=None)) == []
    assert (
        len(
            run(
                "prior_study",
                committee,
                decision(category="appointment", deliberated_on=None),
                categories=["appointment"],
            )
        )
        == 0
    )
    assert (
        len(
            run(
                "prior_study",
                meeting(),
                decision(category="appointment", deliberated_on=None),
                categories=["appointment"],
            )
        )
        == 1
    )


# -- the record of a meeting -----------------------------------------------------------------------


def test_a_meeting_without_minutes_is_a_fault() -> None:
    assert run("meeting_record", meeting()) == []
    (hit,) = run("meeting_record", meeting(minutes=False))
    assert hit.subject == "meeting/HY-1"
    assert hit.values == {
        "id": "HY-1",
        "company": COMPANY,
        "body": "board",
        "body_zh": "董事会",
        "body_en": "board",
        "held_on": "2026-06-01",
        "against": 0,
        "abstain": 0,
        "problem_zh": "未形成会议纪要",
        "problem_en": "no minutes were kept",
    }


def test_dissent_without_the_members_views_recorded_is_a_fault() -> None:
    assert run("meeting_record", meeting(views_recorded=False)) == []
    (hit,) = run("meeting_record", meeting(views_recorded=False, votes_for=8, votes_abstain=1))
    assert hit.values["problem_en"] == "the members' individual views were not recorded"
    (hit,) = run("meeting_record", meeting(views_recorded=False, minutes=False, votes_for=7, votes_against=2))
    assert hit.values["problem_zh"] == "未形成会议纪要；未记录与会人员个人意见"
    assert len(run("meeting_record", meeting(views_recorded=False), views_always=True)) == 1


# -- carried out before it was taken ---------------------------------------------------------------


def test_a_decision_carried_out_before_it_was_taken_is_a_fault() -> None:
    assert run("executed_early", decision(executed_on="2026-06-01")) == []
    assert run("executed_early", decision(executed_on=None)) == []
    (hit,) = run("executed_early", decision(executed_on="2026-05-31"))
    assert hit.subject == "decision/JC-1"
    assert hit.day == date(2026, 5, 31)
    assert hit.values == {
        "id": "JC-1",
        "company": COMPANY,
        "title": "码头改造项目",
        "decided_on": "2026-06-01",
        "executed_on": "2026-05-31",
    }


# -- large payments --------------------------------------------------------------------------------


def test_a_large_payment_resting_on_an_earlier_decision_of_its_kind_is_in_order() -> None:
    assert run("large_payment", decision(), payment()) == []
    assert run("large_payment", decision(category="large_fund"), payment(paid_on="2026-06-01")) == []


def test_a_payment_at_the_threshold_without_a_decision_is_a_fault_and_below_it_is_not() -> None:
    assert run("large_payment", payment(amount=999_999.99, decision_id=None)) == []
    (hit,) = run("large_payment", payment(decision_id=None))
    assert hit.subject == "payment/ZF-1"
    assert hit.day == date(2026, 6, 10)
    assert hit.values == {
        "id": "ZF-1",
        "company": COMPANY,
        "paid_on": "2026-06-10",
        "amount": 1_000_000.0,
        "purpose": "工程进度款",
        "threshold": 1_000_000.0,
        "decision": "—",
        "problem_zh": "未关联集体决策",
        "problem_en": "it names no decision",
    }
    assert run("large_payment", payment(decision_id=None), threshold=5_000_000) == []


def test_a_decision_of_another_kind_company_or_later_day_does_not_cover_a_payment() -> None:
    (hit,) = run("large_payment", decision(category="major_decision"), payment())
    assert hit.values["problem_en"] == "the decision JC-1 is a major_decision"
    assert hit.records == ("payment/ZF-1", "decision/JC-1")
    (hit,) = run("large_payment", decision(company=OTHER), payment())
    assert hit.values["problem_zh"] == f"决策 JC-1 属于{OTHER}"
    (hit,) = run("large_payment", decision(decided_on="2026-06-11", executed_on=None), payment())
    assert hit.values["problem_en"] == "the decision JC-1 came later (2026-06-11)"


def test_an_unknown_decision_counts_only_after_the_wait() -> None:
    assert run("large_payment", payment(), today=date(2026, 6, 12)) == []
    (hit,) = run("large_payment", payment(), today=date(2026, 6, 13))
    assert hit.values["problem_en"] == "the decision JC-1 it names is unknown"
    assert decisions.MONITOR.checks["large_payment"].timed


# -- the records -----------------------------------------------------------------------------------


def test_a_meeting_record_is_refused_for_what_is_wrong_with_it() -> None:
    with pytest.raises(ValidationError) as e:
        meeting(present=10)
    assert "present" in str(e.value)
    with pytest.raises(ValidationError) as e:
        meeting(present=5, votes_for=5, votes_against=1)
    assert "votes" in str(e.value)
    with pytest.raises(ValidationError) as e:
        meeting(body="shareholders")
    assert fields_of(e.value) == {"body"}
    with pytest.raises(ValidationError) as e:
        meeting(members=0)
    assert fields_of(e.value) == {"members"}


def test_a_decision_and_a_payment_are_refused_for_what_is_wrong_with_them() -> None:
    with pytest.raises(ValidationError) as e:
        decision(category="routine")
    assert fields_of(e.value) == {"category"}
    with pytest.raises(ValidationError) as e:
        decision(decided_on="2026-02-30")
    assert fields_of(e.value) == {"decided_on"}
    with pytest.raises(ValidationError) as e:
        payment(amount=-5)
    assert fields_of(e.value) == {"amount"}
    with pytest.raises(ValidationError) as e:
        payment(decision_id="JC 1")
    assert fields_of(e.value) == {"decision_id"}


def test_the_monitor_reads_three_years_back() -> None:
    assert decisions.MONITOR.window_days >= 3 * 365


# -- the demo --------------------------------------------------------------------------------------


@pytest.mark.parametrize("today", [date(2026, 1, 3), date(2026, 6, 15), date(2025, 12, 31)])
def test_the_demo_validates_and_every_check_finds_something(today: date) -> None:
    items = decisions.demo(today, CITY)
    assert items == decisions.demo(today, CITY)  # deterministic
    by_department: dict[str, list[Record]] = defaultdict(list)
    for kind, raw in items:
        spec = decisions.MONITOR.kinds[kind]
        model = spec.model.model_validate(raw)
        day = getattr(model, spec.day)
        assert today - timedelta(days=60) <= day <= today
        assert model.department_code in CITY.values()
        data = model.model_dump(mode="json", exclude={"id", "department_code"})
        code = str(model.department_code)
        by_department[code].append(Record(kind, model.id, code, day, data))
    calendar = WorkCalendar.weekdays_only()
    found: dict[str, int] = defaultdict(int)
    flagged: set[str] = set()
    for records in by_department.values():
        for name, check in decisions.MONITOR.checks.items():
            for hit in check.run(check.settings(), Records(records), Today(today, calendar)):
                found[name] += 1
                flagged.update(hit.records)
                json.dumps(dict(hit.values))
    assert set(found) == set(decisions.MONITOR.checks)
    assert len(flagged) < len(items) / 2  # mostly ordinary
