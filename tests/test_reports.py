"""The monthly report (电子监察月报, R-REP-1): a PDF that opens with readable Chinese text, the
month's figures, an embedded font and charts; an xlsx with the figures and charts; each kept and
its SHA-256 ledgered; made once by the worker on the first working day of the month; for those
who see the whole agency only."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, update

from jiancha.domain.statistics import Month, percent
from jiancha.domain.timeutil import LOCAL
from jiancha.services import ingest, integrity, reports, statistics
from jiancha.services.worker import Worker
from jiancha.store.database import Database
from jiancha.store.tables import ledger
from jiancha.store.tables import reports as report_rows

from .conftest import client_as, ensure_organisation, event

OCTOBER = Month(2026, 10)
AFTER = datetime(2026, 11, 3, 10, tzinfo=LOCAL).astimezone(UTC)


def some_cases(db: Database) -> None:
    """Cases of 示范市市场监督管理局 in October: some finished early, some skipping steps (red)."""
    ensure_organisation(db)
    evs: list[dict[str, object]] = []
    for k in range(6):
        start = datetime(2026, 10, 12 + k, 9, tzinfo=LOCAL)
        case_no = f"RP-{k}"
        evs.append(event(len(evs) + 1, case_no=case_no, at=start.isoformat()))
        if k % 3 == 0:  # completed two days later, skipping the steps between
            evs.append(
                event(
                    len(evs) + 1, case_no=case_no, step="complete", at=(start + timedelta(days=2)).isoformat()
                )
            )
        elif k % 3 == 1:
            for n, (step, post) in enumerate(
                [("undertake", "承办岗"), ("review", "审核岗"), ("approve", "批准岗")]
            ):
                at = (start + timedelta(hours=n + 1)).isoformat()
                evs.append(event(len(evs) + 1, case_no=case_no, step=step, post=post, at=at))
            done = (start + timedelta(hours=5)).isoformat()
            evs.append(event(len(evs) + 1, case_no=case_no, step="complete", at=done))
    result = ingest.ingest_events(
        db, ingest.validate_events(evs), now=datetime(2026, 10, 31, 12, tzinfo=LOCAL)
    )
    assert result.accepted == len(evs)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def embedded_fonts(content: bytes) -> list[tuple[str, set[str]]]:
    """(font name, the font-file keys of its descriptor) for every font the pages use."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            keys = set(descriptor.get_object().keys()) if descriptor is not None else set()
            found.append((str(font["/BaseFont"]), keys & {"/FontFile", "/FontFile2", "/FontFile3"}))
    return found


def drawn_paths(content: bytes) -> int:
    """Filled rectangles and stroked lines in the pages: the charts' bars, axes and lines."""
    count = 0
    for page in PdfReader(io.BytesIO(content)).pages:
        stream = page.get_contents().get_data().decode("latin-1")
        count += len(re.findall(r" re\b", stream)) + len(re.findall(r" l\b", stream))
    return count


def test_the_pdf_opens_with_chinese_headings_the_figures_an_embedded_font_and_charts(db: Database) -> None:
    some_cases(db)
    figures = statistics.monthly(db, OCTOBER, region="330900", now=AFTER)
    assert figures["handling"]["handled"] == 4 and figures["handling"]["anomalous"] >= 2
    made = reports.make(db, "330900", OCTOBER, "pdf", "监察员甲", now=AFTER)
    assert made.content.startswith(b"%PDF-")
    text = pdf_text(made.content)
    for heading in (
        "示范市电子监察月报",
        "2026年10月",
        "总体情况",
        "预警纠错情况",
        "各部门情况",
        "投诉处理情况",
    ):
        assert heading in text, heading
    for heading in ("近十二个月趋势", "突出问题", "测评结果", "本月绩效测评尚未发布", "统计口径"):
        assert heading in text, heading
    v, h = figures["volumes"], figures["handling"]
    summary = text.replace("\n", "")
    assert f"办结 {v['handled']} 件" in summary and f"收件 {v['received']} 件" in summary
    assert f"异常率 {percent(h['anomaly_rate'])}" in summary
    assert f"提前办结率 {percent(h['early_completion_rate'])}" in summary
    assert "示范市市场监督管理局" in text
    for rule in figures["top_rules"]:
        assert rule["rule_id"] in text
    fonts = embedded_fonts(made.content)
    assert fonts and all(files & {"/FontFile2", "/FontFile3"} for _, files in fonts), fonts
    assert all("WenQuanYi" in name for name, _ in fonts), "no font the reader's machine must supply"
    assert drawn_paths(made.content) > 60, "bars, axes and lines of the charts"


