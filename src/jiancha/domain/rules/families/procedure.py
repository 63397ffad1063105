"""Procedure (R-SIG-3, Shenzhen §11-12, Sichuan §10(二)): step order, skipped required steps,
illegal rollbacks (违规回退), actors without the post the step requires (主体资格), unknown steps."""

from __future__ import annotations

from jiancha.domain.events import STEPLESS_ACTIONS, Action, step_reached
from jiancha.domain.rules.model import Context, Finding, Rule


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    check = str(rule.params.get("check", "order"))  # order | rollback | post | unknown_step
    if check == "unknown_step":
        return _unknown_steps(rule, ctx)
    if check == "post":
        return _posts(rule, ctx)
    if check in ("order", "rollback"):
        return _moves(rule, ctx, check)
    return []


def _unknown_steps(rule: Rule, ctx: Context) -> list[Finding]:
    by_code, now = ctx.facts.item.process.by_code, ctx.now
    found: list[Finding] = []
    for e in ctx.facts.events:
        if e.occurred_at > now:
            break
        if e.step not in by_code and e.action is not Action.publish:  # publication has no step
            found.append(Finding(rule.id, rule.colour, e.occurred_at, {"step": e.step}, (e.ref,)))
    return found


def _posts(rule: Rule, ctx: Context) -> list[Finding]:
    by_code, now = ctx.facts.item.process.by_code, ctx.now
    found: list[Finding] = []
    for e in ctx.facts.events:
        if e.occurred_at > now:
            break
        if e.action is Action.publish:
            continue  # publication happens outside the process's steps
        step = by_code.get(e.step)
        if step is not None and step.posts and e.post not in step.posts:
            found.append(
                Finding(
                    rule.id,
                    rule.colour,
                    e.occurred_at,
                    {"step": e.step, "post": e.post, "allowed": list(step.posts), "actor": e.actor},
                    (e.ref,),
                )
            )
    return found


def _moves(rule: Rule, ctx: Context, check: str) -> list[Finding]:
    """A move the process does not allow between two steps it defines: backwards is a rollback,
    forwards past a required step skips it."""
    process = ctx.facts.item.process
    by_code, moves, now = process.by_code, process.allowed_moves(), ctx.now
    found: list[Finding] = []
    current: str | None = None
    for e in ctx.facts.events:
        if e.occurred_at > now:
            break
        action = e.action
        if action in STEPLESS_ACTIONS:
            continue
        target = step_reached(e.step, action, e.attributes)
        previous, current = current, target
        if previous is None or target == previous or (previous, target) in moves:
            continue
        a, b = by_code.get(previous), by_code.get(target)
        if a is None or b is None:
            continue
        if check == "rollback" and b.order < a.order:
            found.append(
                Finding(rule.id, rule.colour, e.occurred_at, {"from": previous, "to": target}, (e.ref,))
            )
        if check == "order" and b.order > a.order:
            skipped = [s.code for s in process.ordered() if a.order < s.order < b.order and s.required]
            if skipped:
                found.append(
                    Finding(
                        rule.id,
                        rule.colour,
                        e.occurred_at,
                        {"from": previous, "to": target, "skipped": skipped},
                        (e.ref,),
                    )
                )
    return found
