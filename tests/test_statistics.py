"""Statistics of a month (R-REP-3): the figures SQL computes agree with a count made here, in
Python, from the rows themselves; months are local time; voided cases, withdrawn signals and early
warnings do not make a case anomalous; and every figure stays within the caller's scope."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Rejected
from jiancha.domain.rules.lifecycle import SignalState
from jiancha.domain.statistics import Month
from jiancha.domain.timeutil import LOCAL
from jiancha.services import clock, complaints, ingest, packs, signals, statistics
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.tables import cases
from jiancha.store.tables import complaints as complaint_rows
from jiancha.store.tables import signals as signal_rows

from .conftest import Desk, add_items, client_as, ensure_organisation, event, licence_item

OCTOBER = Month(2026, 10)
END = datetime(2026, 11, 20, 18, tzinfo=LOCAL)  # when the data was last touched (in the past)
ITEMS = {  # item -> (department, source system)
    "SCJG-XK-001": ("330900-SCJG", "SYS-A"),
    "JTYS-XK-001": ("330900-JTYS", "SYS-J"),
    "LS-XK-001": ("330800-SCJG", "SYS-L"),
    "SCJG-XK-009": ("330900-SCJG", "SYS-A"),  # no step limits (no_limits_item)
}
STEPS = [("undertake", "承办岗"), ("review", "审核岗"), ("approve", "批准岗"), ("complete", "受理岗")]


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


def at(instant: datetime) -> str:
    return instant.isoformat()


class City:
    """Cases of three departments in two cities, fed day by day as the departments would send them,
    the clock swept each evening, so the signals are those the platform really raises."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.events: list[tuple[datetime, dict[str, object]]] = []
        self.n = 0
        ensure_organisation(db)
        add_items(
            db,
            licence_item("JTYS-XK-001", department_code="330900-JTYS"),
            licence_item("LS-XK-001", department_code="330800-SCJG"),
        )

    def case(self, case_no: str, item: str, steps: list[tuple[str, str, datetime]]) -> None:
        _, system = ITEMS[item]
        for step, post, when in steps:
            self.n += 1
            action = "reject" if step == "reject" else step
            ev = event(
                self.n,
                case_no=case_no,
                step="accept" if step == "reject" else step,
                action=action,
                at=at(when),
                item_code=item,
                post=post,
                source_system=system,
            )
            self.events.append((when, ev))

    def feed(self, every_day: bool = False) -> None:
        """Each day's events that evening, then the clock (on the days with events, or every day)."""
        by_day: dict[date, list[dict[str, object]]] = {}
        for when, ev in sorted(self.events, key=lambda p: p[0]):
            by_day.setdefault(when.astimezone(LOCAL).date(), []).append(ev)
        days = sorted(by_day)
        if every_day:
            days = [days[0] + timedelta(days=k) for k in range((END.date() - days[0]).days + 1)]
        for day in days:
            evening = local(day, 23, 59)
            if day in by_day:
                result = ingest.ingest_events(self.db, ingest.validate_events(by_day[day]), now=evening)
                assert all(o.status == "accepted" for o in result.outcomes), result
            clock.sweep(self.db, evening)
        clock.sweep(self.db, END)


def random_city(db: Database, seed: int, n: int = 45) -> City:
    rng = random.Random(seed)
    city = City(db)
    for k in range(n):
        item = rng.choice(["SCJG-XK-001", "JTYS-XK-001", "LS-XK-001"])
        start = local(
            date(2026, 8, 24) + timedelta(days=rng.randrange(85)), rng.randrange(8, 18), rng.randrange(60)
        )
        kind = rng.choice(["full", "full", "skip", "reject", "open"])
        steps = [("accept", "受理岗", start)]
        when = start
        if kind == "full":
            for step, post in STEPS:
                when += timedelta(days=rng.choice([0, 1, 2, 3, 5, 8]), minutes=rng.randrange(1, 90))
                steps.append((step, post, when))
        elif kind == "skip":  # completed without the steps between: a procedure signal (red)
            when += timedelta(days=rng.randrange(1, 30))
            steps.append(("complete", "受理岗", when))
        elif kind == "reject":
            when += timedelta(days=rng.randrange(0, 6))
            steps.append(("reject", "受理岗", when))
        city.case(f"R-{k:03d}", item, [s for s in steps if s[2] <= END])
    # Instants near the month's edges: local midnight is 16:00 UTC the day before.
    city.case("EDGE-IN", "SCJG-XK-001", [("accept", "受理岗", local(date(2026, 10, 1), 0, 5))])
    city.case(
        "EDGE-OCT",
        "SCJG-XK-001",
        [
            ("accept", "受理岗", local(date(2026, 10, 29))),
            ("complete", "受理岗", local(date(2026, 10, 31), 23, 30)),
        ],
    )
    city.case(
        "EDGE-NOV",
        "SCJG-XK-001",
        [
            ("accept", "受理岗", local(date(2026, 10, 29))),
            ("complete", "受理岗", local(date(2026, 11, 1), 0, 10)),
        ],
    )
    city.feed()
    return city


