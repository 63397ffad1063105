"""Unequal treatment of like cases (同案不同罚, R-MON-1): a fine far from what like cases got — same
item, clause and circumstance — is flagged on its case, once, by the clock's daily run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from jiancha.domain.rules.families.like_cases import Decision, unequal
from jiancha.domain.rules.model import Colour, Rule
from jiancha.services import ingest, integrity, like_cases, signals
from jiancha.store.database import Database

from .conftest import event

RULE = Rule(
    "PN-UNEQUAL", "unequal_treatment", Colour.yellow, "行政处罚法第五条", "{case_no}", "{case_no}",
    {"window_days": 365, "minimum_cases": 5, "ratio": 3},
)  # fmt: skip
NOW = datetime(2026, 10, 31, 12, tzinfo=UTC)
CLAUSE = "第一百二十二条第一款"


def decided(n: int, fine: int, circumstance: str = "一般", days_ago: int = 10) -> Decision:
    return Decision(
        n, f"C-{n}", "330900-SCJG", "SCJG-CF-001", CLAUSE, circumstance, Decimal(fine),
        NOW - timedelta(days=days_ago), f"SYS/E-{n}",
    )  # fmt: skip


def test_a_fine_three_times_the_like_cases_median_is_flagged_with_its_figures() -> None:
    like = [decided(k, fine) for k, fine in enumerate([60000, 62000, 64000, 66000, 200000], start=1)]
    found = unequal(RULE, like, NOW)
    assert [d.case_no for d, _ in found] == ["C-5"]
    values = found[0][1].values
    assert values["median"] == "64000.00" and values["like_cases"] == 5 and values["times"] == "3.13"
    assert found[0][1].at == like[-1].decided_at and found[0][1].events == ("SYS/E-5",)


def test_a_fine_a_third_of_the_median_is_flagged_too() -> None:
    like = [decided(k, fine) for k, fine in enumerate([60000, 62000, 64000, 66000, 20000], start=1)]
    assert [d.case_no for d, _ in unequal(RULE, like, NOW)] == ["C-5"]


def test_too_few_like_cases_other_circumstances_and_old_decisions_compare_with_nothing() -> None:
    four = [decided(k, fine) for k, fine in enumerate([60000, 62000, 64000, 200000], start=1)]
    assert unequal(RULE, four, NOW) == []
    other = decided(5, 200000, circumstance="严重")  # not a like case of the four
    assert unequal(RULE, [*four, other], NOW) == []
    old = decided(6, 61000, days_ago=400)  # outside the year
    assert unequal(RULE, [*four, old], NOW) == []
    warnings = [decided(k, 0) for k in range(1, 6)] + [decided(9, 5000)]
    assert unequal(RULE, warnings, NOW) == []  # a median of nothing gives no ratio


def test_the_clock_flags_the_case_once_a_day_and_the_case_shows_it(db: Database) -> None:
    fines = [60000, 62000, 64000, 66000, 61000, 250000]
    batch = []
    for k, fine in enumerate(fines, start=1):
        attrs = {"fine": f"{fine}.00", "clause": CLAUSE, "circumstance": "一般", "legal_basis": "x"}
        batch.append(
            event(10 * k, f"P-{k}", "register", item_code="SCJG-CF-001", at="2026-10-01T09:00:00+08:00")
        )
        batch.append(
            event(
                10 * k + 1, f"P-{k}", "decide", item_code="SCJG-CF-001", at="2026-10-10T09:00:00+08:00",
                attributes=attrs,
            )
        )  # fmt: skip
    ingest.ingest_events(db, ingest.validate_events(batch), now=NOW)
    assert like_cases.watch(db, NOW) == 1
    _, rows = signals.list_signals(db, signals.SignalFilter(rule_id="PN-UNEQUAL"))
    assert [(r["case_no"], r["subject"]) for r in rows] == [("P-6", "like:P-6")]
    assert "250000" in rows[0]["message_zh"] and "like cases" in rows[0]["message_en"]
    _, on_case = signals.list_signals(db, signals.SignalFilter(case_no="P-6"))
    assert "PN-UNEQUAL" in {r["rule_id"] for r in on_case}
    assert like_cases.watch(db, NOW + timedelta(hours=1)) == 0  # once a day
    assert like_cases.watch(db, NOW + timedelta(days=1)) == 0  # and never twice for one case
    assert integrity.check(db).ok
