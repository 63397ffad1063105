"""The monitors of supervised areas (R-MON-4..10) as rules of a pack.

A rule of a monitor's family (`three_public`, `collective_decision`, `sunshine_medicine`,
`village_assets`, `project_integrity`, `integrity_risk`, `on_duty`) names one of its checks
(`params.check`) and that check's settings (the other keys of `params`, as the check's settings
model takes them). Each hit of the check is one finding about the subject
`<family>:<hit's subject>`, on the hit's department; its message shows the hit's values.
"""

from __future__ import annotations

from jiancha.domain.monitors import MONITORS
from jiancha.domain.monitors.base import Check, Hit, Monitor, Settings
from jiancha.domain.rules.model import Finding, Rule
from jiancha.domain.timeutil import start_of_local_day

FAMILIES = frozenset(MONITORS)


def monitor_of(rule: Rule) -> Monitor:
    return MONITORS[rule.family]


def check_of(rule: Rule) -> Check:
    checks = monitor_of(rule).checks
    name = rule.params.get("check")
    if name not in checks:
        raise ValueError(
            f"规则 {rule.id} 的 check 应为 {'、'.join(checks)} | rule {rule.id}: check must be one of "
            f"{', '.join(checks)}"
        )
    return checks[str(name)]


def settings_of(rule: Rule) -> Settings:
    """The rule's settings of its check (ValueError naming the rule if they are wrong)."""
    check = check_of(rule)
    try:
        return check.settings.model_validate({k: v for k, v in rule.params.items() if k != "check"})
    except ValueError as e:
        raise ValueError(f"规则 {rule.id} 的参数无效 | rule {rule.id} has bad settings: {e}") from e


def subject(rule: Rule, hit: Hit) -> str:
    return f"{rule.family}:{hit.subject}"


def finding(rule: Rule, hit: Hit) -> Finding:
    """The finding of a hit: at the start of its day, with its values and the records it rests on."""
    values = {**hit.values, "records": list(hit.records)}
    return Finding(rule.id, rule.colour, start_of_local_day(hit.day), values)
