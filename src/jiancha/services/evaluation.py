"""Performance evaluation (绩效测评, R-EVA-1/2; 深圳 2007 §16-20).

Each department and each official of a region starts the month from the scheme's base (the pack's
`evaluation` section, domain/evaluation.py). Deductions and additions are found in SQL, each with its
reason and its source:

- a signal raised in the month counts once, under its most specific reason: a late or missing data
  report (its family is a reporting one), an overdue case (the pack's legal-limit overdue rule),
  else a red or a yellow signal; unless it was withdrawn (a wrong signal costs nothing);
- a complaint the agency found upheld (查实) in the month; a supervisory sample's finding that a case
  was not handled as it should have been;
- additions: the share of cases completed in the month before their promised day, and the average
  satisfaction rating given in the month.

A signal, a finding or a rating is put on the official who last acted on the case before it; a
completion on the official who completed it. Every figure is computed **as of** an instant, from
what was known then, so a month's scores can be computed every day while it runs (the daily running
score) and recomputed later exactly as they were published (R-EVA-2: a published month is archived
in the ledger and never changes; corrections come after it as attributed adjustments).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, insert, null, or_, select
from sqlalchemy.sql.elements import ColumnElement

from jiancha.domain.access.scope import EVERYTHING, Scope, subtree
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.evaluation import (
    CENT,
    DEDUCTIONS,
    REASON_ZH,
    EvaluationRules,
    Point,
    Reason,
    early_completion_points,
    ranks,
    satisfaction_points,
    score,
    sources_digest,
)
from jiancha.domain.rules.pack import Pack
from jiancha.domain.statistics import Month
from jiancha.domain.timeutil import iso_local, iso_utc, start_of_local_day, utcnow
from jiancha.services import packs
from jiancha.services.access import Caller
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.sql import local_day
from jiancha.store.tables import (
    cases,
    complaints,
    departments,
    evaluation_adjustments,
    evaluations,
    events,
    ratings,
    regions,
    sample_findings,
    signal_transitions,
    signals,
)


@dataclass(frozen=True)
class Period:
    """A month, counted as of an instant: what happened in the month and was known by `as_of`."""

    month: Month
    as_of: datetime

    @property
    def start(self) -> datetime:
        return self.month.start

    @property
    def until(self) -> datetime:
        return min(self.month.end, self.as_of)

    @property
    def label(self) -> str:
        return str(self.month)


def _as_of(day: date | None) -> datetime:
    """The end of `day` (or now, if sooner or no day is given): what a running score counts."""
    now = utcnow()
    return min(now, start_of_local_day(day + timedelta(days=1))) if day else now


# -- the units evaluated ---------------------------------------------------------------------------


def _units(conn: Connection, region: str | None, scope: Scope) -> dict[str, Any]:
    """The departments of `region` and below (None: every one) within the caller's scope, with their
    names, regions and levels."""
    query = select(departments.c.code, departments.c.name, departments.c.region_code, regions.c.level).join(
        regions, regions.c.code == departments.c.region_code
    )
    if region is not None:
        parents = {str(c): p for c, p in conn.execute(select(regions.c.code, regions.c.parent_code))}
        if region not in parents:
            raise Rejected("not_found", "地区不存在", f"region {region} not found", status=404)
        query = query.where(departments.c.region_code.in_(sorted(subtree(region, parents))))
    rows = conn.execute(query.where(scope.restrict(departments.c.code)).order_by(departments.c.code))
    return {r.code: r for r in rows}


def _region_in_scope(region: str, who: Caller) -> None:
    if who.scope.regions is not None and region not in who.scope.regions:
        raise Rejected(
            "out_of_scope", f"{region} 不在您的权限范围内", f"{region} is outside your scope", status=403
        )


# -- the points ------------------------------------------------------------------------------------


def _official_at(instant: Any, case_id: Any, as_of: datetime) -> Any:
    """The official who last acted on the case at or before `instant`, as known by `as_of`."""
    return (
        select(events.c.actor)
        .where(
            events.c.case_id == case_id,
            events.c.occurred_at <= instant,
            events.c.received_at <= as_of,
            events.c.voided.is_(False),
        )
        .order_by(events.c.occurred_at.desc(), events.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Judging:
    """What a department is scored by: its pack's scheme, which rules say a case is overdue, and
    which are early warnings (a case still on time: they cost nothing). Archived with a published
    month, so that the month recomputes by the scheme it was published under."""

    rules: EvaluationRules
    overdue: frozenset[str]
    warnings: frozenset[str]

    @classmethod
    def of(cls, pack: Pack) -> Judging:
        return cls(pack.evaluation, pack.overdue_rules(), frozenset(pack.warnings_only()))

    def record(self) -> dict[str, Any]:
        return {
            "rules": self.rules.model_dump(mode="json"),
            "overdue": sorted(self.overdue),
            "warnings": sorted(self.warnings),
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Judging:
        rules = EvaluationRules.model_validate(rec["rules"])
        return cls(rules, frozenset(rec["overdue"]), frozenset(rec["warnings"]))


def judgings(conn: Connection, codes: list[str]) -> dict[str, Judging]:
    return {code: Judging.of(pack) for code, pack in packs.for_departments(conn, codes).items()}


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.until)


def collect(
    conn: Connection, period: Period, codes: list[str], judges: dict[str, Judging]
) -> tuple[list[Point], dict[tuple[str, str | None], dict[Reason, tuple[int, int]]]]:
    """The deductions of the departments `codes` in the period, and the figures their additions
    rest on: {(department, official or None for the department as a whole): {reason: (n, of)}}."""
    rules = {code: judges[code].rules for code in codes}
    reporting = sorted({f for r in rules.values() for f in r.reporting_families})
    points: list[Point] = []
    if not codes:
        return points, {}

    withdrawn = exists().where(
        signal_transitions.c.signal_id == signals.c.id,
        signal_transitions.c.to_state == "withdrawn",
        signal_transitions.c.at <= period.as_of,
    )
    found = conn.execute(
        select(
            signals.c.id,
            signals.c.department_code,
            signals.c.rule_id,
            signals.c.family,
            signals.c.colour,
            signals.c.raised_at,
            _official_at(signals.c.raised_at, signals.c.case_id, period.as_of).label("official"),
        ).where(
            signals.c.department_code.in_(codes),
            _in(signals.c.raised_at, period),
            signals.c.recorded_at <= period.as_of,
            or_(signals.c.colour.in_(["red", "yellow"]), signals.c.family.in_(reporting)),
            ~withdrawn,
        )
    )
    for s in found:
        judge = judges[s.department_code]
        scheme = judge.rules
        if s.rule_id in judge.warnings:
            continue  # an early warning: the case is still on time
        if s.family in scheme.reporting_families:
            reason = Reason.late_reporting
        elif s.rule_id in judge.overdue:
            reason = Reason.overdue_case
        elif s.colour in ("red", "yellow"):
            reason = Reason.red_signal if s.colour == "red" else Reason.yellow_signal
        else:
            continue
        points.append(
            Point(
                s.department_code,
                s.official,
                reason,
                scheme.per_occurrence(reason),
                f"signal:{s.id}",
                s.raised_at,
            )
        )

    upheld = select(
        complaints.c.complaint_no.label("ref"),
        complaints.c.department_code,
        null().label("official"),  # a complaint is about the department
        complaints.c.verdict_at.label("at"),
    ).where(
        complaints.c.department_code.in_(codes),
        complaints.c.upheld.is_(True),
        _in(complaints.c.verdict_at, period),
    )
    findings = (
        select(
            sample_findings.c.id.label("ref"),
            cases.c.department_code,
            _official_at(sample_findings.c.at, cases.c.id, period.as_of).label("official"),
            sample_findings.c.at,
        )
        .join(cases, cases.c.case_no == sample_findings.c.case_no)
        .where(
            cases.c.department_code.in_(codes),
            cases.c.voided.is_(False),
            sample_findings.c.compliant.is_(False),
            _in(sample_findings.c.at, period),
        )
    )
    for reason, query, prefix in (
        (Reason.upheld_complaint, upheld, "complaint"),
        (Reason.sample_finding, findings, "finding"),
    ):
        for r in conn.execute(query):
            per = rules[r.department_code].per_occurrence(reason)
            points.append(Point(r.department_code, r.official, reason, per, f"{prefix}:{r.ref}", r.at))
    return points, _addition_figures(conn, period, codes)


def _addition_figures(
    conn: Connection, period: Period, codes: list[str]
) -> dict[tuple[str, str | None], dict[Reason, tuple[int, int]]]:
    """(early, completed) and (sum of ratings, ratings) per department and per official."""
    figures: dict[tuple[str, str | None], dict[Reason, tuple[int, int]]] = defaultdict(dict)

    def add(key: tuple[str, str | None], reason: Reason, n: int, of: int) -> None:
        had = figures[key].get(reason, (0, 0))
        figures[key][reason] = (had[0] + n, had[1] + of)

    # A completion counts once the event that completed the case was known.
    known = exists().where(
        events.c.case_id == cases.c.id,
        events.c.occurred_at == cases.c.completed_at,
        events.c.received_at <= period.as_of,
        events.c.voided.is_(False),
    )
    completed = (
        select(
            cases.c.department_code,
            _official_at(cases.c.completed_at, cases.c.id, period.as_of).label("official"),
            case((local_day(cases.c.completed_at) < cases.c.promised_due, 1), else_=0).label("early"),
        )
        .where(
            cases.c.department_code.in_(codes),
            cases.c.voided.is_(False),
            _in(cases.c.completed_at, period),
            known,
        )
        .subquery()
    )
    for r in conn.execute(
        select(
            completed.c.department_code, completed.c.official, func.count(), func.sum(completed.c.early)
        ).group_by(completed.c.department_code, completed.c.official)
    ):
        for key in _and_official(r.department_code, r.official):
            add(key, Reason.early_completion, int(r[3] or 0), int(r[2]))

    rated = (
        select(
            ratings.c.department_code,
            _official_at(ratings.c.at, ratings.c.case_id, period.as_of).label("official"),
            ratings.c.score,
        )
        .join(cases, cases.c.id == ratings.c.case_id)
        .where(ratings.c.department_code.in_(codes), cases.c.voided.is_(False), _in(ratings.c.at, period))
        .subquery()
    )
    for r in conn.execute(
        select(rated.c.department_code, rated.c.official, func.count(), func.sum(rated.c.score)).group_by(
            rated.c.department_code, rated.c.official
        )
    ):
        for key in _and_official(r.department_code, r.official):
            add(key, Reason.satisfaction, int(r[3] or 0), int(r[2]))
    return figures


def _and_official(department: str, official: str | None) -> list[tuple[str, str | None]]:
    """A figure counts for the department, and for its official when one is known."""
    return [(department, None)] + ([(department, official)] if official else [])


def _additions(
    scheme: EvaluationRules, key: tuple[str, str | None], figures: dict[Reason, tuple[int, int]], at: datetime
) -> list[Point]:
    out = []
    early, completed = figures.get(Reason.early_completion, (0, 0))
    if completed:
        out.append(
            Point(
                key[0],
                key[1],
                Reason.early_completion,
                early_completion_points(scheme, completed, early),
                f"rate:{early}/{completed}",
                at,
            )
        )
    total, rated = figures.get(Reason.satisfaction, (0, 0))
    if rated:
        out.append(
            Point(
                key[0],
                key[1],
                Reason.satisfaction,
                satisfaction_points(scheme, rated, total),
                f"ratings:{total}/{rated}",
                at,
            )
        )
    return out


# -- the scores ------------------------------------------------------------------------------------


def _summary(scheme: EvaluationRules, points: list[Point]) -> dict[str, Any]:
    by_reason: dict[str, Any] = {}
    for reason in Reason:
        mine = [p for p in points if p.reason is reason]
        if not mine:
            continue
        by_reason[reason.value] = {
            "count": len(mine) if reason in DEDUCTIONS else None,
            "basis": None if reason in DEDUCTIONS else mine[0].source,
            "points": str(sum((p.points for p in mine), Decimal(0)).quantize(CENT)),
            "sources": sources_digest(p.source for p in mine),
        }
    return {"score": str(score(scheme, (p.points for p in points))), "by_reason": by_reason}


def evaluate(
    conn: Connection,
    region: str | None,
    period: Period,
    scope: Scope,
    archived: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The month's scores of the departments (ranked within their level) and officials (ranked
    within their department) of `region`, as of the period's instant. With `archived` (a published
    result), the departments and the schemes are those it was published with."""
    if archived is None:
        units = {
            code: {"name": r.name, "region_code": r.region_code, "level": r.level}
            for code, r in _units(conn, region, scope).items()
        }
        judges = judgings(conn, list(units))
    else:
        units = {d["department_code"]: d for d in archived["departments"]}
        judges = {code: Judging.from_record(d["scheme"]) for code, d in units.items()}
    codes = list(units)
    points, figures = collect(conn, period, codes, judges)
    at = period.until
    by_department: dict[str, list[Point]] = defaultdict(list)
    by_official: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for p in points:
        by_department[p.department_code].append(p)
        if p.official:
            by_official[(p.department_code, p.official)].append(p)
    for (code, official), figure in figures.items():
        extra = _additions(judges[code].rules, (code, official), figure, at)
        if official is None:
            by_department[code].extend(extra)
        else:
            by_official[(code, official)].extend(extra)

    out_departments = []
    for code, unit in units.items():
        scheme = judges[code].rules
        out_departments.append(
            {
                "department_code": code,
                "name": unit["name"],
                "region_code": unit["region_code"],
                "level": unit["level"],
                "base": str(scheme.base),
                "scheme": judges[code].record(),
                **_summary(scheme, by_department[code]),
            }
        )
    _rank(out_departments, "level", "department_code")
    out_officials = []
    for (code, official), mine in sorted(by_official.items()):
        scheme = judges[code].rules
        out_officials.append({"department_code": code, "official": official, **_summary(scheme, mine)})
    _rank(out_officials, "department_code", "official")
    return {
        "v": 1,
        "region": region,
        "month": period.label,
        "as_of": iso_utc(period.as_of),
        "departments": out_departments,
        "officials": out_officials,
    }