def test_the_scores_section_shows_the_month_s_scores_when_given(db: Database) -> None:
    some_cases(db)
    scores = [
        {
            "department_code": "330900-SCJG",
            "department_name": "示范市市场监督管理局",
            "score": 96.5,
            "rank": 1,
        },
        {"department_code": "330900-JTYS", "department_name": "示范市交通运输局", "score": 88.25, "rank": 2},
    ]
    made = reports.make(db, "330900", OCTOBER, "pdf", "监察员甲", scores=scores, now=AFTER)
    text = pdf_text(made.content)
    assert "96.5" in text and "88.2" in text and "示范市交通运输局" in text
    assert "本月绩效测评尚未发布" not in text
    book = load_workbook(
        io.BytesIO(reports.make(db, "330900", OCTOBER, "xlsx", "x", scores=scores, now=AFTER).content)
    )
    rows = list(book["测评结果"].iter_rows(min_row=2, values_only=True))
    assert rows == [
        (1, "330900-SCJG", "示范市市场监督管理局", 96.5),
        (2, "330900-JTYS", "示范市交通运输局", 88.25),
    ]


def test_the_xlsx_opens_with_the_figures_and_charts(db: Database) -> None:
    some_cases(db)
    figures = statistics.monthly(db, OCTOBER, region="330900", now=AFTER)
    made = reports.make(db, "330900", OCTOBER, "xlsx", "监察员甲", now=AFTER)
    book = load_workbook(io.BytesIO(made.content))
    assert book.sheetnames[:2] == ["概况", "各部门"] and "趋势" in book.sheetnames
    cover = {r[0]: r[1] for r in book["概况"].iter_rows(values_only=True) if r and r[0]}
    assert cover["办结（件）"] == figures["volumes"]["handled"]
    assert cover["收件（件）"] == figures["volumes"]["received"]
    assert cover["异常件（件）"] == figures["handling"]["anomalous"]
    assert cover["异常率"] == pytest.approx(figures["handling"]["anomaly_rate"])
    assert cover["提前办结率"] == pytest.approx(figures["handling"]["early_completion_rate"])
    departments = list(book["各部门"].iter_rows(min_row=2, values_only=True))
    assert [(d[0], d[4]) for d in departments] == [
        (d["department_code"], d["handled"]) for d in figures["departments"]
    ]
    trend = list(book["趋势"].iter_rows(min_row=2, values_only=True))
    assert [t[0] for t in trend] == [str(m) for m in OCTOBER.trailing()]
    assert trend[-1][2] == figures["handling"]["handled"]
    assert len(book["趋势"]._charts) == 2 and len(book["各部门"]._charts) == 1


