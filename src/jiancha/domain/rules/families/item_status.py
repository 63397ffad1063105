"""A cancelled, suspended, deleted or merged item still used for new cases (R-SIG-3)."""

from __future__ import annotations

from jiancha.domain.catalogue import ItemStatus
from jiancha.domain.rules.model import Context, Finding, Rule

RETIRED = {ItemStatus.cancelled, ItemStatus.suspended, ItemStatus.deleted, ItemStatus.merged}


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    facts = ctx.facts
    if facts.item_status not in RETIRED or not facts.events or facts.events[0].occurred_at > ctx.now:
        return []
    first = facts.events[0]
    return [
        Finding(
            rule.id,
            rule.colour,
            first.occurred_at,
            {"item": facts.item.code, "status": facts.item_status.value},
            (first.ref,),
        )
    ]