def _rank(units: list[dict[str, Any]], among: str, key: str) -> None:
    """Rank each unit by score among those sharing its `among` (departments: their level; officials:
    their department)."""
    for group in {u[among] for u in units}:
        same = {u[key]: Decimal(u["score"]) for u in units if u[among] == group}
        placed = ranks(same)
        for u in units:
            if u[among] == group:
                u["rank"] = placed[u[key]]


def running(
    db: Database, month: str, who: Caller, region: str | None = None, day: date | None = None
) -> dict[str, Any]:
    """The daily running scores: the month so far, as of the end of `day` (default: now)."""
    period = Period(Month.parse(month), _as_of(day))
    if region is not None:
        _region_in_scope(region, who)
    with db.read() as conn:
        return evaluate(conn, region, period, who.scope)


def points_of(
    db: Database,
    month: str,
    who: Caller,
    department: str,
    official: str | None = None,
    day: date | None = None,
) -> dict[str, Any]:
    """Every point of a department (or one of its officials) with its reason and source."""
    period = Period(Month.parse(month), _as_of(day))
    if not who.scope.has_department(department):
        raise Rejected("not_found", "部门不存在", f"department {department} not found", status=404)
    with db.read() as conn:
        judges = judgings(conn, [department])
        points, figures = collect(conn, period, [department], judges)
    mine = [p for p in points if official is None or p.official == official]
    figure = figures.get((department, official), {})
    mine += _additions(judges[department].rules, (department, official), figure, period.until)
    return {
        "department_code": department,
        "official": official,
        "month": period.label,
        "as_of": iso_local(period.as_of),
        "points": [
            {
                "reason": p.reason.value,
                "reason_zh": REASON_ZH[p.reason],
                "points": str(p.points.quantize(CENT)),
                "source": p.source,
                "official": p.official,
                "at": iso_local(p.at),
            }
            for p in sorted(mine, key=lambda p: (p.at, p.source))
        ],
    }


