"""The `sequence` family (steps' order and spacing in calendar days) on the `it-road-fines` pack's
rules RF-1..RF-4, exactly as issue 9 writes them, at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jiancha.domain.catalogue import ItemStatus
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.events import Action
from jiancha.domain.rules.engine import evaluate
from jiancha.domain.rules.model import CaseFacts, Context, Finding, RecordedEvent
from jiancha.domain.rules.pack import Pack
from jiancha.services.packs import load, parse

PACK = load("it-road-fines")
ITEM = PACK.log.power_item() if PACK.log else None


def ev(n: int, step: str, day: str, **attributes: object) -> RecordedEvent:
    # Dates at midnight in Italy (+01:00 in winter), as the XES writes them.
    at = datetime.fromisoformat(f"{day}T00:00:00+01:00").astimezone(UTC)
    return RecordedEvent(
        "it-road-fines", f"A1#{n}", step, Action.undertake, "x", "", at, at, dict(attributes)
    )


def found(*events: RecordedEvent, pack: Pack = PACK) -> list[Finding]:
    assert ITEM is not None
    facts = CaseFacts("A1", ITEM, ItemStatus.active, events[0].occurred_at, events)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return evaluate(pack.compiled(), Context(facts, WorkCalendar.weekdays_only(), now))


def rules(*events: RecordedEvent) -> list[str]:
    return sorted(f.rule_id for f in found(*events))


def test_rf1_the_first_send_more_than_90_days_after_creation() -> None:
    create = ev(1, "create-fine", "2006-07-24", amount=35.0)
    assert rules(create, ev(2, "send-fine", "2006-10-22")) == []  # 90 days
    late = found(create, ev(2, "send-fine", "2006-10-23"), ev(3, "send-fine", "2006-10-24"))
    assert [(f.rule_id, f.values["days"]) for f in late] == [("RF-1", 91)]  # the first send only
    assert rules(ev(2, "send-fine", "2007-10-23")) == []  # no creation: nothing to measure


def test_rf2_a_penalty_without_notification_or_within_60_days() -> None:
    notified = ev(1, "insert-fine-notification", "2007-01-01")
    assert rules(notified, ev(2, "add-penalty", "2007-03-02")) == []  # 60 days
    early = found(notified, ev(2, "add-penalty", "2007-03-01"))
    assert [(f.rule_id, f.values["days"]) for f in early] == [("RF-2", 59)]
    alone = found(ev(1, "add-penalty", "2007-03-01"), notified)  # the notification came after
    assert [(f.rule_id, f.values["missing"]) for f in alone] == [("RF-2", True)]


def test_rf3_credit_collection_of_a_fine_already_paid() -> None:
    create = ev(1, "create-fine", "2006-01-10", amount=35.0)
    collect = ev(9, "send-for-credit-collection", "2008-01-10")
    assert rules(create, ev(2, "payment", "2006-02-01", totalPaymentAmount=20.0), collect) == []
    paid = found(
        create,
        ev(2, "payment", "2006-02-01", totalPaymentAmount=35.0),
        ev(3, "payment", "2006-03-01", totalPaymentAmount=10.0),  # the largest counts, not the last
        collect,
    )
    assert [(f.rule_id, f.values["paid"], f.values["due"]) for f in paid] == [("RF-3", 35.0, 35.0)]
    after = [create, collect, ev(10, "payment", "2008-02-01", totalPaymentAmount=35.0)]
    assert rules(*after) == []  # paid only after it was sent


def test_rf4_appeal_steps_without_their_predecessor() -> None:
    assert rules(ev(1, "insert-date-appeal", "2007-01-01"), ev(2, "send-appeal", "2007-01-05")) == []
    yellow = found(ev(1, "send-appeal", "2007-01-05"), ev(2, "notify-result-appeal", "2007-05-01"))
    assert sorted((f.rule_id, f.values["step"]) for f in yellow) == [
        ("RF-4", "notify-result-appeal"),
        ("RF-4", "send-appeal"),
    ]
    assert all(f.colour.value == "yellow" for f in yellow)


@pytest.mark.parametrize(
    "params",
    [
        {"check": "gap", "from": "a", "max_days": 3},
        {"check": "requires", "pairs": []},
        {"check": "requires", "pairs": [{"step": "a", "after": "b", "min_days": -1}]},
        {"check": "covered", "step": "a", "paid": {"step": "p"}, "due": {"step": "d", "attribute": "x"}},
        {"check": "sideways"},
    ],
)
def test_a_sequence_rule_with_bad_params_refuses_the_pack(params: dict[str, object]) -> None:
    import yaml

    from jiancha.domain.errors import Rejected

    doc = {
        "pack": "x",
        "title_zh": "x",
        "title_en": "x",
        "rules": [
            {
                "id": "X-1",
                "family": "sequence",
                "colour": "red",
                "article": "x",
                "message_zh": "{case_no}",
                "message_en": "{case_no}",
                "params": params,
            }
        ],
    }
    with pytest.raises(Rejected) as refused:
        parse(yaml.safe_dump(doc), "x.yaml")
    assert "X-1" in " ".join(p.message_en for p in refused.value.problems)
