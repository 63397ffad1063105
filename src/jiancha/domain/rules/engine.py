"""Evaluate a pack's rules on a case: pure, so the same events give the same findings (R-SIG-6)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jiancha.domain.rules.families import FAMILIES, TIMED
from jiancha.domain.rules.model import Context, Finding, Rule


def evaluate(rules: Iterable[Rule], ctx: Context, *, timed_only: bool = False) -> list[Finding]:
    """Every finding of every rule, earliest first. `timed_only` limits it to the families whose
    verdict changes with the passing of time, which is all the clock needs to look at."""
    found: list[Finding] = []
    for rule in rules:
        family = FAMILIES.get(rule.family)  # a watch (WATCHES) judges no single case
        if family is None or (timed_only and rule.family not in TIMED):
            continue
        found.extend(family(rule, ctx))
    if len(found) > 1:
        found.sort(key=_order)
    return found


def _order(f: Finding) -> tuple[datetime, str]:
    return f.at, f.rule_id


def first_per_rule(findings: Iterable[Finding]) -> list[Finding]:
    """At most one signal per case and rule: the earliest finding stands for the rule."""
    seen: dict[str, Finding] = {}
    for f in sorted(findings, key=lambda f: f.at):
        seen.setdefault(f.rule_id, f)
    return sorted(seen.values(), key=lambda f: (f.at, f.rule_id))
