"""Performance evaluation (绩效测评, R-EVA-1/2; 深圳 2007 §16-20): daily running and monthly scores of
departments and officials from a scheme of deductions and additions, each point with its reason and
source; a published month archived in the ledger, never changed, reproducible from its sources;
corrections as attributed adjustments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from jiancha.domain.access.scope import EVERYTHING
from jiancha.domain.rules.lifecycle import SignalState
from jiancha.services import access, complaints, evaluation, ingest, integrity, packs, satisfaction, signals
from jiancha.services.access import Caller
from jiancha.store.database import Database
from jiancha.store.tables import evaluations, ledger
from jiancha.store.tables import signals as signal_rows

from .conftest import PASSWORD, client_as, drop_ledger_triggers, ensure_organisation, event
from .test_cli import events_file, run, with_catalogue

OWNER = "330900-SCJG"
SCHEME = packs.load("default").evaluation  # the scheme the test departments are judged by
WARNINGS = set(packs.load("default").warnings_only())


def oct_(day: int, hour: int = 9) -> datetime:
    """An instant in October 2026, at a local hour."""
    return datetime(2026, 10, day, hour - 8, tzinfo=UTC)


def everyone() -> Caller:
    return Caller(None, "test", "test", EVERYTHING)


def october(db: Database) -> None:
    """张三 handles C-1 skipping two steps (signals); 李四 completes C-2 the day it came in."""
    ensure_organisation(db)
    c1 = [
        event(1, case_no="C-1", at="2026-10-12T09:00:00+08:00"),
        event(2, case_no="C-1", step="approve", post="批准岗", at="2026-10-13T09:00:00+08:00"),
    ]
    c2 = [
        event(n, case_no="C-2", step=step, post=post, actor="李四", at=f"2026-10-12T{9 + n:02d}:00:00+08:00")
        for n, (step, post) in enumerate(
            [
                ("accept", "受理岗"),
                ("undertake", "承办岗"),
                ("review", "审核岗"),
                ("approve", "批准岗"),
                ("complete", "受理岗"),
            ],
            start=3,
        )
    ]
    ingest.ingest_events(db, ingest.validate_events(c1 + c2), now=oct_(14))


def expected_deductions(db: Database, as_of: datetime) -> dict[str, Decimal]:
    """The department's deductions recounted from the signals table in plain Python: each signal
    once, by family, legal overdue rule or colour; withdrawn ones (by `as_of`) cost nothing."""
    with db.read() as conn:
        rows = conn.execute(select(signal_rows).where(signal_rows.c.department_code == OWNER)).all()
    withdrawn = {
        s["id"] for s in signals.list_signals(db, signals.SignalFilter(state="withdrawn"), 1000, 0)[1]
    }
    out: dict[str, Decimal] = {}
    for r in rows:
        if not (oct_(1, 8) <= r.raised_at < datetime(2026, 10, 31, 16, tzinfo=UTC)) or r.recorded_at > as_of:
            continue
        if r.id in withdrawn or r.rule_id in WARNINGS:
            continue  # withdrawn, or an early warning (the case still on time): no cost
        if r.family in SCHEME.reporting_families:
            reason = "late_reporting"
        elif r.rule_id == "TL-LEGAL-OVERDUE":
            reason = "overdue_case"
        elif r.colour in ("red", "yellow"):
            reason = f"{r.colour}_signal"
        else:
            continue
        out[reason] = out.get(reason, Decimal(0)) - getattr(SCHEME.deductions, reason)
    return out


def scores_of(result: dict[str, Any], code: str = OWNER) -> dict[str, Any]:
    return next(d for d in result["departments"] if d["department_code"] == code)


def test_the_score_is_the_base_less_each_deduction_plus_additions_each_with_its_source(db: Database) -> None:
    october(db)
    result = evaluation.running(db, "2026-10", everyone(), "330900")
    mine = scores_of(result)
    recount = expected_deductions(db, datetime.now(UTC))
    assert recount, "the scenario raises signals"
    for reason, points in recount.items():
        assert Decimal(mine["by_reason"][reason]["points"]) == points, reason
    # C-2 was completed the day it came in, before its promised day: all the early-completion points.
    assert mine["by_reason"]["early_completion"] == {
        "count": None,
        "basis": "rate:1/1",
        "points": f"{SCHEME.additions.early_completion:.2f}",
        "sources": mine["by_reason"]["early_completion"]["sources"],
    }
    assert Decimal(mine["score"]) == SCHEME.base + sum(recount.values()) + SCHEME.additions.early_completion
    # A department with nothing against it keeps the base, and ranks first at its level.
    other = scores_of(result, "330900-JTYS")
    assert Decimal(other["score"]) == SCHEME.base and other["rank"] == 1 and mine["rank"] == 2
    # Every point names its reason and source; together they make the score.
    listed = evaluation.points_of(db, "2026-10", everyone(), OWNER)["points"]
    assert all(p["reason"] and p["source"] for p in listed)
    assert SCHEME.base + sum(Decimal(p["points"]) for p in listed) == Decimal(mine["score"])
    assert {p["source"].split(":")[0] for p in listed} == {"signal", "rate"}
    # The officials: C-1's signals are 张三's, C-2's completion (and its signals) 李四's.
    officials = {o["official"]: o for o in result["officials"]}
    assert set(officials) == {"张三", "李四"}
    zhang = evaluation.points_of(db, "2026-10", everyone(), OWNER, "张三")["points"]
    assert zhang and all(p["official"] == "张三" for p in zhang)
    assert "early_completion" in officials["李四"]["by_reason"]
    assert "early_completion" not in officials["张三"]["by_reason"]


def test_the_running_score_counts_what_was_known_each_day(db: Database) -> None:
    october(db)
    _, found = signals.list_signals(db, signals.SignalFilter(case_no="C-1", colour="red"), 10, 0)
    signals.move(db, int(found[0]["id"]), SignalState.withdrawn, "监察员甲", "系统误报", now=oct_(20))
    submitted = complaints.submit(
        db,
        complaints.parse(
            {"department_code": OWNER, "case_no": "C-1", "content": "超期未办", "anonymous": True}
        ),
        now=oct_(15),
    )
    no = submitted["complaint_no"]
    complaints.decide(db, no, True, "受理", "监察员甲", now=oct_(15, 10))
    complaints.result(db, no, "已整改", "科长乙", now=oct_(16))
    complaints.verdict(db, no, True, "经核查属实", "监察员甲", now=oct_(22))
    satisfaction.revisit(
        db,
        satisfaction.RevisitIn(case_no="C-2", channel="phone", score=5, comment="满意"),
        now=oct_(23),
    )

    def on(day: int) -> Decimal:
        return Decimal(
            scores_of(evaluation.running(db, "2026-10", everyone(), "330900", date(2026, 10, day)))["score"]
        )

    assert on(13) == SCHEME.base, "the events of the 12th and 13th were received on the 14th"
    before = on(19)
    assert on(20) == before + SCHEME.deductions.red_signal, "a withdrawn signal costs nothing from then"
    assert on(22) == on(21) - SCHEME.deductions.upheld_complaint, "an upheld complaint costs its points"
    assert on(23) == on(22) + SCHEME.additions.satisfaction, "a 5 from a revisit gives all the points"
    points = evaluation.points_of(db, "2026-10", everyone(), OWNER)["points"]
    assert {"reason": "upheld_complaint", "source": f"complaint:{no}"} in [
        {"reason": p["reason"], "source": p["source"]} for p in points
    ]


@pytest.fixture
def leader(db: Database) -> Iterator[TestClient]:
    with client_as(db, "system_supervisor", region="330900", username="city.chief", leader=True) as c:
        yield c


def test_a_published_month_is_archived_reproducible_and_corrected_only_by_adjustments(
    db: Database, leader: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    october(db)
    with client_as(db, "e_supervisor", region="330900", username="clerk") as clerk:
        r = clerk.post("/api/v1/evaluation/publish", json={"region": "330900", "month": "2026-10"})
        assert r.status_code == 403, "an agency's leader publishes"
    assert (
        leader.post("/api/v1/evaluation/publish", json={"region": "330900", "month": "2026-11"}).status_code
        == 409
    )
    r = leader.post("/api/v1/evaluation/publish", json={"region": "330900", "month": "2026-10"})
    assert r.status_code == 201, r.text
    archive = r.json()
    mine = next(d for d in archive["departments"] if d["department_code"] == OWNER)
    assert mine["score"] == mine["published_score"] and mine["by_reason"]
    again = leader.post("/api/v1/evaluation/publish", json={"region": "330900", "month": "2026-10"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_published"

    # After publication: a signal withdrawn, a late event of October arriving. The archive stays,
    # and recomputing as of its instant gives it exactly.
    _, found = signals.list_signals(db, signals.SignalFilter(case_no="C-1", colour="red"), 10, 0)
    signals.move(db, int(found[0]["id"]), SignalState.withdrawn, "监察员甲", "系统误报")
    ingest.ingest_events(
        db, ingest.validate_events([event(9, case_no="C-3", step="approve", at="2026-10-20T09:00:00+08:00")])
    )
    published, recomputed = evaluation.reproduce(db, "330900", "2026-10")
    assert published == recomputed
    # The scheme changes afterwards: the month still recomputes by the one it was published under.
    harsher = tmp_path / "harsher.yaml"
    text = (Path(packs.__file__).parent.parent / "packs" / "default.yaml").read_text(encoding="utf-8")
    assert "    red_signal: 2\n" in text
    harsher.write_text(text.replace("    red_signal: 2\n", "    red_signal: 5\n"), encoding="utf-8")
    monkeypatch.setenv("JIANCHA_PACK", str(harsher))
    assert evaluation.reproduce(db, "330900", "2026-10") == (published, recomputed)
    harsh = scores_of(evaluation.running(db, "2026-10", everyone(), "330900"))
    assert Decimal(harsh["score"]) < Decimal(mine["score"]), "today's scheme is harsher"
    monkeypatch.delenv("JIANCHA_PACK")
    assert evaluation.running(db, "2026-10", everyone(), "330900") != recomputed, "today's figures moved on"
    with db.read() as conn:
        seq = conn.execute(select(evaluations.c.ledger_seq)).scalar_one()
        entry = conn.execute(select(ledger.c.kind, ledger.c.payload).where(ledger.c.seq == seq)).one()
    assert entry.kind == "evaluation" and orjson.loads(entry.payload)["results"] == published

    # A correction is an adjustment beside the archive, attributed and ledgered.
    adjusted = leader.post(
        "/api/v1/evaluation/adjustments",
        json={
            "region": "330900",
            "month": "2026-10",
            "department_code": OWNER,
            "points": "2.5",
            "reason": "红色纠错经复核系误报，予以更正",
        },
    )
    assert adjusted.status_code == 201, adjusted.text
    after = next(d for d in adjusted.json()["departments"] if d["department_code"] == OWNER)
    assert Decimal(after["score"]) == Decimal(mine["score"]) + Decimal("2.5")
    assert after["published_score"] == mine["score"]
    assert adjusted.json()["adjustments"][0]["by"] == "city.chief"
    zhang = next(o for o in archive["officials"] if o["official"] == "张三")
    for_zhang = leader.post(
        "/api/v1/evaluation/adjustments",
        json={
            "region": "330900",
            "month": "2026-10",
            "department_code": OWNER,
            "official": "张三",
            "points": "-1",
            "reason": "复核发现另有一处超期未报",
        },
    ).json()
    now_zhang = next(o for o in for_zhang["officials"] if o["official"] == "张三")
    assert Decimal(now_zhang["score"]) == Decimal(zhang["score"]) - 1
    assert now_zhang["published_score"] == zhang["score"]
    nobody = leader.post(
        "/api/v1/evaluation/adjustments",
        json={
            "region": "330900",
            "month": "2026-10",
            "department_code": OWNER,
            "official": "王五",
            "points": "1",
            "reason": "无此人",
        },
    )
    assert nobody.status_code == 422 and nobody.json()["error"]["problems"][0]["field"] == "official"
    # The public sees the ranking, not the officials nor the reasons' detail.
    public = TestClient(leader.app, base_url="https://testserver")
    shown = public.get("/api/v1/public/evaluation", params={"region": "330900", "month": "2026-10"}).json()
    assert {d["department_code"] for d in shown["departments"]} == {OWNER, "330900-JTYS"}
    assert "officials" not in shown and "张三" not in str(shown) and "by_reason" not in str(shown)
    assert integrity.check(db).ok, integrity.check(db).describe()

    drop_ledger_triggers(db)
    with db.write() as conn:  # someone quietly improves the archive
        row = conn.execute(select(evaluations)).one()
        better = {
            **row.results,
            "departments": [{**d, "score": "100.00"} for d in row.results["departments"]],
        }
        conn.execute(update(evaluations).values(results=better))
    report = integrity.check(db)
    assert not report.ok and "published evaluation" in report.describe()


def test_a_department_sees_its_rank_among_all_not_among_itself(db: Database, leader: TestClient) -> None:
    october(db)
    leader.post("/api/v1/evaluation/publish", json={"region": "330900", "month": "2026-10"})
    with client_as(db, "post_user", department=OWNER) as own:
        shown = own.get("/api/v1/evaluation/published", params={"region": "330900", "month": "2026-10"})
    assert [(d["department_code"], d["rank"]) for d in shown.json()["departments"]] == [(OWNER, 2)]


def test_department_users_see_their_own_scores_only(db: Database) -> None:
    october(db)
    with (
        client_as(db, "post_user", department=OWNER) as own,
        client_as(db, "post_user", department="330900-JTYS") as other,
    ):
        mine = own.get("/api/v1/evaluation/scores", params={"month": "2026-10"}).json()
        assert [d["department_code"] for d in mine["departments"]] == [OWNER]
        theirs = other.get("/api/v1/evaluation/scores", params={"month": "2026-10"}).json()
        assert [d["department_code"] for d in theirs["departments"]] == ["330900-JTYS"]
        assert theirs["officials"] == []
        r = other.get("/api/v1/evaluation/points", params={"month": "2026-10", "department": OWNER})
        assert r.status_code == 404
        bad = own.get("/api/v1/evaluation/scores", params={"month": "2026-13"})
        assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["field"] == "month"
    signed = access.sign_in(db, "post_user.330900.SCJG", PASSWORD)
    assert signed.caller.department_code == OWNER


def test_the_command_shows_the_scores_and_finds_a_month_no_longer_following_from_its_sources(
    database_url: str, tmp_path: Path
) -> None:
    with_catalogue(database_url, tmp_path)
    run(database_url, "import", str(events_file(tmp_path, 12)))  # September: signals for 330900-SCJG
    db = Database(database_url)
    ensure_organisation(db)
    client_as(db, "system_supervisor", region="330900", username="city.chief", leader=True).close()
    chief = access.sign_in(db, "city.chief", PASSWORD).caller
    evaluation.publish(db, "330900", "2026-09", chief)
    shown = run(database_url, "evaluation", "show", "--month", "2026-09", "--region", "330900").stdout
    lines = [line.split("\t") for line in shown.splitlines()]
    assert {(line[0], line[3]) for line in lines} == {("city", OWNER), ("city", "330900-JTYS")}
    assert Decimal(next(line[2] for line in lines if line[3] == OWNER)) < SCHEME.base
    assert run(
        database_url, "evaluation", "verify", "--month", "2026-09", "--region", "330900"
    ).stdout.startswith("OK")
    with db.write() as conn:  # the signals quietly moved to August behind the platform's back
        conn.execute(update(signal_rows).values(raised_at=datetime(2026, 8, 1, tzinfo=UTC)))
    db.dispose()
    broken = run(
        database_url, "evaluation", "verify", "--month", "2026-09", "--region", "330900", check=False
    )
    assert broken.returncode == 1 and "DIFFERS" in broken.stderr


def test_the_monthly_report_carries_the_published_scores(db: Database, leader: TestClient) -> None:
    from jiancha.domain.statistics import Month
    from jiancha.services import reports

    from .test_reports import pdf_text

    october(db)
    before = reports.monthly(db, "330900", Month(2026, 10), "pdf", "监察员甲")
    assert "本月绩效测评尚未发布" in pdf_text(before.content)
    published = leader.post(
        "/api/v1/evaluation/publish", json={"region": "330900", "month": "2026-10"}
    ).json()
    after = reports.monthly(db, "330900", Month(2026, 10), "pdf", "监察员甲")
    assert after.sha256 != before.sha256, "the report kept before publication is made again"
    text = pdf_text(after.content)
    assert "本月绩效测评尚未发布" not in text
    mine = next(d for d in published["departments"] if d["department_code"] == OWNER)
    assert f"{Decimal(mine['score']):.2f}".rstrip("0").rstrip(".") in text and "示范市交通运输局" in text
    again = reports.monthly(db, "330900", Month(2026, 10), "pdf", "监察员甲")
    assert again.sha256 == after.sha256, "and kept from then on"
