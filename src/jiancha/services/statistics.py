"""Statistics of a month (统计分析, R-REP-3, the figures of the monthly report R-REP-1), computed
in SQL and restricted in SQL to the caller's scope (and to a region's subtree when one is asked).

Definitions (docs/architecture.md, "Statistics and the monthly report"); a month is local time:
- received / accepted: cases whose first event / acceptance falls in the month;
- handled (办结): cases finished in the month — completed, or rejected (不予受理、不予许可);
- open at the month's end: received before its end and not finished before it;
- anomalous (异常): handled cases with at least one yellow or red signal (纠错) — not an early
  warning of a deadline (a pack rule with `escalates: false`) and not withdrawn (摘牌) — whenever
  it was raised; anomaly rate = anomalous / handled (R-REP-3);
- early completion (提前办结): handled on a local day before the promised due day (after any
  suspension); early-completion rate = early / handled; overdue handled: after the legal due day;
- signals: raised (the instant the condition arose) in the month, by colour, family, state,
  department and rule; top problems are the rules raised most;
- complaints: received in the month, decided in it (accepted or not), resulted in it;
- trend: the same headline figures for each of the 12 months ending with this one.
Voided cases (an approved correction, R-AUD-2) and their signals count nowhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    and_,
    case,
    cast,
    exists,
    func,
    not_,
    null,
    or_,
    select,
    true,
)

from jiancha.domain.access.scope import EVERYTHING, Scope, subtree
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.monitors import MONITORS
from jiancha.domain.statistics import TREND_MONTHS, Month, rate
from jiancha.domain.timeutil import iso_local, utcnow
from jiancha.services import packs
from jiancha.store.database import Database
from jiancha.store.tables import cases, complaints, departments, regions, signals

COLOURS = ("red", "yellow", "green")
TOP_RULES = 10
FAMILY_ZH = {
    "time_limit": "办理时限",
    "procedure": "办理程序",
    "materials": "材料证据",
    "legal_basis": "法律依据",
    "discretion": "自由裁量",
    "fees": "收费",
    "item_status": "事项状态",
    "execution": "执行",
    "disclosure": "结果公开",
    "late_entry": "数据迟报",
    "born_completed": "办结才报",
    "same_instant": "同一时刻",
    "silent_feed": "数据中断",
    "idle_item": "事项零办件",
    "escalation": "升级（黄转红）",
    "notice": "督办",
    "complaint": "投诉",
    "not_published": "应公开未公开",
    "late_published": "变更公开超时限",
    "published_differs": "公开内容不一致",
    "unequal_treatment": "同案不同罚",
    "procurement_red_flag": "招标采购风险",
    "vehicle_use": "公务用车",
    "sequence": "环节先后与间隔",
    **{family: m.zh for family, m in MONITORS.items()},  # R-MON-4..10, named by their monitors
}
COLOUR_ZH = {"red": "红色", "yellow": "黄色", "green": "绿色"}
STATE_ZH = {
    "open": "待处理",
    "explained": "已说明",
    "rectified": "已整改",
    "fault_confirmed": "确认过错",
    "withdrawn": "已摘牌",
    "closed": "已办结",
}


@dataclass(frozen=True)
class Area:
    """What the figures cover: a region's subtree (or everything the caller sees), as the scope
    whose `restrict` goes into every query, and the departments' names."""

    region_code: str | None
    region_name: str
    region_level: str | None
    scope: Scope
    names: dict[str, str]  # department code -> name, for the departments in the area


def area(conn: Connection, scope: Scope, region: str | None, field: str = "region") -> Area:
    """The caller's scope, narrowed to `region`'s subtree. An unknown region is 404; a region the
    caller's scope does not reach is 403."""
    tree = {
        r.code: r
        for r in conn.execute(select(regions.c.code, regions.c.name, regions.c.level, regions.c.parent_code))
    }
    homes = dict(conn.execute(select(departments.c.code, departments.c.region_code)).all())
    names = dict(conn.execute(select(departments.c.code, departments.c.name)).all())
    if region is None:
        wanted = set(names) if scope.departments is None else set(scope.departments)
        return Area(None, "全部", None, scope, {c: names.get(c, c) for c in wanted})
    if region not in tree:
        zh, en = f"区划 {region} 不存在", f"no region {region}"
        raise Rejected("not_found", zh, en, [Problem("not_found", field, zh, en)], status=404)
    if scope.regions is not None and region not in scope.regions:
        zh, en = f"{region} 不在您的权限范围内", f"{region} is outside your scope"
        raise Rejected("out_of_scope", zh, en, [Problem("out_of_scope", field, zh, en)], status=403)
    inside = subtree(region, {c: r.parent_code for c, r in tree.items()})
    wanted = {d for d, home in homes.items() if home in inside}
    if scope.departments is not None:
        wanted &= scope.departments
    row = tree[region]
    return Area(
        region, str(row.name), str(row.level), Scope(frozenset(wanted), inside), {c: names[c] for c in wanted}
    )


