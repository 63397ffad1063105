"""The demo generator: deterministic, valid against the domain models, and the promised mix."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from jiancha.domain.catalogue import CODE_PATTERN, ItemStatus, ItemType, PowerItem, TransitionKind
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.clock.deadlines import CaseStatus, StepEvent, deadlines, fold, limits_of
from jiancha.domain.events import Action, EventIn
from jiancha.domain.rules.engine import evaluate
from jiancha.domain.rules.model import CaseFacts, Context, RecordedEvent
from jiancha.domain.timeutil import LOCAL, end_of_local_day, local_date
from jiancha.services import packs
from jiancha.services.demo_data import DemoData, build_demo

# National Day 2026: 1–7 October off, Sunday 20 September and Saturday 10 October worked (调休).
CALENDAR = WorkCalendar(
    {date(2026, 10, d): False for d in range(1, 8)} | {date(2026, 9, 20): True, date(2026, 10, 10): True},
    [2026],
)
NOW = datetime(2026, 11, 20, 10, 15, tzinfo=LOCAL)  # a Friday morning: today's cases are still coming in
APPROVAL_ACTIONS = {"accept", "undertake", "review", "approve", "complete"}
PENALTY_ACTIONS = {"register", "investigate", "inform", "hearing", "decide", "serve", "execute", "close"}
PENALTY_ACTIONS |= {"review"}  # 法制审核 at 决定 before a case is sent back for more evidence
EXTRA_ACTIONS = {"suspend", "resume", "request-supplement", "return", "reject"}
# The kinds of fault added to the plan for the other rule families, and the kinds each rule may flag.
NEW_KINDS = ("discretion", "overcharge", "deposit", "unknown_step", "same_instant")
RULE_KINDS = {
    "PN-DISCRETION": {"discretion"},
    "PN-FEES": {"overcharge", "deposit"},
    "PR-UNKNOWN-STEP": {"unknown_step"},
    "EVD-SAME-MINUTE": {"same_instant"},
    "PR-SKIPPED": {"irregular"},
    "PR-ROLLBACK": {"irregular"},
    "PR-POST": {"irregular"},
    "EV-LEGAL-BASIS": {"irregular"},
}


def check_digit(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643: W_i = 2^(i-1) mod 11, from the right
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def by_case(data: DemoData) -> dict[str, list[EventIn]]:
    out: dict[str, list[EventIn]] = defaultdict(list)
    for e in data.events:
        out[e["case_no"]].append(EventIn.model_validate(e))
    return out


def irregularities(item: PowerItem, events: list[EventIn]) -> set[str]:
    """What a supervisor would flag: skipped steps, illegal rollbacks, wrong posts, no legal basis,
    and steps the process does not define."""
    moves = item.process.allowed_moves()
    flags: set[str] = set()
    current: str | None = None
    for e in events:
        step = item.process.step(e.step)
        if step is None:
            flags.add("unknown_step")
            current = None  # no order to judge from a step the process does not know
            continue
        if step.posts and e.post not in step.posts:
            flags.add("post")
        if e.action in (Action.approve, Action.decide) and "legal_basis" not in e.attributes:
            flags.add("basis")
        if e.action is Action.return_:
            if (e.step, e.attributes["to_step"]) not in moves:
                flags.add("rollback")
            current = e.attributes["to_step"]
            continue
        if current is not None and e.step != current and (current, e.step) not in moves:
            flags.add("skip")
        current = e.step
    return flags


@pytest.fixture(scope="module")
def small() -> DemoData:
    return build_demo(CALENDAR, NOW, cases=3000)


@pytest.fixture(scope="module")
def full() -> DemoData:
    return build_demo(CALENDAR, NOW)


@pytest.fixture(scope="module")
def full_events(full: DemoData) -> dict[str, list[EventIn]]:
    return by_case(full)


def test_same_arguments_give_the_same_data() -> None:
    a = build_demo(CALENDAR, NOW, cases=400)
    b = build_demo(CALENDAR, NOW, cases=400)
    assert a == b
    assert json.dumps(a.events, ensure_ascii=False) == json.dumps(b.events, ensure_ascii=False)
    other = build_demo(CALENDAR, NOW, seed=7, cases=400)
    assert other.items == a.items and other.departments == a.departments
    assert other.cases != a.cases and other.events != a.events


def test_no_cases_asked_for_gives_only_the_catalogue() -> None:
    data = build_demo(CALENDAR, NOW, cases=0)
    assert data.cases == [] and data.events == []
    assert len(data.items) >= 50
    with pytest.raises(ValueError):
        build_demo(CALENDAR, NOW, cases=-1)


def test_one_city_three_counties_about_twenty_departments(small: DemoData) -> None:
    cities = [r for r in small.regions if r["level"] == "city"]
    counties = [r for r in small.regions if r["level"] == "county"]
    assert len(cities) == 1 and cities[0]["parent_code"] is None
    assert len(counties) == 3 and all(c["parent_code"] == cities[0]["code"] for c in counties)
    assert all(re.fullmatch(r"\d{6}", str(r["code"])) for r in small.regions)
    assert 18 <= len(small.departments) <= 22
    codes = [d["code"] for d in small.departments]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(CODE_PATTERN, c) for c in codes)
    regions = {r["code"] for r in small.regions}
    assert {d["region_code"] for d in small.departments} == regions, "every region has departments"
    names = {d["name"] for d in small.departments}
    for wanted in ("市场监督管理局", "自然资源和规划局", "卫生健康委员会", "人力资源和社会保障局", "税务局"):
        assert any(wanted in n for n in names), wanted


def test_items_validate_and_cover_every_type(small: DemoData) -> None:
    items = small.items
    assert 55 <= len(items) <= 65
    assert {i.item_type for i in items} == set(ItemType)
    codes = [i.code for i in items]
    assert len(set(codes)) == len(codes)
    departments = {d["code"] for d in small.departments}
    for item in items:
        assert PowerItem.model_validate(item.model_dump()) == item
        assert re.fullmatch(CODE_PATTERN, item.code)
        assert item.department_code in departments
        assert item.promised_limit_days <= item.legal_limit_days
        assert item.legal_basis.startswith("《")
        if item.item_type not in (ItemType.penalty, ItemType.coercion):
            assert item.materials and item.process.ordered()[0].materials == item.materials
        steps = [s.code for s in item.process.ordered()]
        if item.item_type is ItemType.penalty:
            assert steps == [
                "register",
                "investigate",
                "inform",
                "hearing",
                "decide",
                "serve",
                "execute",
                "close",
            ]
            hearing = item.process.step("hearing")
            assert hearing is not None and not hearing.required
            assert {b.circumstance for b in item.discretion} == {"轻微", "一般", "较重", "严重"}
            assert all(b.fine_min <= b.fine_max for b in item.discretion)
        elif item.item_type is ItemType.coercion:
            assert steps[0] == "register" and steps[-1] == "close"
        else:
            assert steps == ["accept", "undertake", "review", "approve", "complete"]
        for step in item.process.steps:
            assert step.posts and step.limit_days is not None
            assert set(step.posts) <= set(item.posts)
    assert any(i.legal_limit_days == 90 for i in items if i.item_type is ItemType.penalty)
    with_fees = [i for i in items if i.fees]
    assert 0 < len(with_fees) < len(items) / 4, "some items charge a fee, most are free"
    rollbacks = {
        (t.from_step, t.to_step)
        for i in items
        for t in i.process.transitions
        if t.kind is TransitionKind.rollback
    }
    assert ("review", "undertake") in rollbacks


def test_events_validate_and_none_is_after_now(small: DemoData) -> None:
    items = {i.code: i for i in small.items}
    cases = {c.case_no: c for c in small.cases}
    assert len(cases) == len(small.cases) == 3000
    seen: dict[str, set[str]] = defaultdict(set)
    for raw in small.events:
        assert raw["occurred_at"].endswith("+08:00")
        e = EventIn.model_validate(raw)
        assert e.occurred_at <= NOW
        assert e.event_id not in seen[e.source_system], "event ids are unique within a source system"
        seen[e.source_system].add(e.event_id)
        item = items[e.item_code]
        if small.kinds[e.case_no] == "unknown_step" and e.step == "pre-review":
            assert e.action is Action.review and item.item_type not in (ItemType.penalty, ItemType.coercion)
        else:
            assert item.process.step(e.step) is not None
        family = (
            PENALTY_ACTIONS if item.item_type in (ItemType.penalty, ItemType.coercion) else APPROVAL_ACTIONS
        )
        assert e.action.value in family | EXTRA_ACTIONS
        assert cases[e.case_no].item_code == e.item_code
        assert cases[e.case_no].source_system == e.source_system
        if e.action is Action.return_:
            assert item.process.step(e.attributes["to_step"]) is not None
        if e.action in (Action.suspend, Action.request_supplement):
            assert e.attributes["reason"] in {"hearing", "expert-review", "supplement", "extension"}
        local = e.occurred_at.astimezone(LOCAL)
        assert CALENDAR.is_workday(local.date()), "nothing happens on weekends or holidays"
        assert time(9) <= local.time() <= time(18, 30)
    assert [e["occurred_at"] for e in small.events] == sorted(e["occurred_at"] for e in small.events)


def test_each_case_starts_at_acceptance_after_receipt_and_runs_in_order(small: DemoData) -> None:
    events = by_case(small)
    earliest = NOW - timedelta(days=90)
    for case in small.cases:
        assert earliest < case.received_at <= NOW
        local = case.received_at.astimezone(LOCAL)
        assert CALENDAR.is_workday(local.date()) and time(9) <= local.time() < time(17, 30)
        evs = events[case.case_no]
        assert evs, "every case has been accepted, registered or rejected"
        first = evs[0]
        assert first.step in ("accept", "register") and first.action in (
            Action.accept,
            Action.register,
            Action.reject,
        )
        assert first.occurred_at >= case.received_at
        times = [e.occurred_at for e in evs]
        assert times == sorted(times) and len(set(times)) == len(times)
    # Something was received today before now, and every working day of the window has cases.
    received_days = {local_date(c.received_at) for c in small.cases}
    assert NOW.date() in received_days
    assert date(2026, 10, 10) in received_days and date(2026, 10, 2) not in received_days


def test_applicants_have_valid_id_numbers_phones_and_check_codes(small: DemoData) -> None:
    for case in small.cases:
        a = case.applicant
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", a.name)
        assert re.fullmatch(r"\d{17}[\dX]", a.id_number)
        assert a.id_number[17] == check_digit(a.id_number[:17])
        born = datetime.strptime(a.id_number[6:14], "%Y%m%d").date()
        assert date(1940, 1, 1) < born < date(2008, 1, 1)
        assert re.fullmatch(r"1[3-9]\d{9}", a.phone)
        assert re.fullmatch(r"\d{6}", case.check_code)
        assert case.title and case.source_system.startswith(case.item_code.rsplit("-", 2)[0])
        assert re.fullmatch(r"[A-Z]+-\d{8}-\d{6}", case.case_no)


def test_a_naive_now_outside_working_hours() -> None:
    saturday_night = datetime(2026, 11, 21, 22, 0)  # naive: read as Asia/Shanghai
    data = build_demo(CALENDAR, saturday_night, cases=500)
    limit = saturday_night.replace(tzinfo=LOCAL)
    assert all(c.received_at <= limit for c in data.cases)
    assert all(EventIn.model_validate(e).occurred_at <= limit for e in data.events)
    early = datetime(2026, 11, 23, 8, 0, tzinfo=LOCAL)  # Monday before opening: nothing today yet
    data = build_demo(CALENDAR, early, cases=500)
    assert all(local_date(c.received_at) < early.date() for c in data.cases)


@pytest.mark.slow
def test_the_default_mix(full: DemoData, full_events: dict[str, list[EventIn]]) -> None:
    assert len(full.cases) == 20_000
    items = {i.code: i for i in full.items}
    events = full_events
    kinds: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    for case in full.cases:
        item = items[case.item_code]
        limits = limits_of(item)
        evs = events[case.case_no]
        state = fold(
            case.received_at,
            [StepEvent(e.step, e.action, e.occurred_at, e.attributes) for e in evs],
            limits,
            CALENDAR,
        )
        due = deadlines(state, limits, CALENDAR)
        assert due.legal_due is not None
        overdue_from = end_of_local_day(due.legal_due)
        if state.status is CaseStatus.completed:
            assert state.completed_at is not None
            kinds["late" if state.completed_at >= overdue_from else "on_time"] += 1
        elif state.status is CaseStatus.open:
            kinds["open_overdue" if overdue_from <= NOW else "open"] += 1
        else:
            kinds[state.status.value] += 1
        found = irregularities(item, evs)
        flags.update(found)
        if "unknown_step" in found:
            assert full.kinds[case.case_no] == "unknown_step"
            found.discard("unknown_step")
        assert not found or full.kinds[case.case_no] == "irregular"
        kinds["irregular"] += bool(found)
    n = len(full.cases)
    assert kinds["on_time"] > 0.7 * n
    assert 0.03 * n < kinds["late"] < 0.09 * n
    assert 0.01 * n < kinds["rejected"] < 0.04 * n
    assert kinds["suspended"] > 20, "some cases are still suspended now"
    assert kinds["open"] > 0.03 * n, "the most recent cases are still open"
    assert 0 < kinds["open_overdue"] < 0.01 * n, "a few open cases are overdue already"
    assert 0.03 * n < kinds["irregular"] < 0.07 * n
    assert set(flags) == {"skip", "rollback", "post", "basis", "unknown_step"}
    assert min(flags[f] for f in ("skip", "rollback", "post", "basis")) > 50
    types = Counter(items[c.item_code].item_type for c in full.cases)
    assert set(types) == set(ItemType), "every item type has cases"


def test_every_case_has_its_planned_kind(small: DemoData) -> None:
    assert set(small.kinds) == {c.case_no for c in small.cases}
    assert set(small.kinds.values()) <= {"on_time", "late", "irregular", "suspended", "rejected", *NEW_KINDS}


@pytest.mark.slow
def test_a_few_cases_of_each_new_fault(full: DemoData) -> None:
    planned = Counter(full.kinds.values())
    for kind in NEW_KINDS:
        assert 20 <= planned[kind] <= 300, (kind, planned[kind])
    items = {i.code: i for i in full.items}
    for case in full.cases:
        item, kind = items[case.item_code], full.kinds[case.case_no]
        if kind == "discretion":
            assert item.item_type is ItemType.penalty and item.discretion
        elif kind == "overcharge":
            assert item.fees
        elif kind in ("deposit", "unknown_step", "same_instant"):
            assert item.item_type not in (ItemType.penalty, ItemType.coercion)
            assert kind != "deposit" or not item.fees


def test_fines_and_fees_keep_to_the_standard_unless_planned_otherwise(small: DemoData) -> None:
    items = {i.code: i for i in small.items}
    decisions = charges = 0
    for raw in small.events:
        item, kind, attributes = items[raw["item_code"]], small.kinds[raw["case_no"]], raw["attributes"]
        if "deposit" in attributes:
            assert kind == "deposit" and raw["action"] == "accept" and not item.fees
        if raw["action"] == "decide" and item.discretion:
            decisions += 1
            bench = next(b for b in item.discretion if b.circumstance == attributes["circumstance"])
            assert attributes["clause"] == bench.clause
            fine = Decimal(attributes["fine"])
            assert (bench.fine_min <= fine <= bench.fine_max) == (kind != "discretion"), raw["case_no"]
            assert ("罚款" in attributes["decision"]) == (fine > 0)
        if raw["action"] == "complete":
            standard = sum((f.amount for f in item.fees), Decimal(0))
            charged = attributes.get("fee_charged")
            if not item.fees:
                assert charged is None
            else:
                charges += 1
                assert (Decimal(charged) == standard) == (kind != "overcharge"), raw["case_no"]
        elif "fee_charged" in attributes:
            pytest.fail(f"a fee charged before completion: {raw['event_id']}")
    assert decisions > 20 and charges > 100


def test_same_instant_cases_run_in_one_minute(small: DemoData) -> None:
    events = by_case(small)
    seen = 0
    for case in small.cases:
        evs = events[case.case_no]
        minutes = {e.occurred_at.replace(second=0) for e in evs}
        if small.kinds[case.case_no] == "same_instant" and len(evs) >= 3:
            seen += 1
            assert len(minutes) == 1 and len({e.step for e in evs}) >= 3
        elif len(evs) >= 3:
            assert len(minutes) > 1
    assert seen > 0


@pytest.mark.slow
def test_the_rule_engine_flags_only_the_planned_cases(
    full: DemoData, full_events: dict[str, list[EventIn]]
) -> None:
    families = {"discretion", "fees", "procedure", "legal_basis", "same_instant"}
    rules = [r for r in packs.load("default").compiled() if r.family in families]
    assert {r.id for r in rules} >= set(RULE_KINDS)
    items = {i.code: i for i in full.items}
    flagged: dict[str, Counter[str]] = defaultdict(Counter)
    for case in full.cases:
        recorded = tuple(
            RecordedEvent(
                e.source_system,
                e.event_id,
                e.step,
                e.action,
                e.actor,
                e.post,
                e.occurred_at,
                e.occurred_at,
                dict(e.attributes),
            )
            for e in full_events[case.case_no]
        )
        facts = CaseFacts(case.case_no, items[case.item_code], ItemStatus.active, case.received_at, recorded)
        for rule_id in {f.rule_id for f in evaluate(rules, Context(facts, CALENDAR, NOW))}:
            flagged[rule_id][full.kinds[case.case_no]] += 1
    assert set(flagged) == set(RULE_KINDS)
    for rule_id, kinds in RULE_KINDS.items():
        assert set(flagged[rule_id]) == kinds, (rule_id, flagged[rule_id])
    for rule_id in ("PN-DISCRETION", "PN-FEES", "PR-UNKNOWN-STEP", "EVD-SAME-MINUTE"):
        assert 20 <= sum(flagged[rule_id].values()) <= 300, (rule_id, flagged[rule_id])
