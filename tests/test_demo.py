"""`jiancha demo` loads through the real services: cases with due dates, an intact ledger."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from jiancha.domain.supervision.notices import NoticeKind
from jiancha.services import accountability, complaints, evaluation, integrity, notices
from jiancha.services.calendar import seed_from_package
from jiancha.services.demo import load_demo
from jiancha.services.queries import CaseFilter, list_cases
from jiancha.store.database import Database
from jiancha.store.tables import cases, departments, item_versions


def test_the_demo_loads_once_with_due_dates_and_current_steps(empty_db: Database) -> None:
    seed_from_package(empty_db)
    summary = load_demo(empty_db, 400)
    assert summary.startswith("demo loaded")
    # 400 made; on days the demo idles one county's item (R-EVD-2), that item's cases stay away.
    shown = re.search(r"(\d+) cases", summary)
    assert shown is not None and 300 < int(shown.group(1)) <= 400
    assert (int(shown.group(1)) < 400) == ("item None idle" not in summary)
    with empty_db.read() as conn:
        kept = conn.execute(select(func.count()).select_from(cases)).scalar_one()
        assert kept == int(shown.group(1))
        assert conn.execute(select(func.count()).select_from(departments)).scalar_one() >= 18
        assert conn.execute(select(func.count()).select_from(item_versions)).scalar_one() >= 55
        statuses = dict(conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all())  # type: ignore[arg-type]
    assert statuses.get("completed", 0) > 250 and statuses.get("open", 0) > 0
    total, rows = list_cases(empty_db, CaseFilter(status="open"), limit=5)
    assert total == statuses["open"]
    assert all(r["legal_due"] for r in rows)
    # A case registered whose events its system has not sent yet (late delivery) has no step.
    assert all(r["current_step"] for r in rows if r["last_event_at"])
    assert integrity.check(empty_db).ok
    assert load_demo(empty_db, 400).startswith("demo already loaded")
    # Corrections (R-AUD-2): two approved and applied, two waiting for the top-level leader.
    assert "corrections: approved 2, requested 2" in summary
    assert statuses.get("voided") == 1
    # Last month's evaluation is published, and follows from its sources (R-EVA-2).
    assert "evaluation of " in summary and " published" in summary
    month = summary.split("evaluation of ")[1].split(" ")[0]
    archived, again = evaluation.reproduce(empty_db, "330900", month)
    assert archived == again and len(archived["departments"]) >= 18


def test_the_demo_shows_every_family_in_every_colour_with_explanations(empty_db: Database) -> None:
    from jiancha.domain.rules.families import FAMILIES, WATCHES
    from jiancha.services.packs import load
    from jiancha.store.tables import signals

    seed_from_package(empty_db)
    load_demo(empty_db, 3000)
    with empty_db.read() as conn:
        rows = conn.execute(
            select(signals.c.family, signals.c.colour, signals.c.state, signals.c.explanation)
        ).all()
    # Every family the demo's pack uses; `sequence` is the imported logs' (it-road-fines) alone.
    unused = {*FAMILIES, *WATCHES} - {r.family for r in load("default").every_rule}
    assert unused == {"sequence"}
    assert {r.family for r in rows} >= {*FAMILIES, *WATCHES, "escalation", "notice"} - unused
    assert {r.colour for r in rows} == {"green", "yellow", "red"}
    assert all(r.explanation["rule"] and r.explanation["article"] for r in rows)
    # Departments answered most of them; some are still waiting, and some were escalated.
    states = {r.state for r in rows}
    assert {"open", "rectified", "explained", "withdrawn", "fault_confirmed"} <= states
    # Supervision notices: reported, closed, extended, and one never reported (flagged).
    total, shown = notices.list_notices(empty_db, kind=NoticeKind.supervise)
    assert total == 6 and {n["state"] for n in shown} == {"issued", "reported", "closed"}
    assert any(n["extensions"] == 1 for n in shown)
    # Measures (R-SUP-1) of every kind: answered and closed, sent back, one never answered.
    _, measures = notices.list_notices(empty_db, limit=1000)
    assert {n["kind"] for n in measures} == set(NoticeKind)
    assert {n["state"] for n in measures if n["kind"] == "stop"} == {"issued"}
    assert any(n["kind"] == "explain" and n["state"] == "issued" for n in measures), "sent back, waits"
    with empty_db.read() as conn:
        flagged = conn.execute(select(signals.c.subject).where(signals.c.rule_id == "NT-MEASURE-OVERDUE"))
        assert sorted(s for (s,) in flagged) == sorted(
            f"notice:{n['notice_no']}@{n['due_on']}"
            for n in measures
            if n["kind"] != "supervise" and n["state"] == "issued"
        ), "the measure never answered, and the explanation sent back, are flagged by the clock"
    # The departments were told of their notices, the supervisors of the complaints.
    from jiancha.store.tables import outbox

    with empty_db.read() as conn:
        told = {(r.kind, r.recipient) for r in conn.execute(select(outbox.c.kind, outbox.c.recipient))}
    assert {("notice", "role:handler"), ("complaint", "role:supervisor")} <= told
    # Complaints from the public, and accountability recorded for some confirmed faults.
    assert complaints.list_complaints(empty_db)[0] >= 1
    assert accountability.list_records(empty_db)[0] >= 1
    # Patrols of the last ten working days, a reviewed sample, ratings.
    from jiancha.store.tables import patrols, ratings, sample_findings

    with empty_db.read() as conn:
        for table in (patrols, ratings, sample_findings):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() > 0, table.name
    assert integrity.check(empty_db).ok
