"""Evasion beyond one case (R-EVD-1..2), watched by the clock: a feed gone silent for N working
days, and an item with no case online in a month while the same item at comparable departments
had many.

Both are signals about a subject rather than a case (`feed:<system>@<last heard>`,
`item:<code>@<month>`), raised once per subject and rule through the same ledger and lifecycle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.catalogue import ItemStatus
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.rules.families.evasion import Feed, ItemUse, idle_items, silent_feed
from jiancha.domain.rules.pack import Pack
from jiancha.domain.timeutil import iso_local, iso_utc, local_date, start_of_local_day
from jiancha.services import packs
from jiancha.services.signals import Subject, raise_on_subjects
from jiancha.store import calendar as calendar_store
from jiancha.store.bulk import upsert_insert
from jiancha.store.catalogue import in_force
from jiancha.store.database import Database
from jiancha.store.tables import cases, events, feeds, item_versions, periodic_checks


def note_feeds(conn: Connection, heard: Sequence[tuple[str, str]], now: datetime) -> None:
    """Record that each (source system, department) of an ingested batch was heard from now."""
    counts: dict[str, tuple[str, int]] = {}
    for source, department in heard:
        counts[source] = (department, counts.get(source, ("", 0))[1] + 1)
    for source, (department, n) in sorted(counts.items()):
        stmt = upsert_insert(conn, feeds).values(
            source_system=source,
            department_code=department,
            first_received_at=now,
            last_received_at=now,
            events=n,
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["source_system"],
                set_={
                    "department_code": department,
                    "last_received_at": (func.max if conn.dialect.name == "sqlite" else func.greatest)(
                        feeds.c.last_received_at, literal(now, feeds.c.last_received_at.type)
                    ),
                    "events": feeds.c.events + n,
                },
            )
        )


def note_rejected(db: Database, raw: Any, now: datetime) -> None:
    """Count the events of a refused batch against each source system it names (R-PAT-3): a feed's
    error rate. What cannot be attributed to a source is not counted."""
    items = raw if isinstance(raw, list) else [raw]
    counts = Counter(
        str(i["source_system"])[:128]
        for i in items
        if isinstance(i, dict) and isinstance(i.get("source_system"), str)
    )
    if not counts:
        return
    with db.write() as conn:
        for source, n in sorted(counts.items()):
            stmt = upsert_insert(conn, feeds).values(
                source_system=source,
                department_code="",
                first_received_at=now,
                last_received_at=now,
                events=0,
                rejected_events=n,
                last_rejected_at=now,
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["source_system"],
                    set_={"rejected_events": feeds.c.rejected_events + n, "last_rejected_at": now},
                )
            )


def health(db: Database, now: datetime, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """Each connected system's freshness and error rate (R-PAT-3)."""
    with db.read() as conn:
        calendar = calendar_store.load(conn)
        rows = conn.execute(
            select(feeds).where(scope.restrict(feeds.c.department_code)).order_by(feeds.c.source_system)
        ).all()
    today = local_date(now)
    out = []
    for f in rows:
        total = f.events + f.rejected_events
        out.append(
            {
                "source_system": f.source_system,
                "department_code": f.department_code,
                "first_received_at": iso_local(f.first_received_at),
                "last_received_at": iso_local(f.last_received_at),
                "working_days_silent": max(
                    calendar.working_days_between(local_date(f.last_received_at), today), 0
                ),
                "events": f.events,
                "rejected_events": f.rejected_events,
                "error_rate": round(f.rejected_events / total, 4) if total else 0.0,
                "last_rejected_at": iso_local(f.last_rejected_at) if f.last_rejected_at else None,
            }
        )
    return out


def watch(conn: Connection, calendar: WorkCalendar, now: datetime) -> int:
    """Run the watches of every pack in force as of `now`, each on the departments it judges (a
    feed's, an idle item's); comparable departments count as peers whatever their pack. Returns how
    many signals they raised."""
    feed_rows = conn.execute(select(feeds).order_by(feeds.c.source_system)).all()
    homes = {f.department_code for f in feed_rows}
    homes.update(conn.execute(select(item_versions.c.department_code).distinct()).scalars())
    judges = packs.for_departments(conn, homes)
    raised = 0
    for pack in {p.pack: p for p in judges.values()}.values():
        mine = {d for d, p in judges.items() if p.pack == pack.pack}
        silent = [r for r in pack.compiled() if r.family == "silent_feed"]
        found = []
        for f in (f for f in feed_rows if f.department_code in mine and silent):
            feed = Feed(f.source_system, f.department_code, f.last_received_at)
            for rule in silent:
                finding = silent_feed(rule, feed, calendar, now)
                if finding is not None:
                    name = f"feed:{f.source_system}@{iso_utc(f.last_received_at)}"
                    found.append(Subject(name, f.department_code, finding, rule))
        raised += raise_on_subjects(conn, pack, found, now)
        for rule in (r for r in pack.compiled() if r.family == "idle_item"):
            # Every whole month not yet checked, up to a year back: a worker down over a month's
            # end still checks it.
            latest = conn.execute(
                select(func.max(periodic_checks.c.period)).where(periodic_checks.c.rule_id == rule.id)
            ).scalar()
            first = _month_after(latest) if latest else _months_before(now, 1)
            for month, following in _whole_months(max(first, _months_before(now, 12)), now):
                period = month.strftime("%Y-%m")
                uses = item_uses(conn, month, following)
                found = [
                    Subject(f"item:{u.item_code}@{period}", u.department_code, f, rule)
                    for u, f in idle_items(rule, uses, period, start_of_local_day(following))
                    if u.department_code in mine
                ]
                raised += raise_on_subjects(conn, pack, found, now)
                conn.execute(insert(periodic_checks).values(rule_id=rule.id, period=period, done_at=now))
    return raised


