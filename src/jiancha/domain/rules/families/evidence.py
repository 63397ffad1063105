"""Materials and evidence (Sichuan §10(二)5, Shenzhen §12): required materials missing when a step
closes, or a material of a closed step given again with other content; and a decision without
its legal basis (Shenzhen §12, 无法定依据)."""

from __future__ import annotations

from jiancha.domain.events import STEPLESS_ACTIONS, Action, step_reached
from jiancha.domain.rules.model import Context, Finding, RecordedEvent, Rule

FINISHING = (Action.complete, Action.close)


def legal_basis(rule: Rule, ctx: Context) -> list[Finding]:
    actions = set(rule.params.get("actions", ["approve", "decide", "reject"]))
    now = ctx.now
    # An action is a str enum: it is found in a set of names without asking for its value.
    return [
        Finding(rule.id, rule.colour, e.occurred_at, {"step": e.step, "action": e.action.value}, (e.ref,))
        for e in ctx.facts.events
        if e.occurred_at <= now
        and e.action in actions
        and not str(e.attributes.get("legal_basis") or "").strip()
    ]


def attached(e: RecordedEvent) -> list[tuple[str, str]]:
    items = e.attributes.get("attachments")
    if not items:
        return []
    return [(str(a.get("name")), str(a.get("sha256"))) for a in items if isinstance(a, dict)]


def materials(rule: Rule, ctx: Context) -> list[Finding]:
    check = str(rule.params.get("check", "missing"))  # missing | changed
    process = ctx.facts.item.process
    # Nothing can be missing where no step requires anything, nor changed where nothing was given.
    if check == "missing" and not process.requires_materials:
        return []
    if check == "changed" and not any(e.attributes.get("attachments") for e in ctx.facts.events):
        return []
    steps = process.by_code
    now = ctx.now
    given: dict[str, dict[str, str]] = {}  # step -> material name -> hash
    closed: set[str] = set()
    found: list[Finding] = []
    current: str | None = None
    for e in ctx.facts.events:
        if e.occurred_at > now:
            break
        action = e.action
        target = step_reached(e.step, action, e.attributes)
        leaving = current is not None and target != current and action not in STEPLESS_ACTIONS
        finishing = action in FINISHING
        for name, digest in attached(e):
            earlier = given.setdefault(e.step, {}).get(name)
            if check == "changed" and e.step in closed and earlier is not None and earlier != digest:
                found.append(
                    Finding(
                        rule.id,
                        rule.colour,
                        e.occurred_at,
                        {"step": e.step, "material": name, "was": earlier, "now": digest},
                        (e.ref,),
                    )
                )
            given[e.step][name] = digest
        for closing in ([current] if leaving else []) + ([target] if finishing else []):
            if closing is None or closing in closed:
                continue
            closed.add(closing)
            if check != "missing" or closing not in steps:
                continue
            missing = [m for m in steps[closing].materials if m not in given.get(closing, {})]
            if missing:
                found.append(
                    Finding(
                        rule.id, rule.colour, e.occurred_at, {"step": closing, "missing": missing}, (e.ref,)
                    )
                )
        if action not in STEPLESS_ACTIONS:
            current = target
    return found
