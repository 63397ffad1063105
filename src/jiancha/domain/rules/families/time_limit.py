"""Time limits (R-SIG-1, Shenzhen §10, Qitaihe): green on the due date, yellow N working days
before it, red once it has passed — for the whole case (legal or promised limit) or its step.

A finding is stamped with the instant its threshold passed, not the instant anyone noticed, so a
sweep after downtime records what happened when it happened.
"""

from __future__ import annotations

from datetime import datetime

from jiancha.domain.clock.deadlines import CaseState, CaseStatus
from jiancha.domain.rules.model import Context, Finding, Rule
from jiancha.domain.timeutil import end_of_local_day, start_of_local_day


def evaluate(rule: Rule, ctx: Context) -> list[Finding]:
    limit = str(rule.params.get("limit", "legal"))  # legal | promised | step
    stage = str(rule.params.get("stage", "overdue"))  # due | warn | overdue
    calendar = ctx.calendar
    state, computed = ctx.folded
    if state.status is CaseStatus.rejected:
        return []
    due = {"legal": computed.legal_due, "promised": computed.promised_due, "step": computed.step_due}[limit]
    if due is None:
        return []
    if stage == "overdue":
        at = end_of_local_day(due)
    elif stage == "due":
        at = start_of_local_day(due)
    else:
        at = start_of_local_day(calendar.subtract_working_days(due, int(rule.params.get("days_before", 3))))
    if at > ctx.now or _stopped_before(state, at):
        return []
    item = ctx.facts.item
    values = {
        "limit": limit,
        "stage": stage,
        "due": due.isoformat(),
        "limit_days": {"legal": item.legal_limit_days, "promised": item.promised_limit_days}.get(limit),
        "suspended_days": state.suspended_days,
    }
    if limit == "promised" and state.promise_stated is not None:
        # The day the source stated, not the item's limit counted: the explanation says so.
        values.update(limit_days=None, stated=True)
    if state.completed_at is not None:
        values["completed_at"] = state.completed_at.isoformat()
    return [Finding(rule.id, rule.colour, at, values, deadline=due)]


def _stopped_before(state: CaseState, at: datetime) -> bool:
    """Finished, or suspended, before the threshold: the clock never reached it."""
    if state.completed_at is not None and state.completed_at < at:
        return True
    return (
        state.status is CaseStatus.suspended
        and state.suspended_since is not None
        and state.suspended_since < at
    )