# -- publication and the archive (R-EVA-2) ---------------------------------------------------------


def publish(
    db: Database, region: str, month: str, who: Caller, now: datetime | None = None
) -> dict[str, Any]:
    """Publish a finished month's scores of `region`: archived, and the same record in the ledger;
    never again for that region and month."""
    now = now or utcnow()
    _leader_of(region, who)
    period = Period(Month.parse(month), now)
    if now < period.month.end:
        raise Rejected(
            "month_not_over", "月份尚未结束，不能发布", f"{period.label} is not over yet", status=409
        )
    with db.write() as conn:
        lock(conn)
        if _archived(conn, region, period.month) is not None:
            raise Rejected(
                "already_published",
                f"{period.label} 的测评结果已发布，不再更改（可另行调整）",
                f"the scores of {period.label} are published and never change (adjust them instead)",
                status=409,
            )
        results = evaluate(conn, region, period, who.scope)
        record = {"v": 1, "action": "publish", "by": who.label, "at": iso_utc(now), "results": results}
        (seq,) = append(conn, [Entry("evaluation", f"evaluation:{region}/{period.label}", record)], now)
        conn.execute(
            insert(evaluations).values(
                region_code=region,
                month=period.month.first_day,
                as_of=now,
                published_at=now,
                published_by=who.label,
                results=results,
                ledger_seq=seq,
            )
        )
    return published(db, region, month, who)