def covers(scope: Scope, a: Area) -> bool:
    """Whether `scope` sees every department of the area (an agency's report is for those who do)."""
    return scope.departments is None or (a.scope.departments or frozenset()) <= scope.departments


# -- the SQL pieces ---------------------------------------------------------------------------------


def local_day(conn: Connection, column: Any) -> ColumnElement[Any]:
    """The local (Asia/Shanghai) date of a stored UTC instant, in SQL. SQLite keeps naive UTC text
    and has no time zones: China has kept +08:00 without summer time since 1991."""
    if conn.dialect.name == "postgresql":
        return cast(func.timezone("Asia/Shanghai", column), Date)
    return func.date(column, "+8 hours")


def within(column: Any, month: Month) -> ColumnElement[bool]:
    return and_(column >= month.start, column < month.end)


def early_warnings() -> dict[str, tuple[str, ...]]:
    """Per pack, the rules whose yellow is an early warning of a deadline (`escalates: false`)."""
    found = {p.pack: p for p in (packs.load(n) for n in packs.shipped())}
    found[packs.active().pack] = packs.active()
    return {name: p.warnings_only() for name, p in sorted(found.items()) if p.warnings_only()}


def anomaly_signal() -> ColumnElement[bool]:
    """A signal that makes its case anomalous: yellow or red (纠错), not an early warning of a
    deadline, not withdrawn (摘牌)."""
    warnings = [
        and_(signals.c.pack == name, signals.c.rule_id.in_(ids)) for name, ids in early_warnings().items()
    ]
    return and_(
        signals.c.colour.in_(("yellow", "red")),
        signals.c.state != "withdrawn",
        not_(or_(*warnings)) if warnings else true(),
    )


def anomalous_case() -> ColumnElement[bool]:
    return exists().where(signals.c.case_id == cases.c.id, anomaly_signal())


def _counted(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bucket(column: Any, months: Sequence[Month]) -> Any:
    """Which of `months` an instant falls in (0 the oldest); NULL outside them (or no instant)."""
    return case(
        (column < months[0].start, null()),
        *((column < m.end, k) for k, m in enumerate(months)),
        else_=null(),
    )


def _live_case(scope: Scope) -> list[ColumnElement[bool]]:
    return [cases.c.voided.is_(False), scope.restrict(cases.c.department_code)]


def signal_in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """Signals of the scope, not about a voided case (a signal about a subject has no case). The
    voided cases are few, found through a partial index: no join with every case."""
    voided = select(cases.c.id).where(cases.c.id == signals.c.case_id, cases.c.voided)
    return [scope.restrict(signals.c.department_code), or_(signals.c.case_id.is_(None), ~exists(voided))]


def _for_reporting(conn: Connection) -> None:
    """PostgreSQL, for this transaction: no JIT compilation (it cost half a second a query and saved
    nothing on these aggregations of a million rows), and memory enough to group them in a hash
    table instead of sorting them on disk."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")


# -- the figures ------------------------------------------------------------------------------------


def monthly(
    db: Database,
    month: Month,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The month's figures for the caller's scope (narrowed to `region`'s subtree), and the trend of
    the 12 months ending with it: three grouped scans (cases, anomalous cases, signals) serve both."""
    now = now or utcnow()
    if month.start > now:
        zh, en = f"{month} 尚未开始", f"the month {month} has not begun"
        raise Rejected("bad_month", zh, en, [Problem("bad_month", "month", zh, en)])
    months = month.trailing(TREND_MONTHS)
    with db.read() as conn:
        _for_reporting(conn)
        a = area(conn, scope, region)
        case_groups = _case_groups(conn, a.scope, months)
        anomalous = _anomalous_groups(conn, a.scope, months)
        signal_groups = _signal_groups(conn, a.scope, months)
        complaint_rows = _complaints_by_department(conn, a.scope, month)
    last = len(months) - 1
    by_department: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((*VOLUMES, *HANDLING), 0))
    trend = [dict.fromkeys(("received", "handled", "early", "anomalous", *COLOURS), 0) for _ in months]
    for g in case_groups:
        n, figures = int(g["n"]), by_department[g["department_code"]]
        received, finished = g["received"], g["finished"]
        if received is not None:
            trend[received]["received"] += n
        if finished is not None:
            trend[finished]["handled"] += n
            trend[finished]["early"] += int(g["early"])
        figures["received"] += n if received == last else 0
        figures["accepted"] += int(g["accepted"])
        if finished == last:
            figures["handled"] += n
            figures[g["status"] if g["status"] in ("completed", "rejected") else "completed"] += n
            figures["early"] += int(g["early"])
            figures["overdue"] += int(g["overdue"])
        elif finished is None:
            figures["open_at_end"] += n
    for department, finished, n in anomalous:
        trend[finished]["anomalous"] += n
        if finished == last:
            by_department[department]["anomalous"] += n
    for g in signal_groups:
        if g["colour"] in COLOURS:
            trend[g["k"]][g["colour"]] += int(g["n"])
    this_month = [g for g in signal_groups if g["k"] == last]
    trend_rows = [
        {
            "month": str(m),
            **r,
            "signals": sum(r[c] for c in COLOURS),
            "anomaly_rate": rate(r["anomalous"], r["handled"]),
            "early_completion_rate": rate(r["early"], r["handled"]),
        }
        for m, r in zip(months, trend, strict=True)
    ]
    return _assemble(month, a, now, by_department, this_month, complaint_rows, trend_rows)