def test_a_report_is_kept_with_its_hash_in_the_ledger_and_handed_out_again(db: Database) -> None:
    some_cases(db)
    with client_as(db, "e_supervisor", region="330900") as city:
        r = city.get(
            "/api/v1/reports/monthly", params={"agency": "330900", "month": "2026-10", "format": "pdf"}
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        digest = hashlib.sha256(r.content).hexdigest()
        assert r.headers["x-report-sha256"] == digest
        with db.read() as conn:
            entry = conn.execute(
                select(ledger.c.kind, ledger.c.payload).where(ledger.c.seq == int(r.headers["x-ledger-seq"]))
            ).one()
        record = orjson.loads(bytes(entry.payload))
        assert entry.kind == "report" and record["sha256"] == digest and record["agency_region"] == "330900"
        again = city.get("/api/v1/reports/monthly", params={"agency": "330900", "month": "2026-10"})
        assert again.content == r.content, "a month that has ended: the report kept is handed out"
        xlsx = city.get(
            "/api/v1/reports/monthly", params={"agency": "330900", "month": "2026-10", "format": "xlsx"}
        )
        assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxml")
        load_workbook(io.BytesIO(xlsx.content))
        kept = city.get("/api/v1/reports", params={"agency": "330900"}).json()["reports"]
        assert sorted(k["format"] for k in kept) == ["pdf", "xlsx"] and digest in {k["sha256"] for k in kept}
    with db.read() as conn:
        stored = conn.execute(
            select(report_rows.c.content).where(report_rows.c.sha256 == digest)
        ).scalar_one()
    assert bytes(stored) == r.content
    # `jiancha verify` hashes every report kept again: one altered behind the platform's back fails.
    assert integrity.check(db).ok
    with db.write() as conn:
        conn.execute(
            update(report_rows).where(report_rows.c.sha256 == digest).values(content=r.content + b"%")
        )
    broken = integrity.check(db)
    assert not broken.ok and "report 330900/2026-10/pdf" in broken.describe()


def test_only_those_who_see_the_whole_agency_get_its_report(db: Database) -> None:
    some_cases(db)
    query = {"agency": "330900", "month": "2026-10", "format": "pdf"}
    with (
        client_as(db, "e_supervisor", region="330800") as sibling,
        client_as(db, "post_user", department="330900-SCJG") as official,
        client_as(db, "e_supervisor", region="330000", username="province") as province,
    ):
        assert sibling.get("/api/v1/reports/monthly", params=query).status_code == 403
        refused = official.get("/api/v1/reports/monthly", params=query)
        assert refused.status_code == 403 and refused.json()["error"]["problems"][0]["field"] == "agency"
        assert official.get("/api/v1/reports", params={"agency": "330900"}).json()["reports"] == []
        unknown = province.get("/api/v1/reports/monthly", params={**query, "agency": "999999"})
        assert unknown.status_code == 404
        bad = province.get("/api/v1/reports/monthly", params={**query, "format": "docx"})
        assert bad.status_code == 422
        future = province.get("/api/v1/reports/monthly", params={**query, "month": "2199-01"})
        assert future.status_code == 422 and future.json()["error"]["problems"][0]["field"] == "month"
        assert province.get("/api/v1/reports/monthly", params=query).status_code == 200
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(report_rows)).scalar_one() == 1


def test_the_worker_makes_last_month_s_reports_on_the_first_working_day_once(db: Database) -> None:
    """October 2026 begins with the National Day holiday (1–7 October, 8 October a working day):
    September's reports are due from 8 October, for the top level (the province) and each city."""
    ensure_organisation(db)
    holiday = datetime(2026, 10, 7, 17, tzinfo=LOCAL).astimezone(UTC)
    at = datetime(2026, 10, 8, 0, 30, tzinfo=LOCAL).astimezone(UTC)
    with db.read() as conn:
        assert reports.first_working_day(conn, OCTOBER) == date(2026, 10, 8)
        assert reports.first_working_day(conn, Month(2026, 11)) == date(2026, 11, 2)  # 1 Nov is a Sunday
        assert reports.agencies(conn) == ["330000", "330800", "330900"]
    assert reports.due(db, holiday) is None
    assert reports.make_due(db, holiday) == 0
    assert reports.due(db, at) == Month(2026, 9)
    assert reports.make_due(db, at) == 6
    assert reports.make_due(db, at + timedelta(minutes=1)) == 0, "once"
    assert reports.make_due(db, at + timedelta(days=5)) == 0
    with db.read() as conn:
        kept = conn.execute(
            select(report_rows.c.agency_region, report_rows.c.month, report_rows.c.format)
        ).all()
        entries = conn.execute(select(func.count()).where(ledger.c.kind == "report")).scalar_one()
    assert sorted(kept) == [
        (a, "2026-09", f) for a in ("330000", "330800", "330900") for f in ("pdf", "xlsx")
    ]
    assert entries == 6
    worker = Worker(db)
    worker.reports()  # the real clock: a month whose reports are all made already, or made now, once
    made_now = reports.due(db)
    if made_now is not None:
        worker.reports()
        with db.read() as conn:
            count = conn.execute(
                select(func.count()).where(
                    report_rows.c.month == str(made_now), report_rows.c.format == "pdf"
                )
            ).scalar_one()
        assert count == 3


