"""Disclosure of results (R-OPEN-2, Shenzhen §11(8) 不按规定公开审批结果): a case's result — its
approval or decision, else its completion — published (action `publish`) later than N working days
after it, or not at all once they have passed. Refusals carry no duty to publish.

Missing publication is a matter of time passing, so the clock watches a finished case until its
result is public or the days have run out.
"""

from __future__ import annotations

from jiancha.domain.clock.deadlines import disclosure_dates
from jiancha.domain.rules.model import Context, Finding, Rule
from jiancha.domain.timeutil import end_of_local_day, local_date


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    if rule.params.get("public_only", True) and not ctx.facts.item.public:
        return []
    state, _ = ctx.folded
    result_at = state.result_at
    if result_at is None:
        return []
    (due,) = disclosure_dates(result_at, None, (int(rule.params.get("working_days", 7)),), ctx.calendar)
    values = {"due": due.isoformat(), "result_at": result_at.isoformat(), "published": "—"}
    published = state.published_at
    if published is not None:
        if local_date(published) <= due:
            return []
        values["published"] = local_date(published).isoformat()
        return [Finding(rule.id, rule.colour, published, values, deadline=due)]
    at = end_of_local_day(due)
    return [Finding(rule.id, rule.colour, at, values, deadline=due)] if at <= ctx.now else []