def add_complaints(db: Database, rng: random.Random) -> None:
    for k in range(8):
        department = rng.choice(["330900-SCJG", "330900-JTYS", "330800-SCJG"])
        received = local(date(2026, 9, 25) + timedelta(days=rng.randrange(40)), 10)
        filed = complaints.submit(
            db,
            complaints.parse({"department_code": department, "content": f"投诉 {k}", "anonymous": True}),
            now=received,
        )
        if rng.random() < 0.8:
            accept = rng.random() < 0.6
            decided = received + timedelta(days=rng.randrange(1, 8))
            complaints.decide(db, filed["complaint_no"], accept, "理由", by="监察员", now=decided)
            if accept and rng.random() < 0.6:
                complaints.result(
                    db, filed["complaint_no"], "已处理", by="科长", now=decided + timedelta(days=3)
                )


# -- the count made here, from the rows -------------------------------------------------------------


def in_month(instant: datetime | None, month: Month) -> bool:
    if instant is None:
        return False
    day = instant.astimezone(LOCAL).date()
    return (day.year, day.month) == (month.year, month.month)


def expected(db: Database, month: Month, departments: set[str] | None) -> dict[str, Any]:
    with db.read() as conn:
        case_list = conn.execute(select(cases)).all()
        signal_list = conn.execute(select(signal_rows)).all()
        complaint_list = conn.execute(select(complaint_rows)).all()
    warnings = {(p.pack, r) for p in (packs.load(n) for n in packs.shipped()) for r in p.warnings_only()}
    assert ("default", "TL-LEGAL-WARN") in warnings

    def mine(code: str) -> bool:
        return departments is None or code in departments

    live = {c.id: c for c in case_list if not c.voided and mine(c.department_code)}
    voided = {c.id for c in case_list if c.voided}
    end = month.next()
    handled = [c for c in live.values() if in_month(c.completed_at, month)]

    def anomalous(c: Any) -> bool:
        return any(
            s.case_id == c.id
            and s.colour in ("yellow", "red")
            and s.state != "withdrawn"
            and (s.pack, s.rule_id) not in warnings
            for s in signal_list
        )

    def early(c: Any) -> bool:
        return c.promised_due is not None and c.completed_at.astimezone(LOCAL).date() < c.promised_due

    def before_end(instant: datetime | None) -> bool:
        return instant is not None and instant < datetime.combine(end.first_day, time(0), tzinfo=LOCAL)

    month_signals = [
        s
        for s in signal_list
        if in_month(s.raised_at, month) and mine(s.department_code) and s.case_id not in voided
    ]
    rule_counts = Counter(s.rule_id for s in month_signals)
    trend = []
    for m in month.trailing(12):
        done = [c for c in live.values() if in_month(c.completed_at, m)]
        trend.append(
            {
                "month": str(m),
                "received": sum(in_month(c.received_at, m) for c in live.values()),
                "handled": len(done),
                "anomalous": sum(anomalous(c) for c in done),
                "early": sum(early(c) for c in done),
                **{
                    colour: sum(
                        in_month(s.raised_at, m)
                        and s.colour == colour
                        and mine(s.department_code)
                        and s.case_id not in voided
                        for s in signal_list
                    )
                    for colour in ("red", "yellow", "green")
                },
            }
        )
    mine_complaints = [c for c in complaint_list if mine(c.department_code)]
    return {
        "volumes": {
            "received": sum(in_month(c.received_at, month) for c in live.values()),
            "accepted": sum(in_month(c.accepted_at, month) for c in live.values()),
            "handled": len(handled),
            "completed": sum(c.status == "completed" for c in handled),
            "rejected": sum(c.status == "rejected" for c in handled),
            "open_at_end": sum(
                before_end(c.received_at) and not before_end(c.completed_at) for c in live.values()
            ),
        },
        "handling": {
            "handled": len(handled),
            "anomalous": sum(anomalous(c) for c in handled),
            "early": sum(early(c) for c in handled),
            "overdue": sum(
                c.legal_due is not None and c.completed_at.astimezone(LOCAL).date() > c.legal_due
                for c in handled
            ),
        },
        "by_colour": dict(Counter(s.colour for s in month_signals)),
        "by_family": dict(Counter(s.family for s in month_signals)),
        "by_state": dict(Counter(s.state for s in month_signals)),
        "by_department": dict(Counter(s.department_code for s in month_signals)),
        "top": [r for r, _ in sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
        "complaints": {
            "received": sum(in_month(c.received_at, month) for c in mine_complaints),
            "accepted": sum(
                in_month(c.decided_at, month) and c.state in ("transferred", "resulted")
                for c in mine_complaints
            ),
            "not_accepted": sum(
                in_month(c.decided_at, month) and c.state == "not_accepted" for c in mine_complaints
            ),
            "resulted": sum(in_month(c.resulted_at, month) for c in mine_complaints),
        },
        "trend": trend,
    }


def assert_agree(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got["volumes"] == want["volumes"]
    handling = {k: got["handling"][k] for k in ("handled", "anomalous", "early", "overdue")}
    assert handling == want["handling"]
    h = want["handling"]
    assert got["handling"]["anomaly_rate"] == (h["anomalous"] / h["handled"] if h["handled"] else None)
    assert got["handling"]["early_completion_rate"] == (h["early"] / h["handled"] if h["handled"] else None)
    assert {k: v for k, v in got["signals"]["by_colour"].items() if v} == want["by_colour"]
    assert got["signals"]["by_family"] == want["by_family"]
    assert got["signals"]["by_state"] == want["by_state"]
    assert {d["department_code"]: d["signals"] for d in got["departments"] if d["signals"]} == want[
        "by_department"
    ]
    assert [r["rule_id"] for r in got["top_rules"]] == want["top"]
    assert got["complaints"] == want["complaints"]
    for g, w in zip(got["trend"], want["trend"], strict=True):
        assert {k: g[k] for k in w} == w, g["month"]
    # Each department's row adds up to the totals.
    for figure in ("received", "handled", "anomalous", "early", "open_at_end"):
        assert sum(d[figure] for d in got["departments"]) == (
            got["volumes"].get(figure) if figure in got["volumes"] else got["handling"][figure]
        )


@pytest.fixture
def city(db: Database) -> City:
    made = random_city(db, seed=20261031)
    add_complaints(db, random.Random(7))
    return made


def test_the_month_s_figures_agree_with_a_count_made_from_the_rows(db: Database, city: City) -> None:
    got = statistics.monthly(db, OCTOBER, EVERYTHING, now=END)
    want = expected(db, OCTOBER, None)
    assert_agree(got, want)
    # The data is rich enough for the comparison to mean something.
    assert got["handling"]["handled"] >= 8 and got["handling"]["anomalous"] >= 1
    assert 0 < got["handling"]["early"] < got["handling"]["handled"]
    assert got["signals"]["by_colour"]["red"] and got["signals"]["by_colour"]["yellow"]
    assert sum(got["complaints"].values()) >= 1
    assert got["complete"] and got["month"] == "2026-10" and len(got["trend"]) == 12
    assert got["trend"][-1]["month"] == "2026-10" and got["trend"][0]["month"] == "2025-11"
    # Another month, and a month still running, by the same definitions.
    for month in (Month(2026, 9), Month(2026, 11)):
        assert_agree(statistics.monthly(db, month, EVERYTHING, now=END), expected(db, month, None))
    assert not statistics.monthly(db, Month(2026, 11), EVERYTHING, now=END)["complete"]


def test_a_month_is_local_time(db: Database, city: City) -> None:
    """Finished at 23:30 on 31 October in Beijing (15:30 UTC) is October's; ten past midnight on
    1 November (16:10 UTC on 31 October) is November's; received at 00:05 on 1 October is October's."""
    with db.read() as conn:
        ids = dict(conn.execute(select(cases.c.case_no, cases.c.id)).all())
    department = {"330900-SCJG"}
    only = Scope(frozenset(department), None)
    october = statistics.monthly(db, OCTOBER, only, now=END)
    november = statistics.monthly(db, Month(2026, 11), only, now=END)
    assert_agree(october, expected(db, OCTOBER, department))
    assert_agree(november, expected(db, Month(2026, 11), department))
    with db.read() as conn:
        edge = {
            r.case_no: r
            for r in conn.execute(
                select(cases).where(cases.c.id.in_([ids["EDGE-OCT"], ids["EDGE-NOV"], ids["EDGE-IN"]]))
            )
        }
    assert edge["EDGE-OCT"].completed_at.astimezone(UTC).day == 31
    assert edge["EDGE-NOV"].completed_at.astimezone(UTC).month == 10, "UTC would put it in October"
    assert edge["EDGE-IN"].received_at.astimezone(UTC).month == 9, "UTC would put it in September"
    # Taking them out of the data changes exactly the month they belong to.
    with db.write() as conn:
        conn.execute(update(cases).where(cases.c.case_no.in_(["EDGE-OCT", "EDGE-IN"])).values(voided=True))
    after = statistics.monthly(db, OCTOBER, only, now=END)
    assert after["volumes"]["handled"] == october["volumes"]["handled"] - 1
    assert after["volumes"]["received"] == october["volumes"]["received"] - 2  # both received 29 Oct
    later = statistics.monthly(db, Month(2026, 11), only, now=END)["volumes"]
    assert (later["received"], later["handled"]) == (
        november["volumes"]["received"],
        november["volumes"]["handled"],
    )
    assert later["open_at_end"] == november["volumes"]["open_at_end"] - 1  # EDGE-IN was still open


def no_limits_item(code: str) -> Any:
    """The licence with no step limits and no materials: only the case's own limits can be missed."""
    steps = [
        {"code": c, "name": n, "order": k + 1, "posts": [p]}
        for k, (c, n, p) in enumerate(
            [("accept", "受理", "受理岗"), ("undertake", "承办", "承办岗"), ("review", "审核", "审核岗"),
             ("approve", "批准", "批准岗"), ("complete", "办结", "受理岗")]
        )
    ]  # fmt: skip
    return licence_item(code, process={"steps": steps})


def test_withdrawn_signals_early_warnings_and_voided_cases_make_no_anomaly(db: Database) -> None:
    """Three cases finished in October: one with red signals (anomalous), one whose signals were
    withdrawn (摘牌), one warned three working days before its legal limit (an early warning, yellow)
    and finished in time; then the anomalous one is voided by an approved correction and drops out
    of every figure, its signals with it."""
    city = City(db)
    add_items(db, no_limits_item("SCJG-XK-009"))
    accepted = date(2026, 9, 14)
    with db.read() as conn:
        calendar = calendar_store.load(conn)
    warned, legal_due = calendar.add_working_days(accepted, 17), calendar.add_working_days(accepted, 20)
    finish = calendar.add_working_days(accepted, 19)
    assert warned.month == finish.month == 10
    skipping = [("accept", "受理岗", local(accepted)), ("complete", "受理岗", local(date(2026, 10, 9)))]
    city.case("A-RED", "SCJG-XK-001", skipping)
    city.case("A-WD", "SCJG-XK-001", skipping)
    in_time = [("accept", "受理岗", local(accepted))]
    in_time += [(s, p, local(accepted + timedelta(days=1), 9 + k)) for k, (s, p) in enumerate(STEPS[:2])]
    in_time += [("approve", "批准岗", local(finish, 10)), ("complete", "受理岗", local(finish, 11))]
    city.case("A-WARN", "SCJG-XK-009", in_time)
    for _, ev in city.events[-len(in_time) :]:
        if ev["action"] == "approve":  # a decision states its legal basis
            ev["attributes"] = {"legal_basis": "《中华人民共和国食品安全法》第三十五条"}
    city.n += 1
    city.events.append(
        (
            local(finish, 12),
            event(city.n, case_no="A-WARN", step="complete", action="publish", at=at(local(finish, 12)),
                  item_code="SCJG-XK-009"),
        )
    )  # fmt: skip
    city.feed(every_day=True)
    with db.read() as conn:
        raised = conn.execute(select(signal_rows)).all()
        due = conn.execute(select(cases.c.legal_due).where(cases.c.case_no == "A-WARN")).scalar_one()
    assert due == legal_due
    by_case: dict[str, list[Any]] = {}
    for s in raised:
        by_case.setdefault(s.case_no, []).append(s)
    assert {s.rule_id for s in by_case["A-WARN"] if s.colour != "green"} == {"TL-LEGAL-WARN"}, [
        s.rule_id for s in by_case["A-WARN"]
    ]
    assert any(s.colour == "red" for s in by_case["A-WD"]) and any(
        s.colour == "red" for s in by_case["A-RED"]
    )
    for s in by_case["A-WD"]:
        if s.colour != "green" and s.state != "withdrawn":
            signals.move(db, s.id, SignalState.withdrawn, "监察员", "数据报送错误，摘牌")
    got = statistics.monthly(db, OCTOBER, now=END)
    assert got["handling"]["handled"] == 3
    assert got["handling"]["anomalous"] == 1, "only A-RED: A-WD's signals are withdrawn, A-WARN was warned"
    assert got["handling"]["anomaly_rate"] == pytest.approx(1 / 3)
    assert got["signals"]["by_state"]["withdrawn"] == sum(
        1 for s in by_case["A-WD"] if s.colour != "green" and in_month(s.raised_at, OCTOBER)
    )
    assert_agree(got, expected(db, OCTOBER, None))

    with (
        Desk(db) as desk,
        client_as(db, "system_supervisor", region="330000", username="chief", leader=True) as chief,
    ):
        asked = desk.department.post(
            "/api/v1/corrections", json={"case_no": "A-RED", "action": "void", "reason": "重复录入的办件"}
        )
        assert asked.status_code == 201, asked.text
        decided = chief.post(
            f"/api/v1/corrections/{asked.json()['correction_no']}/decision", json={"approve": True}
        )
        assert decided.status_code == 200, decided.text
    after = statistics.monthly(db, OCTOBER, now=END)
    assert after["handling"]["handled"] == 2 and after["handling"]["anomalous"] == 0
    assert after["handling"]["anomaly_rate"] == 0.0
    assert after["volumes"]["received"] == got["volumes"]["received"]  # received in September
    gone = sum(1 for s in by_case["A-RED"] if in_month(s.raised_at, OCTOBER))
    assert gone and after["signals"]["total"] == got["signals"]["total"] - gone
    assert_agree(after, expected(db, OCTOBER, None))


def test_figures_stay_within_the_caller_s_scope(db: Database, city: City) -> None:
    everything = statistics.monthly(db, OCTOBER, now=END)
    scopes = {
        "city 330900": (statistics_scope(db, "330900"), {"330900-SCJG", "330900-JTYS"}),
        "one department": (Scope(frozenset({"330900-JTYS"}), frozenset({"330900"})), {"330900-JTYS"}),
    }
    for name, (scope, departments) in scopes.items():
        got = statistics.monthly(db, OCTOBER, scope, now=END)
        assert_agree(got, expected(db, OCTOBER, departments))
        assert {d["department_code"] for d in got["departments"]} <= departments, name
    # A region narrows the top level's figures to its subtree; the parts add up to the whole.
    parts = [statistics.monthly(db, OCTOBER, EVERYTHING, region, now=END) for region in ("330900", "330800")]
    assert parts[0]["region"] == {"code": "330900", "name": "示范市", "level": "city"}
    for figure in ("received", "handled", "open_at_end"):
        assert parts[0]["volumes"][figure] + parts[1]["volumes"][figure] == everything["volumes"][figure]
    assert_agree(parts[1], expected(db, OCTOBER, {"330800-SCJG"}))
    # Outside the scope: 403; no such region: 404; naming the field.
    city_scope = statistics_scope(db, "330900")
    with pytest.raises(Rejected) as outside:
        statistics.monthly(db, OCTOBER, city_scope, "330800", now=END)
    assert outside.value.status == 403 and outside.value.problems[0].field == "region"
    with pytest.raises(Rejected) as unknown:
        statistics.monthly(db, OCTOBER, EVERYTHING, "999999", now=END)
    assert unknown.value.status == 404


def statistics_scope(db: Database, region: str) -> Scope:
    from jiancha.domain.access.roles import Role
    from jiancha.services.access import scope_of

    with db.read() as conn:
        return scope_of(conn, Role.e_supervisor, region, None)


def test_the_api_answers_within_scope_and_refuses_bad_months_naming_the_field(
    db: Database, city: City
) -> None:
    with (
        client_as(db, "e_supervisor", region="330900") as city_supervisor,
        client_as(db, "e_supervisor", region="330800") as sibling,
    ):
        mine = city_supervisor.get("/api/v1/statistics", params={"month": "2026-10"})
        assert mine.status_code == 200, mine.text
        assert_agree(mine.json(), expected(db, OCTOBER, {"330900-SCJG", "330900-JTYS"}))
        theirs = sibling.get("/api/v1/statistics", params={"month": "2026-10"}).json()
        assert {d["department_code"] for d in theirs["departments"]} <= {"330800-SCJG"}
        assert "330900-SCJG" not in sibling.get("/api/v1/statistics", params={"month": "2026-10"}).text
        refused = sibling.get("/api/v1/statistics", params={"month": "2026-10", "region": "330900"})
        assert refused.status_code == 403
        for bad, code in (("2026-13", 422), ("2026-1", 422), ("2999-01", 422), ("1989-12", 422)):
            r = city_supervisor.get("/api/v1/statistics", params={"month": bad})
            assert r.status_code == code, (bad, r.text)
            error = r.json()["error"]
            assert error["message_zh"] and error["message_en"]
            assert any(p["field"].endswith("month") for p in error["problems"]), error