def would_raise(
    conn: Connection, pack: Pack, calendar: WorkCalendar, start: datetime, judged_at: datetime
) -> list[Subject]:
    """What the pack's watches would have found between `start` and `judged_at`, from the stored
    events and cases, writing nothing (back-testing): every silence of a feed that began in the
    period, and every whole month of the period for idle items."""
    found: list[Subject] = []
    silent = [r for r in pack.compiled() if r.family == "silent_feed"]
    if silent:
        departments = dict(conn.execute(select(feeds.c.source_system, feeds.c.department_code)).all())
        heard: dict[str, list[datetime]] = {}
        for source, at in conn.execute(
            select(events.c.source_system, events.c.received_at)
            .where(events.c.received_at >= start, events.c.received_at <= judged_at)
            .distinct()
            .order_by(events.c.source_system, events.c.received_at)
        ):
            heard.setdefault(source, []).append(at)
        for source, instants in heard.items():
            # Each silence runs from one receipt to the next, the last one until `judged_at`.
            for last, following in zip(instants, [*instants[1:], judged_at], strict=True):
                feed = Feed(source, departments.get(source, ""), last)
                for rule in silent:
                    finding = silent_feed(rule, feed, calendar, following)
                    if finding is not None:
                        found.append(
                            Subject(f"feed:{source}@{iso_utc(last)}", feed.department_code, finding, rule)
                        )
    first = local_date(start).replace(day=1)
    if first < local_date(start):
        first = _next_month(first)
    for month, month_end in _whole_months(first, judged_at):
        period = month.strftime("%Y-%m")
        for rule in (r for r in pack.compiled() if r.family == "idle_item"):
            uses = item_uses(conn, month, month_end)
            found.extend(
                Subject(f"item:{u.item_code}@{period}", u.department_code, f, rule)
                for u, f in idle_items(rule, uses, period, start_of_local_day(month_end))
            )
    return found


def _next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def _month_after(period: str) -> date:
    return _next_month(date.fromisoformat(f"{period}-01"))


def _months_before(now: datetime, n: int) -> date:
    """The first day of the n-th calendar month before the one `now` is in (local time)."""
    month = local_date(now).replace(day=1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def _whole_months(first: date, until: datetime) -> list[tuple[date, date]]:
    """[month, following month) for each calendar month from `first` that has ended by `until`."""
    months = []
    month = first
    while start_of_local_day(following := _next_month(month)) <= until:
        months.append((month, following))
        month = following
    return months


def item_uses(conn: Connection, start: date, end: date) -> list[ItemUse]:
    """Cases received in [start, end) per item that was in force and active all that time."""
    first, last = start_of_local_day(start), start_of_local_day(end)
    histories: dict[str, list[Any]] = {}
    for v in conn.execute(
        select(
            item_versions.c.code,
            item_versions.c.status,
            item_versions.c.effective_from,
            item_versions.c.name,
            item_versions.c.item_type,
            item_versions.c.department_code,
        ).order_by(item_versions.c.code, item_versions.c.effective_from, item_versions.c.version)
    ):
        histories.setdefault(v.code, []).append(v)
    counts: dict[str, int] = dict(
        conn.execute(
            select(cases.c.item_code, func.count())
            .where(cases.c.received_at >= first, cases.c.received_at < last)
            .group_by(cases.c.item_code)
        ).all()
    )
    uses = []
    for code, history in histories.items():
        during = [v for v in history if first < v.effective_from < last]
        opening = in_force(history, first)
        if opening.effective_from > first or any(
            ItemStatus(v.status) is not ItemStatus.active for v in (opening, *during)
        ):
            continue
        uses.append(
            ItemUse(code, opening.department_code, opening.name, opening.item_type, int(counts.get(code, 0)))
        )
    return uses
