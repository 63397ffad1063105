"""The big screen (大屏, R-REP-2): what a supervision hall shows at a glance, for the caller's scope.

- today (the China local day): cases received and cases finished (办结, completed or refused);
- the signals still waiting for their department (open or explained), by colour and by department;
- the trend of the last TREND_DAYS days: cases received and finished, signals raised by colour;
- the latest signals raised.

Counted as the monthly statistics count them (services.statistics): voided cases, and the signals
of a voided case, count nowhere. Every query is restricted in SQL to the scope and reads through an
index on an instant (cases.received_at, cases.completed_at, signals.raised_at) or on the signals'
state, so a snapshot costs what the last fortnight holds, not the whole history.

`version` is a digest of the content (not of `as_of`): the live stream sends a snapshot only when
it changes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.rules.lifecycle import UNRESOLVED
from jiancha.domain.timeutil import iso_local, local_date, start_of_local_day, utcnow
from jiancha.services.statistics import signal_in_scope
from jiancha.store.database import Database
from jiancha.store.sql import local_day
from jiancha.store.tables import cases, departments, signals

COLOURS = ("red", "yellow", "green")
TREND_DAYS = 14
LATEST = 10


def snapshot(db: Database, scope: Scope = EVERYTHING, now: datetime | None = None) -> dict[str, Any]:
    """The screen's figures as of `now` for `scope`, with the `version` of their content."""
    now = now or utcnow()
    today = local_date(now)
    days = [today - timedelta(days=k) for k in range(TREND_DAYS - 1, -1, -1)]
    since = start_of_local_day(days[0])
    with db.read() as conn:
        received = _cases_by_day(conn, cases.c.received_at, scope, since, now)
        finished = _cases_by_day(conn, cases.c.completed_at, scope, since, now)
        raised = _signals_by_day(conn, scope, since, now)
        waiting = _unresolved(conn, scope)
        latest = _latest(conn, scope, now)
        names = _names(conn, set(waiting) | {str(r.department_code) for r in latest})
    content = {
        "date": today.isoformat(),
        "today": {"received": received.get(today, 0), "completed": finished.get(today, 0)},
        "unresolved": {c: sum(d.get(c, 0) for d in waiting.values()) for c in COLOURS},
        "departments": [
            {
                "department_code": d,
                "department": names.get(d, d),
                **{c: waiting[d].get(c, 0) for c in COLOURS},
            }
            for d in sorted(waiting, key=lambda d: (*(-waiting[d].get(c, 0) for c in COLOURS), d))
        ],
        "trend": [
            {
                "date": day.isoformat(),
                "received": received.get(day, 0),
                "completed": finished.get(day, 0),
                **{c: raised[day].get(c, 0) for c in COLOURS},
            }
            for day in days
        ],
        "latest": [
            {
                "id": int(r.id),
                "colour": r.colour,
                "state": r.state,
                "department_code": r.department_code,
                "department": names.get(r.department_code, r.department_code),
                "case_no": r.case_no,
                "subject": r.subject,
                "message_zh": r.message_zh,
                "message_en": r.message_en,
                "raised_at": iso_local(r.raised_at),
            }
            for r in latest
        ],
    }
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    return {"as_of": iso_local(now), **content, "version": digest}


def _day(value: Any) -> date:
    # PostgreSQL answers a date, SQLite its ISO text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _cases_by_day(
    conn: Connection, column: Any, scope: Scope, since: datetime, now: datetime
) -> dict[date, int]:
    day = local_day(column)
    rows = conn.execute(
        select(day, func.count())
        .where(
            column >= since,
            column <= now,
            cases.c.voided.is_(False),
            scope.restrict(cases.c.department_code),
        )
        .group_by(day)
    )
    return {_day(d): int(n) for d, n in rows}


def _signals_by_day(
    conn: Connection, scope: Scope, since: datetime, now: datetime
) -> defaultdict[date, dict[str, int]]:
    day = local_day(signals.c.raised_at)
    found: defaultdict[date, dict[str, int]] = defaultdict(dict)
    for d, colour, n in conn.execute(
        select(day, signals.c.colour, func.count())
        .where(signals.c.raised_at >= since, signals.c.raised_at <= now, *signal_in_scope(scope))
        .group_by(day, signals.c.colour)
    ):
        found[_day(d)][str(colour)] = int(n)
    return found


def _unresolved(conn: Connection, scope: Scope) -> dict[str, dict[str, int]]:
    """Per department, its signals still waiting (open or explained) by colour — the same count as
    the console's board, so the two never disagree."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for d, colour, n in conn.execute(
        select(signals.c.department_code, signals.c.colour, func.count())
        .where(signals.c.state.in_(sorted(UNRESOLVED)), scope.restrict(signals.c.department_code))
        .group_by(signals.c.department_code, signals.c.colour)
    ):
        found[str(d)][str(colour)] = int(n)
    return dict(found)


def _latest(conn: Connection, scope: Scope, now: datetime) -> list[Any]:
    return list(
        conn.execute(
            select(
                signals.c.id,
                signals.c.colour,
                signals.c.state,
                signals.c.department_code,
                signals.c.case_no,
                signals.c.subject,
                signals.c.message_zh,
                signals.c.message_en,
                signals.c.raised_at,
            )
            .where(signals.c.raised_at <= now, *signal_in_scope(scope))
            .order_by(signals.c.raised_at.desc(), signals.c.id.desc())
            .limit(LATEST)
        )
    )


def _names(conn: Connection, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {
        str(c): str(n)
        for c, n in conn.execute(
            select(departments.c.code, departments.c.name).where(departments.c.code.in_(sorted(codes)))
        )
    }
