"""The order and spacing of a case's steps in calendar days (imported logs, e.g. the Italian road
fines of docs/real-data.md): what a step needs before it, how long after, and what was paid.

A rule of family `sequence` names one check (`params.check`):

- `gap` (`from`, `to`, `max_days`): the first event at step `to` more than `max_days` calendar days
  after the first event at step `from` (a case without both raises nothing).
- `requires` (`pairs`: [{`step`, `after`, `min_days`?}]): each event at `step` with no earlier
  event at `after`, or — with `min_days` — fewer than `min_days` calendar days after the latest
  earlier one.
- `covered` (`step`, `paid`: {`step`, `attribute`}, `due`: {`step`, `attribute`}): each event at
  `step` while the largest `paid.attribute` of the earlier events at `paid.step` is at least the
  `due.attribute` of the first event at `due.step` (a fine sent for collection although paid).

"Earlier" is the case's order: by instant, and at the same instant by arrival (the log's order).
Calendar days are between the local dates of the two events (China time; a log of dates written at
midnight in any zone from UTC−8 to UTC+8 keeps its dates).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jiancha.domain.rules.model import Context, Finding, RecordedEvent, Rule
from jiancha.domain.timeutil import local_date

CHECKS = ("gap", "requires", "covered")


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    check = rule.params.get("check")
    events = [e for e in ctx.facts.events if e.occurred_at <= ctx.now]
    if check == "gap":
        return _gap(rule, events)
    if check == "requires":
        return _requires(rule, events)
    if check == "covered":
        return _covered(rule, events)
    return []


def check_params(rule: Rule) -> None:
    """ValueError naming the rule when its params cannot be read."""
    p = rule.params
    check = p.get("check")

    def fail(what: str) -> ValueError:
        return ValueError(f"规则 {rule.id} 的参数无效：{what} | rule {rule.id} has bad params: {what}")

    if check not in CHECKS:
        raise fail(f"check 应为 {'、'.join(CHECKS)} / check must be one of {', '.join(CHECKS)}")
    if check == "gap":
        if not all(isinstance(p.get(k), str) for k in ("from", "to")) or not _days(p.get("max_days")):
            raise fail("gap 需要 from、to 和非负整数 max_days / gap needs from, to and max_days ≥ 0")
    elif check == "requires":
        pairs = p.get("pairs")
        if not isinstance(pairs, list) or not pairs:
            raise fail("requires 需要 pairs / requires needs pairs")
        for pair in pairs:
            if not isinstance(pair, Mapping) or not all(
                isinstance(pair.get(k), str) for k in ("step", "after")
            ):
                raise fail("每个 pair 需要 step 和 after / each pair needs step and after")
            if "min_days" in pair and not _days(pair["min_days"]):
                raise fail("min_days 应为非负整数 / min_days must be an integer ≥ 0")
    else:
        parts = [p.get("paid"), p.get("due")]
        if not isinstance(p.get("step"), str) or not all(
            isinstance(x, Mapping) and isinstance(x.get("step"), str) and isinstance(x.get("attribute"), str)
            for x in parts
        ):
            raise fail("covered 需要 step、paid{step,attribute}、due{step,attribute}")


def _days(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def days_between(a: RecordedEvent, b: RecordedEvent) -> int:
    return (local_date(b.occurred_at) - local_date(a.occurred_at)).days


def _gap(rule: Rule, events: list[RecordedEvent]) -> list[Finding]:
    start = next((e for e in events if e.step == rule.params["from"]), None)
    end = next((e for e in events if e.step == rule.params["to"]), None)
    if start is None or end is None:
        return []
    days, limit = days_between(start, end), int(rule.params["max_days"])
    if days <= limit:
        return []
    values = {"from": start.step, "to": end.step, "days": days, "max_days": limit}
    return [Finding(rule.id, rule.colour, end.occurred_at, values, (start.ref, end.ref))]


def _requires(rule: Rule, events: list[RecordedEvent]) -> list[Finding]:
    found: list[Finding] = []
    for pair in rule.params["pairs"]:
        step, after, min_days = pair["step"], pair["after"], pair.get("min_days")
        latest: RecordedEvent | None = None
        for e in events:
            if e.step == step:
                values: dict[str, Any] = {"step": step, "after": after}
                if latest is None:
                    found.append(
                        Finding(rule.id, rule.colour, e.occurred_at, {**values, "missing": True}, (e.ref,))
                    )
                elif min_days is not None and days_between(latest, e) < int(min_days):
                    days = days_between(latest, e)
                    values |= {"missing": False, "days": days, "min_days": int(min_days)}
                    found.append(Finding(rule.id, rule.colour, e.occurred_at, values, (latest.ref, e.ref)))
            if e.step == after:
                latest = e
    return found


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _covered(rule: Rule, events: list[RecordedEvent]) -> list[Finding]:
    paid_step, paid_attr = rule.params["paid"]["step"], rule.params["paid"]["attribute"]
    due_step, due_attr = rule.params["due"]["step"], rule.params["due"]["attribute"]
    first_due = next((e for e in events if e.step == due_step), None)
    due = _number(first_due.attributes.get(due_attr)) if first_due is not None else None
    if due is None or first_due is None:
        return []
    found: list[Finding] = []
    paid, paid_ref = 0.0, None
    for e in events:
        if e.step == rule.params["step"] and paid >= due:
            values = {"step": e.step, "paid": paid, "due": due}
            refs = (first_due.ref, *((paid_ref,) if paid_ref else ()), e.ref)
            found.append(Finding(rule.id, rule.colour, e.occurred_at, values, refs))
        if e.step == paid_step:
            amount = _number(e.attributes.get(paid_attr))
            if amount is not None and amount > paid:
                paid, paid_ref = amount, e.ref
    return found
