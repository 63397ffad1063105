"""Penalties and charges: a fine outside the discretion benchmark (裁量基准, R-CAT-3, Sichuan
§10(二)7); a fee different from the standard, or a fee or deposit with no standard at all
(Shenzhen §12, 违规收费)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jiancha.domain.rules.model import Context, Finding, Rule


def amount(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def discretion(rule: Rule, ctx: Context) -> list[Finding]:
    benchmarks = ctx.facts.item.discretion
    if not benchmarks:  # nothing to hold a fine against
        return []
    actions = set(rule.params.get("actions", ["decide"]))
    now = ctx.now
    found: list[Finding] = []
    for e in ctx.facts.events:
        if e.occurred_at > now or e.action not in actions:  # a str enum, found among names
            continue
        fine = amount(e.attributes.get("fine"))
        if fine is None:
            continue
        clause, circumstance = e.attributes.get("clause"), e.attributes.get("circumstance")
        match = [
            b for b in benchmarks if b.circumstance == circumstance and (clause is None or b.clause == clause)
        ]
        if not match:
            match = [b for b in benchmarks if b.circumstance == circumstance]
        if match and not any(b.fine_min <= fine <= b.fine_max for b in match):
            b = match[0]
            found.append(
                Finding(
                    rule.id,
                    rule.colour,
                    e.occurred_at,
                    {
                        "fine": str(fine),
                        "circumstance": circumstance,
                        "clause": b.clause,
                        "allowed": [str(b.fine_min), str(b.fine_max)],
                    },
                    (e.ref,),
                )
            )
    return found


def fees(rule: Rule, ctx: Context) -> list[Finding]:
    standard = [f.amount for f in ctx.facts.item.fees]
    now = ctx.now
    found: list[Finding] = []
    for e in ctx.facts.events:
        attributes = e.attributes
        if e.occurred_at > now or ("fee_charged" not in attributes and "deposit" not in attributes):
            continue
        charged, deposit = amount(attributes.get("fee_charged")), amount(attributes.get("deposit"))
        if deposit is not None and deposit > 0:
            found.append(Finding(rule.id, rule.colour, e.occurred_at, {"deposit": str(deposit)}, (e.ref,)))
        elif charged is not None and charged > 0 and charged not in standard and charged != sum(standard):
            found.append(
                Finding(
                    rule.id,
                    rule.colour,
                    e.occurred_at,
                    {"charged": str(charged), "standard": [str(x) for x in standard]},
                    (e.ref,),
                )
            )
    return found