VOLUMES = ("received", "accepted", "handled", "completed", "rejected", "open_at_end")
HANDLING = ("early", "overdue", "anomalous")


def _case_groups(conn: Connection, scope: Scope, months: Sequence[Month]) -> list[dict[str, Any]]:
    """One scan of the cases received before the last month's end and not finished before the
    first month began, grouped by department, the months they were received and finished in (NULL:
    not in the span; not finished by its end means open at the end), status and whether accepted in
    the last month; with how many were finished before the promised day and after the legal day."""
    month = months[-1]
    received = _bucket(cases.c.received_at, months).label("received")
    finished = _bucket(cases.c.completed_at, months).label("finished")
    day = local_day(conn, cases.c.completed_at)
    query = (
        select(
            cases.c.department_code,
            received,
            finished,
            cases.c.status,
            func.count().label("n"),
            _counted(within(cases.c.accepted_at, month)).label("accepted"),
            _counted(day < cases.c.promised_due).label("early"),
            _counted(day > cases.c.legal_due).label("overdue"),
        )
        .where(
            *_live_case(scope),
            cases.c.received_at < month.end,
            or_(cases.c.completed_at.is_(None), cases.c.completed_at >= months[0].start),
        )
        .group_by(cases.c.department_code, received, finished, cases.c.status)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def _anomalous_groups(conn: Connection, scope: Scope, months: Sequence[Month]) -> list[tuple[str, int, int]]:
    """Cases finished in each month with an anomaly signal, by department and month."""
    finished = _bucket(cases.c.completed_at, months).label("finished")
    query = (
        select(cases.c.department_code, finished, func.count())
        .where(
            *_live_case(scope),
            cases.c.completed_at >= months[0].start,
            cases.c.completed_at < months[-1].end,
            anomalous_case(),
        )
        .group_by(cases.c.department_code, finished)
    )
    return [(str(d), int(k), int(n)) for d, k, n in conn.execute(query)]


def _signal_groups(conn: Connection, scope: Scope, months: Sequence[Month]) -> list[dict[str, Any]]:
    """Signals raised in each month by department, rule, family, colour and state: a few thousand
    groups at most, which the figures roll up."""
    raised = _bucket(signals.c.raised_at, months).label("k")
    query = (
        select(
            raised,
            signals.c.department_code,
            signals.c.rule_id,
            signals.c.family,
            signals.c.colour,
            signals.c.state,
            func.count().label("n"),
            func.min(signals.c.article).label("article"),
        )
        .where(
            *signal_in_scope(scope),
            signals.c.raised_at >= months[0].start,
            signals.c.raised_at < months[-1].end,
        )
        .group_by(
            raised,
            signals.c.department_code,
            signals.c.rule_id,
            signals.c.family,
            signals.c.colour,
            signals.c.state,
        )
    )
    return [dict(r) for r in conn.execute(query).mappings()]


COMPLAINT_FIGURES = ("received", "accepted", "not_accepted", "resulted")


def _complaints_by_department(conn: Connection, scope: Scope, month: Month) -> dict[str, dict[str, int]]:
    decided = within(complaints.c.decided_at, month)
    query = (
        select(
            complaints.c.department_code,
            _counted(within(complaints.c.received_at, month)).label("received"),
            _counted(and_(decided, complaints.c.state.in_(("transferred", "resulted")))).label("accepted"),
            _counted(and_(decided, complaints.c.state == "not_accepted")).label("not_accepted"),
            _counted(within(complaints.c.resulted_at, month)).label("resulted"),
        )
        .where(
            scope.restrict(complaints.c.department_code),
            or_(
                within(complaints.c.received_at, month),
                decided,
                within(complaints.c.resulted_at, month),
            ),
        )
        .group_by(complaints.c.department_code)
    )
    return {
        str(r["department_code"]): {k: int(r[k]) for k in COMPLAINT_FIGURES}
        for r in conn.execute(query).mappings()
    }


def _assemble(
    month: Month,
    a: Area,
    now: datetime,
    by_department: dict[str, dict[str, int]],
    signal_groups: list[dict[str, Any]],
    complaint_rows: dict[str, dict[str, int]],
    trend: list[dict[str, Any]],
) -> dict[str, Any]:
    totals = Counter[str]()
    for figures in by_department.values():
        totals.update(figures)
    handled = totals["handled"]

    by_colour, by_family, by_state = Counter[str](), Counter[str](), Counter[str]()
    dept_signals: dict[str, Counter[str]] = defaultdict(Counter)
    rules: dict[str, dict[str, Any]] = {}
    for g in signal_groups:
        n = int(g["n"])
        by_colour[g["colour"]] += n
        by_family[g["family"]] += n
        by_state[g["state"]] += n
        dept_signals[g["department_code"]].update({"signals": n, g["colour"]: n})
        rule = rules.setdefault(
            g["rule_id"],
            {
                "rule_id": g["rule_id"],
                "family": g["family"],
                "family_zh": FAMILY_ZH.get(g["family"], g["family"]),
                "colour": g["colour"],
                "article": g["article"],
                "count": 0,
                "departments": set(),
            },
        )
        rule["count"] += n
        rule["departments"].add(g["department_code"])
    top = sorted(rules.values(), key=lambda r: (-r["count"], r["rule_id"]))[:TOP_RULES]
    for r in top:
        r["departments"] = len(r["departments"])

    complaint_totals = Counter[str]()
    for figures in complaint_rows.values():
        complaint_totals.update(figures)

    codes = sorted(set(by_department) | set(dept_signals) | set(complaint_rows))
    department_rows = []
    for code in codes:
        f = by_department.get(code, dict.fromkeys((*VOLUMES, *HANDLING), 0))
        s = dept_signals.get(code, Counter())
        c = complaint_rows.get(code, dict.fromkeys(COMPLAINT_FIGURES, 0))
        if not any(f[k] for k in VOLUMES) and not s["signals"] and not any(c.values()):
            continue  # busy in earlier months of the trend only
        department_rows.append(
            {
                "department_code": code,
                "department_name": a.names.get(code, code),
                **{k: f[k] for k in (*VOLUMES, *HANDLING)},
                "anomaly_rate": rate(f["anomalous"], f["handled"]),
                "early_completion_rate": rate(f["early"], f["handled"]),
                "signals": s["signals"],
                **{c_: s[c_] for c_ in COLOURS},
                "complaints": c["received"],
            }
        )
    return {
        "month": str(month),
        "period": {"from": iso_local(month.start), "to": iso_local(month.end)},
        "as_of": iso_local(now),
        "complete": now >= month.end,
        "region": None
        if a.region_code is None
        else {"code": a.region_code, "name": a.region_name, "level": a.region_level},
        "volumes": {k: totals[k] for k in VOLUMES},
        "handling": {
            "handled": handled,
            "anomalous": totals["anomalous"],
            "anomaly_rate": rate(totals["anomalous"], handled),
            "early": totals["early"],
            "early_completion_rate": rate(totals["early"], handled),
            "overdue": totals["overdue"],
        },
        "signals": {
            "total": sum(by_colour.values()),
            "by_colour": {c: by_colour[c] for c in COLOURS},
            "by_family": dict(sorted(by_family.items(), key=lambda kv: (-kv[1], kv[0]))),
            "by_state": dict(sorted(by_state.items(), key=lambda kv: (-kv[1], kv[0]))),
        },
        "complaints": {k: complaint_totals[k] for k in COMPLAINT_FIGURES},
        "departments": department_rows,
        "top_rules": top,
        "trend": trend,
    }