def test_the_command_makes_the_report_files(database_url: str, tmp_path: Path) -> None:
    from .test_cli import run

    run(database_url, "db", "upgrade")
    db = Database(database_url)
    try:
        ensure_organisation(db)
    finally:
        db.dispose()
    out = tmp_path / "out"
    done = run(
        database_url, "report", "monthly", "--agency", "330900", "--month", "2026-10", "--out", str(out)
    )
    pdf, xlsx = out / "jiancha-monthly-330900-2026-10.pdf", out / "jiancha-monthly-330900-2026-10.xlsx"
    assert "示范市电子监察月报" in pdf_text(pdf.read_bytes())
    load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() in done.stdout
    bad = run(database_url, "report", "monthly", "--agency", "330900", "--month", "2026/10", check=False)
    assert bad.returncode == 2 and "--month" in bad.stderr
    unknown = run(database_url, "report", "monthly", "--agency", "999", "--month", "2026-10", check=False)
    assert unknown.returncode == 2 and "999" in unknown.stderr
    figures = orjson.loads(run(database_url, "report", "statistics", "--month", "2026-10").stdout)
    assert figures["month"] == "2026-10" and figures["volumes"]["received"] == 0


def test_a_running_month_s_report_asked_again_the_same_day_is_not_made_again(db: Database) -> None:
    some_cases(db)
    during = datetime(2026, 10, 31, 12, tzinfo=LOCAL).astimezone(UTC)
    first = reports.monthly(db, "330900", OCTOBER, "pdf", "监察员甲", now=during)
    again = reports.monthly(db, "330900", OCTOBER, "pdf", "监察员乙", now=during + timedelta(hours=2))
    assert (again.ledger_seq, again.sha256) == (first.ledger_seq, first.sha256)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(report_rows)).scalar_one() == 1
    after = reports.monthly(db, "330900", OCTOBER, "pdf", "监察员甲", now=AFTER)
    assert after.complete and after.ledger_seq != first.ledger_seq, "the finished month is made anew"


def test_every_rule_family_has_its_chinese_name_in_the_report() -> None:
    from jiancha.domain.rules.families import FAMILIES, WATCHES

    assert {*FAMILIES, *WATCHES, "escalation", "notice", "complaint"} <= set(statistics.FAMILY_ZH)


def test_the_worker_makes_every_agency_s_report_a_few_agencies_a_tick(db: Database) -> None:
    """Counties have supervision agencies too: theirs are made after the top level and the cities,
    over the following ticks, so that one tick never holds the sweep for long."""
    from jiancha.services import organisation

    from .conftest import ORGANISATION

    ensure_organisation(db)
    county = {"code": "330902", "name": "东湖区", "level": "county", "parent_code": "330900"}
    organisation.save(
        db, organisation.parse({**ORGANISATION, "regions": [*ORGANISATION["regions"], county]}), by="test"
    )
    with db.read() as conn:
        assert reports.agencies(conn) == ["330000", "330800", "330900", "330902"]
    at = datetime(2026, 10, 8, 0, 30, tzinfo=LOCAL).astimezone(UTC)
    assert reports.make_due(db, at, per_tick=3) == 6
    assert reports.make_due(db, at + timedelta(minutes=1), per_tick=3) == 2, "the county's, next tick"
    assert reports.make_due(db, at + timedelta(minutes=2), per_tick=3) == 0