def adjust(
    db: Database,
    region: str,
    month: str,
    department: str,
    points: Decimal,
    reason: str,
    who: Caller,
    official: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A correction of a published month: a new, attributed entry beside the archive (which stays)."""
    now = now or utcnow()
    _leader_of(region, who)
    first = Month.parse(month)
    with db.write() as conn:
        lock(conn)
        row = _archived(conn, region, first)
        if row is None:
            raise Rejected(
                "not_published",
                "该月测评结果尚未发布",
                f"the scores of {month} are not published",
                status=409,
            )
        codes = {d["department_code"] for d in row.results["departments"]}
        named = {(o["department_code"], o["official"]) for o in row.results["officials"]}
        if official is not None and (department, official) not in named:
            raise Rejected(
                "unknown_official",
                f"{official} 不在该次测评的 {department} 人员中",
                f"{official} was not evaluated in {department} in {month}",
                [Problem("unknown_official", "official", "人员不在该次测评中", "not evaluated")],
            )
        if department not in codes:
            raise Rejected(
                "unknown_department",
                f"部门 {department} 不在该次测评中",
                f"department {department} was not evaluated in {month}",
                [Problem("unknown_department", "department_code", "部门不在该次测评中", "not evaluated")],
            )
        record = {
            "v": 1,
            "action": "adjust",
            "department_code": department,
            "official": official,
            "points": f"{points:.2f}",
            "reason": reason,
            "by": who.label,
            "at": iso_utc(now),
        }
        (seq,) = append(conn, [Entry("evaluation", f"evaluation:{region}/{month}", record)], now)
        conn.execute(
            insert(evaluation_adjustments).values(
                evaluation_id=row.id,
                department_code=department,
                official=official,
                points=points,
                reason=reason,
                by=who.label,
                at=now,
                ledger_seq=seq,
            )
        )
    return published(db, region, month, who)


def published(db: Database, region: str, month: str, who: Caller | None = None) -> dict[str, Any]:
    """The archive of a month as published, its adjustments, and the scores and ranks after them.
    `who` None: the public's view — the departments only."""
    first = Month.parse(month)
    with db.read() as conn:
        row = _archived(conn, region, first)
        if row is None:
            raise _not_published(month)
        adjustments = conn.execute(
            select(evaluation_adjustments)
            .where(evaluation_adjustments.c.evaluation_id == row.id)
            .order_by(evaluation_adjustments.c.id)
        ).all()
    results = row.results

    def adjusted(score: str, code: str, official: str | None) -> str:
        mine = [a.points for a in adjustments if a.department_code == code and a.official == official]
        return str((Decimal(score) + sum((Decimal(p) for p in mine), Decimal(0))).quantize(CENT))

    # Final scores and ranks over the whole archive, then cut to what the caller may see.
    final = [
        {
            "department_code": d["department_code"],
            "name": d["name"],
            "level": d["level"],
            "published_score": d["score"],
            "published_rank": d["rank"],
            "score": adjusted(d["score"], d["department_code"], None),
            **({"by_reason": d["by_reason"]} if who is not None else {}),
        }
        for d in results["departments"]
    ]
    _rank(final, "level", "department_code")
    officials = [
        {
            **o,
            "published_score": o["score"],
            "published_rank": o["rank"],
            "score": adjusted(o["score"], o["department_code"], o["official"]),
        }
        for o in results["officials"]
    ]
    _rank(officials, "department_code", "official")
    shown = [d for d in final if who is None or who.scope.has_department(d["department_code"])]
    if not shown:
        raise _not_published(month)
    final = shown
    out: dict[str, Any] = {
        "region": region,
        "month": month,
        "as_of": iso_local(row.as_of),
        "published_at": iso_local(row.published_at),
        "published_by": row.published_by,
        "ledger_seq": row.ledger_seq,
        "departments": final,
    }
    if who is not None:
        visible = {d["department_code"] for d in shown}
        out["officials"] = [o for o in officials if o["department_code"] in visible]
        out["adjustments"] = [
            {
                "department_code": a.department_code,
                "official": a.official,
                "points": str(a.points),
                "reason": a.reason,
                "by": a.by,
                "at": iso_local(a.at),
                "ledger_seq": a.ledger_seq,
            }
            for a in adjustments
            if a.department_code in visible
        ]
    return out


def published_scores(db: Database, region: str, month: str) -> list[dict[str, Any]]:
    """The published month's departments (final score and rank) for the monthly report's 测评结果;
    empty when the month is not published for the region."""
    try:
        shown = published(db, region, month)
    except Rejected:
        return []
    return [
        {
            "department_code": d["department_code"],
            "department_name": d["name"],
            "score": float(d["score"]),  # a number in the report's table and sheet
            "rank": d["rank"],
        }
        for d in sorted(shown["departments"], key=lambda d: (d["level"], d["rank"]))
    ]


def reproduce(db: Database, region: str, month: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what was published, what its sources give today as of the same instant): equal unless a
    source was changed afterwards behind the platform's back (or by an approved correction)."""
    first = Month.parse(month)
    with db.read() as conn:
        row = _archived(conn, region, first)
        if row is None:
            raise _not_published(month)
        again = evaluate(conn, region, Period(first, row.as_of), EVERYTHING, archived=row.results)
    return dict(row.results), again


def _not_published(month: str) -> Rejected:
    return Rejected(
        "not_found", "该月测评结果尚未发布", f"the scores of {month} are not published", status=404
    )


def _archived(conn: Connection, region: str, month: Month) -> Any:
    return conn.execute(
        select(evaluations).where(evaluations.c.region_code == region, evaluations.c.month == month.first_day)
    ).first()


def _leader_of(region: str, who: Caller) -> None:
    """Publishing and adjusting are an agency leader's, for its region or one below it."""
    _region_in_scope(region, who)
    if not who.leader or who.department_code is not None:
        raise Rejected(
            "not_the_leader",
            "测评结果由监察机关负责人发布和调整",
            "an agency's leader publishes and adjusts the scores",
            status=403,
        )
