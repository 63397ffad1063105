"""The monthly report (电子监察月报, R-REP-1; Sichuan 2014 §13): per agency (a region and the
regions below it), as PDF or xlsx. Each report made is kept as it was given out, its SHA-256
written to the ledger (`kind = report`); a report of a month that had ended is handed out again
as it was, and the worker makes last month's for every agency from the first working day of each
month, once, a few agencies a tick."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.statistics import Month
from jiancha.domain.timeutil import iso_local, iso_utc, local_date, start_of_local_day, utcnow
from jiancha.services import evaluation, statistics
from jiancha.services.report_content import Report
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import evaluation_adjustments, evaluations, regions, reports

log = logging.getLogger(__name__)
FORMATS = ("pdf", "xlsx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
WORKER = "系统（月报）"


@dataclass(frozen=True)
class Made:
    """A report as stored: its file and where the ledger holds its hash."""

    agency_region: str
    month: str
    format: str
    content: bytes
    sha256: str
    made_at: datetime
    made_by: str
    complete: bool
    ledger_seq: int

    @property
    def filename(self) -> str:
        return f"jiancha-monthly-{self.agency_region}-{self.month}.{self.format}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def check_format(fmt: str, field: str = "format") -> str:
    if fmt not in FORMATS:
        zh, en = f"格式应为 pdf 或 xlsx：{fmt!r}", f"{field} must be pdf or xlsx: {fmt!r}"
        raise Rejected("bad_format", zh, en, [Problem("bad_format", field, zh, en)])
    return fmt


def _agency(db: Database, agency: str, scope: Scope) -> statistics.Area:
    """The agency's area; the report is for those who see all of it (403 otherwise, 404 for a
    region that does not exist)."""
    with db.read() as conn:
        area = statistics.area(conn, scope, agency, field="agency")
        whole = statistics.area(conn, EVERYTHING, agency, field="agency")
    if not statistics.covers(scope, whole):
        zh = f"{agency} 的月报涵盖您权限以外的部门"
        en = f"the report of {agency} covers departments outside your scope"
        raise Rejected("out_of_scope", zh, en, [Problem("out_of_scope", "agency", zh, en)], status=403)
    return area


def make(
    db: Database,
    agency: str,
    month: Month,
    fmt: str,
    by: str,
    scope: Scope = EVERYTHING,
    scores: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
    only_if_missing: bool = False,
) -> Made:
    """Make the agency's report of `month`, keep it and ledger its hash. `scores` are the month's
    department scores (测评结果: department_code, department_name, score, rank), if published.
    With `only_if_missing`, a complete report already kept wins (two workers make it once)."""
    (made,) = make_formats(db, agency, month, (fmt,), by, scope, scores, now, only_if_missing)
    return made


def make_formats(
    db: Database,
    agency: str,
    month: Month,
    formats: Sequence[str],
    by: str,
    scope: Scope = EVERYTHING,
    scores: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
    only_if_missing: bool = False,
) -> list[Made]:
    """`make` in several formats from one computation of the figures."""
    now = now or utcnow()
    for fmt in formats:
        check_format(fmt)
    area = _agency(db, agency, scope)
    if scores is None:  # the month's evaluation, once the agency has published it (R-EVA-2)
        scores = evaluation.published_scores(db, agency, str(month))
    figures = statistics.monthly(db, month, area.scope, agency, now=now)
    report = Report(figures, agency, area.region_name, now, by, list(scores or []))
    return [_keep(db, agency, month, fmt, _render(report, fmt), by, now, only_if_missing) for fmt in formats]


def _render(report: Report, fmt: str) -> bytes:
    if fmt == "pdf":
        from jiancha.services import report_pdf

        return report_pdf.render(report)
    from jiancha.services import report_xlsx

    return report_xlsx.render(report)


def _keep(
    db: Database,
    agency: str,
    month: Month,
    fmt: str,
    content: bytes,
    by: str,
    now: datetime,
    only_if_missing: bool,
) -> Made:
    """Keep a report made and ledger its hash, in one transaction."""
    digest = hashlib.sha256(content).hexdigest()
    complete = now >= month.end
    with db.write() as conn:
        lock(conn)  # orders the makers: a second worker sees the first one's report
        if only_if_missing:
            kept = _latest(conn, agency, month, fmt)
            if kept is not None:
                return kept
        record = {
            "v": 1,
            "action": "make",
            "agency_region": agency,
            "month": str(month),
            "format": fmt,
            "sha256": digest,
            "size": len(content),
            "complete": complete,
            "by": by,
            "at": iso_utc(now),
        }
        (seq,) = append(conn, [Entry("report", f"report:{agency}/{month}/{fmt}", record)], now)
        conn.execute(
            insert(reports).values(
                agency_region=agency,
                month=str(month),
                format=fmt,
                content=content,
                size=len(content),
                sha256=digest,
                made_at=now,
                made_by=by,
                complete=complete,
                ledger_seq=seq,
            )
        )
    return Made(agency, str(month), fmt, content, digest, now, by, complete, seq)


def _latest(conn: Connection, agency: str, month: Month, fmt: str) -> Made | None:
    """The newest report kept of a month that had ended when it was made — and, once the month's
    evaluation is published, made after it and its last adjustment, so that the report carries the
    scores as they stand."""
    published_at = conn.execute(
        select(func.max(func.coalesce(evaluation_adjustments.c.at, evaluations.c.published_at)))
        .select_from(evaluations)
        .outerjoin(evaluation_adjustments, evaluation_adjustments.c.evaluation_id == evaluations.c.id)
        .where(evaluations.c.region_code == agency, evaluations.c.month == month.first_day)
    ).scalar()
    row = conn.execute(
        select(reports)
        .where(
            reports.c.agency_region == agency,
            reports.c.month == str(month),
            reports.c.format == fmt,
            reports.c.complete.is_(True),
        )
        .order_by(reports.c.made_at.desc(), reports.c.id.desc())
        .limit(1)
    ).first()
    if row is None or (published_at is not None and row.made_at < published_at):
        return None
    return _as_made(row)


def _as_made(row: Any) -> Made:
    return Made(
        row.agency_region,
        row.month,
        row.format,
        bytes(row.content),
        row.sha256,
        row.made_at,
        row.made_by,
        bool(row.complete),
        int(row.ledger_seq),
    )


def monthly(
    db: Database,
    agency: str,
    month: Month,
    fmt: str,
    by: str,
    scope: Scope = EVERYTHING,
    scores: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Made:
    """The report as the API hands it out: the one kept for a month that has ended, else a new one
    (kept and ledgered as well)."""
    check_format(fmt)
    _agency(db, agency, scope)
    now = now or utcnow()
    with db.read() as conn:
        running = now < month.end
        kept = _made_today(conn, agency, month, fmt, now) if running else _latest(conn, agency, month, fmt)
    if kept is not None:
        return kept
    return make(db, agency, month, fmt, by, scope, scores, now, only_if_missing=True)


def _made_today(conn: Connection, agency: str, month: Month, fmt: str, now: datetime) -> Made | None:
    """A running month's report made earlier the same local day: asking again does not make (and
    ledger) another one."""
    day_start = start_of_local_day(local_date(now))
    row = conn.execute(
        select(reports)
        .where(
            reports.c.agency_region == agency,
            reports.c.month == str(month),
            reports.c.format == fmt,
            reports.c.made_at >= day_start,
        )
        .order_by(reports.c.made_at.desc(), reports.c.id.desc())
        .limit(1)
    ).first()
    return _as_made(row) if row is not None else None


def listing(
    db: Database, scope: Scope, agency: str | None = None, month: Month | None = None
) -> list[dict[str, Any]]:
    """The reports kept, for the agencies the caller sees whole."""
    with db.read() as conn:
        query = select(
            reports.c.agency_region,
            reports.c.month,
            reports.c.format,
            reports.c.size,
            reports.c.sha256,
            reports.c.made_at,
            reports.c.made_by,
            reports.c.complete,
            reports.c.ledger_seq,
        )
        if agency is not None:
            query = query.where(reports.c.agency_region == agency)
        if month is not None:
            query = query.where(reports.c.month == str(month))
        rows = conn.execute(query.order_by(reports.c.made_at.desc(), reports.c.id.desc()).limit(500)).all()
        visible = {a for a in {r.agency_region for r in rows} if _sees(conn, scope, a)}
    return [
        {
            "agency_region": r.agency_region,
            "month": r.month,
            "format": r.format,
            "size": r.size,
            "sha256": r.sha256,
            "made_at": iso_local(r.made_at),
            "made_by": r.made_by,
            "complete": bool(r.complete),
            "ledger_seq": r.ledger_seq,
        }
        for r in rows
        if r.agency_region in visible
    ]


def _sees(conn: Connection, scope: Scope, agency: str) -> bool:
    try:
        return statistics.covers(scope, statistics.area(conn, EVERYTHING, agency))
    except Rejected:
        return False


# -- the worker: last month's reports on the first working day of the month -------------------------


def first_working_day(conn: Connection, month: Month) -> date:
    calendar = calendar_store.load(conn)
    day = month.first_day
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def agencies(conn: Connection) -> list[str]:
    """The agencies whose report the worker makes: every region's (each level has its supervision
    agency), the top level first, then the cities, then the counties."""
    rows = conn.execute(select(regions.c.code, regions.c.parent_code, regions.c.level)).all()
    order = {"province": 1, "city": 2, "county": 3}
    return [
        str(r.code)
        for r in sorted(rows, key=lambda r: (r.parent_code is not None, order.get(r.level, 4), r.code))
    ]


def due(db: Database, now: datetime | None = None) -> Month | None:
    """The month whose reports are due now: last month's, from the first working day of this one."""
    now = now or utcnow()
    today = local_date(now)
    this = Month.of(today)
    with db.read() as conn:
        if today < first_working_day(conn, this):
            return None
    return this.previous()


def make_due(db: Database, now: datetime | None = None, per_tick: int = 4) -> int:
    """Make the reports due and not yet kept, `per_tick` agencies a call (a province's counties are
    made over the following ticks, so the sweep is never held for long); returns how many were
    made. Safe to run on every tick and by several workers: a report kept already is not made
    again."""
    now = now or utcnow()
    month = due(db, now)
    if month is None:
        return 0
    made = 0
    with db.read() as conn:
        wanted = [
            (agency, fmt)
            for agency in agencies(conn)
            for fmt in FORMATS
            if _latest(conn, agency, month, fmt) is None
        ]
    by_agency: dict[str, list[str]] = {}
    for agency, fmt in wanted:
        by_agency.setdefault(agency, []).append(fmt)
    for agency, formats in list(by_agency.items())[:per_tick]:
        for result in make_formats(db, agency, month, formats, WORKER, now=now, only_if_missing=True):
            made += result.made_at == now and result.made_by == WORKER
    if made:
        log.info("reports: %d monthly reports of %s made", made, month)
    return made
