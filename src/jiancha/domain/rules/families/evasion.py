"""Evading supervision (规避监督, R-EVD-1..2). In one case: data reported late (不及时报送), a case
that first reaches the platform already finished, and "virtual" handling whose steps all carry the
same minute (虚拟运行). Across cases: a feed gone silent (应报未报), and an item with no case online
while the same item elsewhere has many (体外循环, 擅自停止实施)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.events import TERMINAL_ACTIONS
from jiancha.domain.rules.model import Context, Finding, Rule
from jiancha.domain.timeutil import end_of_local_day, iso_local, local_date

ONE_MINUTE = timedelta(minutes=1)


def late_entry(rule: Rule, ctx: Context) -> list[Finding]:
    """An event that reached the platform more than `hours` after it happened."""
    limit = timedelta(hours=float(rule.params.get("hours", 24)))
    for e in ctx.facts.events:
        delay = e.received_at - e.occurred_at
        if e.received_at <= ctx.heard_by and delay > limit:
            return [
                Finding(
                    rule.id,
                    rule.colour,
                    e.received_at,
                    {
                        "step": e.step,
                        "delay_hours": round(delay.total_seconds() / 3600, 1),
                        "limit_hours": limit.total_seconds() / 3600,
                    },
                    (e.ref,),
                )
            ]
    return []


def born_completed(rule: Rule, ctx: Context) -> list[Finding]:
    """When the platform first heard of the case, it was already finished."""
    evs = [e for e in ctx.facts.events if e.received_at <= ctx.heard_by]
    if not evs:
        return []
    first_heard = min(e.received_at for e in evs)
    done = [
        e
        for e in evs
        if e.action in TERMINAL_ACTIONS and e.occurred_at <= first_heard and e.received_at == first_heard
    ]
    if not done:
        return []
    return [
        Finding(
            rule.id,
            rule.colour,
            first_heard,
            {"steps": len(evs), "completed_at": done[0].occurred_at.isoformat()},
            (done[0].ref,),
        )
    ]


def same_instant(rule: Rule, ctx: Context) -> list[Finding]:
    """At least `min_events` steps, all stamped in the same minute: handled on paper, typed in after."""
    now = ctx.now
    evs = [e for e in ctx.facts.events if e.occurred_at <= now]
    if len(evs) < int(rule.params.get("min_events", 3)):
        return []
    # A minute or more between the first and the last: not one minute, whatever the time zone.
    if abs(evs[-1].occurred_at - evs[0].occurred_at) >= ONE_MINUTE:
        return []
    minute = evs[0].occurred_at.replace(second=0, microsecond=0)
    if any(e.occurred_at.replace(second=0, microsecond=0) != minute for e in evs):
        return []
    if len({e.step for e in evs}) < 2:
        return []
    return [
        Finding(
            rule.id,
            rule.colour,
            evs[-1].occurred_at,
            {"steps": len(evs), "minute": minute.isoformat()},
            tuple(e.ref for e in evs),
        )
    ]


# -- beyond one case: what shows only across cases or in their absence (R-EVD-1..2) --------------


@dataclass(frozen=True)
class Feed:
    """A departmental system sending events, and when it was last heard from."""

    source_system: str
    department_code: str
    last_received_at: datetime


def silent_feed(rule: Rule, feed: Feed, calendar: WorkCalendar, now: datetime) -> Finding | None:
    """A feed that sent nothing for `working_days` full working days after its last event
    (应报未报): stamped at the end of the last of them."""
    days = int(rule.params.get("working_days", 3))
    at = end_of_local_day(calendar.add_working_days(local_date(feed.last_received_at), days))
    if at > now:
        return None
    values = {
        "feed": feed.source_system,
        "department": feed.department_code,
        "last_received_at": iso_local(feed.last_received_at),
        "working_days": days,
    }
    return Finding(rule.id, rule.colour, at, values)


@dataclass(frozen=True)
class ItemUse:
    """How many cases of one power item came online in a period."""

    item_code: str
    department_code: str
    name: str
    item_type: str
    cases: int


def idle_items(rule: Rule, uses: list[ItemUse], period: str, at: datetime) -> list[tuple[ItemUse, Finding]]:
    """Items with no case online in the period while the same item (same name and type) at
    comparable departments had, by their median, at least `min_peer_cases` — handled off-line, or
    stopped without authority (擅自停止实施). Needs at least `min_peers` such departments."""
    min_cases = int(rule.params.get("min_peer_cases", 5))
    min_peers = int(rule.params.get("min_peers", 2))
    groups: dict[tuple[str, str], list[ItemUse]] = {}
    for u in uses:
        groups.setdefault((u.name.strip(), u.item_type), []).append(u)
    found: list[tuple[ItemUse, Finding]] = []
    for group in groups.values():
        for u in (u for u in group if u.cases == 0):
            peers = sorted(p.cases for p in group if p.department_code != u.department_code)
            if len(peers) < min_peers or median(peers) < min_cases:
                continue
            values = {
                "item": u.item_code,
                "name": u.name,
                "department": u.department_code,
                "period": period,
                "peers": len(peers),
                "peer_median": median(peers),
            }
            found.append((u, Finding(rule.id, rule.colour, at, values)))
    return found
