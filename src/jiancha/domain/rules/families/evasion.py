"""Evading supervision (规避监督, R-EVD-1..2), as far as one case shows it: data reported late
(应报未报、不及时报送), a case that first reaches the platform already finished, and "virtual"
handling whose steps all carry the same minute (虚拟运行)."""

from __future__ import annotations

from datetime import timedelta

from jiancha.domain.events import TERMINAL_ACTIONS
from jiancha.domain.rules.model import Context, Finding, Rule

ONE_MINUTE = timedelta(minutes=1)


def late_entry(rule: Rule, ctx: Context) -> list[Finding]:
    """An event that reached the platform more than `hours` after it happened."""
    limit = timedelta(hours=float(rule.params.get("hours", 24)))
    for e in ctx.facts.events:
        delay = e.received_at - e.occurred_at
        if e.received_at <= ctx.now and delay > limit:
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
    evs = [e for e in ctx.facts.events if e.received_at <= ctx.now]
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
