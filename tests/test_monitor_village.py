"""Rural collective "three assets" (农村三资, R-MON-7): open trading and the villagers' meeting above
a threshold, and each registered village's disclosure on time, on hand-made records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.monitors import village
from jiancha.domain.monitors.base import Hit, Record, Records, Today
from jiancha.domain.monitors.village import (
    MONITOR,
    DisclosureDue,
    MeetingApproval,
    OpenMethod,
    disclosure_due,
    meeting_approval,
    open_method,
    periods,
)

from .monitoring import CITY, kept

DEPT = "330900-NYNC"
TODAY = Today(date(2026, 5, 15), WorkCalendar.weekdays_only())


def record(kind: str, data: dict[str, Any]) -> Record:
    """A kept record as the service keeps it."""
    return kept(MONITOR, kind, data, DEPT)


def registration(
    code: str = "V1", since: str = "2026-01-01", until: str = "2026-12-31", frequency: str = "monthly"
) -> Record:
    return record(
        "village",
        {
            "id": f"REG-{code}-{since}",
            "village": code,
            "name": "东岙村",
            "township": "白泉镇",
            "disclosure": frequency,
            "since": since,
            "until": until,
        },
    )


def disclosure(period: str, published_on: str, code: str = "V1", rid: str | None = None) -> Record:
    return record(
        "disclosure",
        {"id": rid or f"D-{code}-{period}", "village": code, "period": period, "published_on": published_on},
    )


def transaction(
    tid: str, amount: float, method: str = "public_bidding", approved: bool = True, **kw: Any
) -> Record:
    return record(
        "transaction",
        {
            "id": tid,
            "village": "V1",
            "kind": "lease",
            "amount": amount,
            "method": method,
            "concluded_on": "2026-05-02",
            "counterparty": "某公司",
            "approved_by_meeting": approved,
            **kw,
        },
    )


def subjects(hits: list[Hit]) -> list[str]:
    return [h.subject for h in hits]


# -- transactions ----------------------------------------------------------------------------------


def test_a_transaction_at_the_threshold_not_traded_openly_hits() -> None:
    records = Records(
        [
            registration(),
            transaction("T1", 50_000, "negotiated", item="村集体厂房出租"),
            transaction("T2", 49_999.99, "direct"),
            transaction("T3", 900_000, "auction"),
            transaction("T4", 60_000, "open_listing"),
        ]
    )
    [hit] = open_method(OpenMethod(), records, TODAY)
    assert hit.subject == "transaction/T1"
    assert hit.day == date(2026, 5, 2)
    assert dict(hit.values) == {
        "id": "T1",
        "village": "V1",
        "village_name": "东岙村",
        "kind_zh": "租赁",
        "kind_en": "lease",
        "item": "村集体厂房出租",
        "amount": 50000.0,
        "method_zh": "协商议定",
        "method_en": "negotiation",
        "counterparty": "某公司",
        "concluded_on": "2026-05-02",
        "limit": 50000.0,
    }
    assert hit.records == ("transaction/T1",)


def test_the_open_methods_and_threshold_are_settable() -> None:
    records = Records([transaction("T3", 900_000, "auction"), transaction("T2", 20_000, "direct")])
    settings = OpenMethod(min_amount=10_000, open_methods=("public_bidding", "open_listing"))
    assert subjects(open_method(settings, records, TODAY)) == ["transaction/T2", "transaction/T3"]


def test_an_unregistered_village_is_named_by_its_code_and_an_item_by_its_kind() -> None:
    [hit] = open_method(OpenMethod(), Records([transaction("T1", 80_000, "direct")]), TODAY)
    assert (hit.values["village_name"], hit.values["item"]) == ("V1", "租赁")


def test_a_transaction_at_the_threshold_without_the_meeting_hits() -> None:
    records = Records(
        [
            transaction("T1", 50_000, approved=False),
            transaction("T2", 49_999.99, approved=False),
            transaction("T3", 500_000, approved=True),
        ]
    )
    [hit] = meeting_approval(MeetingApproval(), records, TODAY)
    assert (hit.subject, hit.values["amount"], hit.values["limit"]) == ("transaction/T1", 50000.0, 50000.0)
    assert subjects(meeting_approval(MeetingApproval(min_amount=1), records, TODAY)) == [
        "transaction/T1",
        "transaction/T2",
    ]


# -- disclosure ------------------------------------------------------------------------------------


def test_a_registrations_periods_are_those_ending_within_it() -> None:
    assert periods("monthly", date(2026, 2, 15), date(2027, 2, 14)) == [
        *(f"2026-{m:02d}" for m in range(2, 13)),
        "2027-01",
    ]
    assert periods("quarterly", date(2026, 2, 15), date(2027, 2, 14)) == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert periods("quarterly", date(2026, 4, 1), date(2026, 6, 29)) == []


def test_a_disclosure_on_its_due_day_is_on_time_and_later_is_late() -> None:
    records = Records(
        [
            registration(),
            disclosure("2026-01", "2026-02-10"),
            disclosure("2026-02", "2026-03-11"),
            disclosure("2026-04", "2026-05-03"),
        ]
    )
    hits = disclosure_due(DisclosureDue(), records, TODAY)
    assert subjects(hits) == ["disclosure/V1@2026-02", "disclosure/V1@2026-03"]
    late, missing = hits
    assert late.day == date(2026, 3, 11)
    assert dict(late.values) == {
        "village": "V1",
        "village_name": "东岙村",
        "township": "白泉镇",
        "period": "2026-02",
        "due": "2026-03-10",
        "published_on": "2026-03-11",
        "state_zh": "于 2026-03-11 才公开，逾期 1 天",
        "state_en": "published on 2026-03-11, 1 day late",
    }
    assert late.records == ("village/REG-V1-2026-01-01", "disclosure/D-V1-2026-02")
    assert missing.day == date(2026, 4, 11)
    assert (missing.values["published_on"], missing.values["state_zh"]) == ("", "未公开")
    assert missing.records == ("village/REG-V1-2026-01-01",)


def test_a_missing_disclosure_hits_once_its_due_day_has_passed() -> None:
    records = Records([registration(since="2026-04-01", until="2027-03-31")])
    assert disclosure_due(DisclosureDue(), records, Today(date(2026, 5, 10), TODAY.calendar)) == []
    [hit] = disclosure_due(DisclosureDue(), records, Today(date(2026, 5, 11), TODAY.calendar))
    assert (hit.subject, hit.day) == ("disclosure/V1@2026-04", date(2026, 5, 11))
    [hit] = disclosure_due(DisclosureDue(due_days=15), records, Today(date(2026, 5, 16), TODAY.calendar))
    assert hit.values["due"] == "2026-05-15"


def test_the_earliest_disclosure_of_a_period_counts() -> None:
    records = Records(
        [
            registration(since="2026-04-01", until="2027-03-31"),
            disclosure("2026-04", "2026-05-30", rid="D-LATE"),
            disclosure("2026-04", "2026-05-06", rid="D-ON-TIME"),
        ]
    )
    assert disclosure_due(DisclosureDue(), records, Today(date(2026, 6, 5), TODAY.calendar)) == []


def test_only_a_disclosure_of_the_village_and_its_own_period_counts() -> None:
    records = Records(
        [
            registration(since="2026-04-01", until="2027-03-31"),
            disclosure("2026-Q2", "2026-04-20"),  # quarterly, the village discloses monthly
            disclosure("2026-04", "2026-05-06", code="V2"),
        ]
    )
    hits = disclosure_due(DisclosureDue(), records, Today(date(2026, 5, 20), TODAY.calendar))
    assert subjects(hits) == ["disclosure/V1@2026-04"]


def test_a_quarterly_village_discloses_each_quarter() -> None:
    records = Records([registration(frequency="quarterly"), disclosure("2026-Q1", "2026-04-08")])
    assert disclosure_due(DisclosureDue(), records, TODAY) == []
    hits = disclosure_due(DisclosureDue(), records, Today(date(2026, 7, 11), TODAY.calendar))
    assert subjects(hits) == ["disclosure/V1@2026-Q2"]


def test_overlapping_registrations_raise_a_period_once() -> None:
    records = Records([registration(), registration(since="2026-03-01", until="2027-02-28")])
    hits = disclosure_due(DisclosureDue(), records, TODAY)
    assert subjects(hits) == [f"disclosure/V1@2026-{m:02d}" for m in range(1, 5)]


def test_periods_beginning_before_the_records_read_are_not_judged() -> None:
    # Today 2026-05-15 reads from 2025-04-10: April 2025 began before, its disclosure may be unread.
    records = Records([registration(since="2025-04-01", until="2026-03-31")])
    hits = disclosure_due(DisclosureDue(), records, TODAY)
    assert subjects(hits)[:2] == ["disclosure/V1@2025-05", "disclosure/V1@2025-06"]
    assert len(hits) == 11


# -- the records' models ---------------------------------------------------------------------------


def fields(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


REGISTRATION = {
    "id": "REG-1",
    "village": "330902101201",
    "name": "东岙村",
    "township": "白泉镇",
    "disclosure": "monthly",
    "since": "2028-01-01",
    "until": "2028-12-31",
}
TRANSACTION = {
    "id": "T1",
    "village": "330902101201",
    "kind": "lease",
    "amount": 1000,
    "method": "auction",
    "concluded_on": "2026-05-02",
    "counterparty": "某公司",
    "approved_by_meeting": True,
}
DISCLOSURE = {"id": "D1", "village": "330902101201", "period": "2026-Q2", "published_on": "2026-04-01"}


def test_a_registration_of_a_leap_year_is_accepted() -> None:
    assert village.Village.model_validate(REGISTRATION).until == date(2028, 12, 31)


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (village.Village, {**REGISTRATION, "until": "2027-12-31"}, "until"),
        (village.Village, {**REGISTRATION, "until": "2029-01-01"}, "until"),
        (village.Village, {**REGISTRATION, "disclosure": "yearly"}, "disclosure"),
        (village.Village, {**REGISTRATION, "village": "V 1"}, "village"),
        (village.Village, {k: v for k, v in REGISTRATION.items() if k != "until"}, "until"),
        (village.Transaction, {**TRANSACTION, "method": "lottery"}, "method"),
        (village.Transaction, {**TRANSACTION, "kind": "loan"}, "kind"),
        (village.Transaction, {**TRANSACTION, "amount": -1}, "amount"),
        (village.Transaction, {**TRANSACTION, "approved_by_meeting": "maybe"}, "approved_by_meeting"),
        (village.Transaction, {**TRANSACTION, "approved": True}, "approved"),
        (village.Disclosure, {**DISCLOSURE, "period": "2026-Q5"}, "period"),
        (village.Disclosure, {**DISCLOSURE, "period": "1989-12"}, "period"),
        (village.Disclosure, {**DISCLOSURE, "published_on": "2026-03-31"}, "published_on"),
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
    demo = village.demo(day, DEPARTMENTS)
    assert demo == village.demo(day, DEPARTMENTS)
    records = [record(kind, data) for kind, data in demo]
    assert all(timedelta(0) <= day - r.day <= timedelta(days=95) for r in records)
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
