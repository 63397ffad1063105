"""Procedure (R-SIG-3, Shenzhen §11-12, Sichuan §10(二)): step order, skipped required steps,
illegal rollbacks (违规回退), actors without the post the step requires (主体资格), unknown steps."""

from __future__ import annotations

from jiancha.domain.events import STEPLESS_ACTIONS, Action
from jiancha.domain.rules.model import Context, Finding, Rule


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    check = str(rule.params.get("check", "order"))  # order | rollback | post | unknown_step
    process = ctx.facts.item.process
    by_code = process.by_code
    ordered = process.ordered()
    moves = process.allowed_moves()
    found: list[Finding] = []
    current: str | None = None
    for e in ctx.facts.events:
        if e.occurred_at > ctx.now:
            break
        if e.action is Action.publish:
            continue  # publication happens outside the process's steps
        step = by_code.get(e.step)
        if check == "unknown_step" and step is None:
            found.append(Finding(rule.id, rule.colour, e.occurred_at, {"step": e.step}, (e.ref,)))
        if check == "post" and step is not None and step.posts and e.post not in step.posts:
            found.append(
                Finding(
                    rule.id,
                    rule.colour,
                    e.occurred_at,
                    {"step": e.step, "post": e.post, "allowed": list(step.posts), "actor": e.actor},
                    (e.ref,),
                )
            )
        if e.action in STEPLESS_ACTIONS:
            continue
        target = str(e.attributes.get("to_step") or e.step) if e.action is Action.return_ else e.step
        a, b = by_code.get(current or ""), by_code.get(target)
        if a is not None and b is not None and target != current and (current, target) not in moves:
            if check == "rollback" and b.order < a.order:
                found.append(
                    Finding(rule.id, rule.colour, e.occurred_at, {"from": current, "to": target}, (e.ref,))
                )
            if check == "order" and b.order > a.order:
                skipped = [s.code for s in ordered if a.order < s.order < b.order and s.required]
                if skipped:
                    found.append(
                        Finding(
                            rule.id,
                            rule.colour,
                            e.occurred_at,
                            {"from": current, "to": target, "skipped": skipped},
                            (e.ref,),
                        )
                    )
        current = target
    return found
