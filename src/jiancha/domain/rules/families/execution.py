"""Execution of decisions (R-SIG-3, Sichuan §10(二)): what was executed differs from what was
decided (a fine collected at another amount, another measure carried out), or a case closed
without the receipt that proves the decision was executed (执行回执)."""

from __future__ import annotations

from jiancha.domain.events import Action
from jiancha.domain.rules.families.evidence import attached
from jiancha.domain.rules.families.penalty import amount
from jiancha.domain.rules.model import Context, Finding, RecordedEvent, Rule


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    check = str(rule.params.get("check", "differs"))  # differs | receipt
    decisions = set(rule.params.get("actions", ["decide"]))
    if not any(e.action in decisions for e in ctx.facts.events):  # most cases decide nothing to execute
        return []
    decision: RecordedEvent | None = None
    receipt = False
    found: list[Finding] = []
    for e in ctx.facts.events:
        if e.occurred_at > ctx.now:
            break
        if e.action.value in decisions:
            decision = e
        elif e.action is Action.execute and decision is not None:
            receipt = receipt or _has_receipt(e, rule)
            if check == "differs" and (values := _difference(decision, e)):
                found.append(Finding(rule.id, rule.colour, e.occurred_at, values, (decision.ref, e.ref)))
        elif e.action is Action.close and decision is not None and check == "receipt" and not receipt:
            values = {"step": e.step, "receipt": str(rule.params.get("material", "执行回执"))}
            found.append(Finding(rule.id, rule.colour, e.occurred_at, values, (decision.ref, e.ref)))
    return found


def _has_receipt(e: RecordedEvent, rule: Rule) -> bool:
    """The receipt comes as an attachment of the execution step, or as its number."""
    material = str(rule.params.get("material", "执行回执"))
    return bool(str(e.attributes.get("receipt_no") or "").strip()) or any(
        name == material for name, _ in attached(e)
    )


def _difference(decision: RecordedEvent, execution: RecordedEvent) -> dict[str, str]:
    decided, executed = amount(decision.attributes.get("fine")), amount(execution.attributes.get("amount"))
    if decided is not None and executed is not None and decided != executed:
        return {"what": "amount", "decided": str(decided), "executed": str(executed)}
    measure, done = decision.attributes.get("measure"), execution.attributes.get("measure")
    if measure and done and measure != done:
        return {"what": "measure", "decided": str(measure), "executed": str(done)}
    return {}
