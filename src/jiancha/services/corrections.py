"""Corrections of important data (R-AUD-2): asked for with a reason, applied only once a leader of
the top-level agency approves, recorded in the ledger as an entry pointing at the original's.

- An **event** is corrected (its content replaced) or voided (it stays, marked, and no longer counts
  in its case's fold); its case is folded again at once, so deadlines and status follow.
- A **case** has its registration corrected (title, applicant), or is voided: no longer watched by
  the clock or shown to the public, its unresolved signals withdrawn with the correction's number.
- A **catalogue** entry changes by new versions (R-CAT-4), as any change; through the API, any
  change to an existing entry waits here for approval (adding a new entry does not).

The original stays readable: in the ledger (never changed), and as `before` in the request.
`services.integrity` checks every corrected row against its latest approved correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Connection, false, insert, or_, select, true, update

from jiancha.domain.access.roles import Capability, Role
from jiancha.domain.catalogue import CatalogueChange
from jiancha.domain.corrections import (
    CASE_FIELDS,
    CorrectionIn,
    CorrectionState,
    Fix,
    Target,
)
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import Applicant, EventIn
from jiancha.domain.masking import mask_id, mask_name, mask_phone, mask_values
from jiancha.domain.rules.lifecycle import UNRESOLVED, SignalState
from jiancha.domain.timeutil import iso_local_or_none, iso_utc, to_utc, utcnow
from jiancha.domain.validation import problems_from
from jiancha.services import catalogue, packs, signals
from jiancha.services.access import Caller
from jiancha.services.ingest import ledger_record
from jiancha.services.integrity import event_record
from jiancha.services.refold import refold_cases
from jiancha.store import calendar as calendar_store
from jiancha.store import catalogue as catalogue_store
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import cases, corrections, events, ledger, regions
from jiancha.store.tables import signals as signal_rows

AGENCY = (Role.system_supervisor, Role.e_supervisor)
REGISTRATION = (*CASE_FIELDS, "check_code")


def request(db: Database, ask: CorrectionIn, who: Caller, now: datetime | None = None) -> dict[str, Any]:
    """File a request; nothing changes until it is approved."""
    now = now or utcnow()
    if who.user_id is None:
        raise Rejected(
            "people_only", "只有用户可以申请更正", "only a person may ask for a correction", status=403
        )
    with db.write() as conn:
        lock(conn)
        found = _target(conn, ask, who)
        no = _file(conn, found, ask.reason, who, now)
    return view(db, no, who)


def change_catalogue(
    db: Database, changes: list[CatalogueChange], who: Caller, now: datetime | None = None
) -> dict[str, Any]:
    """Catalogue changes made by a person through the API: new items are added at once; changes
    to existing ones (alter, suspend, delete, merge, …) are filed together as one correction that
    waits for the top-level agency (`awaiting_approval`). The batch is checked whole first."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        new, altered, unchanged = catalogue.split(conn, changes)
        result = catalogue.apply_in(conn, new, now)
        result.unchanged.extend(unchanged)
        out = result.as_dict()
        if altered:
            reasons = "；".join(dict.fromkeys(c.reason for c in altered if c.reason)) or "权力清单变更"
            ask = CorrectionIn.model_construct(catalogue=altered, reason=reasons)
            no = _file(conn, _catalogue_target(conn, ask, who), reasons, who, now)
            out["awaiting_approval"] = {"correction_no": no, "codes": sorted({c.code for c in altered})}
    return out


def decide(
    db: Database, correction_no: str, approve: bool, reason: str, who: Caller, now: datetime | None = None
) -> dict[str, Any]:
    """A leader of the top-level agency, other than the requester, approves (and the correction is
    applied in the same transaction) or refuses, saying why."""
    now = now or utcnow()
    if not approve and len(reason.strip()) < 2:
        raise Rejected(
            "reason_required",
            "不同意须说明理由",
            "a refusal needs its reason",
            [Problem("reason_required", "reason", "不同意须说明理由", "a refusal needs its reason")],
        )
    with db.write() as conn:
        lock(conn)
        row = conn.execute(
            select(corrections).where(corrections.c.correction_no == correction_no, _visible(conn, who))
        ).first()
        if row is None:
            raise Rejected("not_found", "更正申请不存在", f"correction {correction_no} not found", status=404)
        if not _approver(conn, who) or row.requester_id == who.user_id:
            raise Rejected(
                "not_top_level_leader",
                "重要数据的删除、修改须由最高一级监察机关负责人（非申请人本人）批准",
                "only a leader of the top-level supervision agency, other than the requester, "
                "approves deleting or altering important data",
                status=403,
            )
        if row.state != CorrectionState.requested:
            raise Rejected(
                "bad_state", f"更正申请已{row.state}", f"the correction is already {row.state}", status=409
            )
        values: dict[str, Any] = {
            "decided_by": who.label,
            "decided_at": now,
            "decision_reason": reason,
        }
        if approve:
            values.update(state=CorrectionState.approved.value, applied_seq=_apply(conn, row, who, now))
        else:
            values["state"] = CorrectionState.refused.value
            _ledger(conn, row, "refuse", who, now, decision_reason=reason)
        conn.execute(update(corrections).where(corrections.c.id == row.id).values(**values))
    return view(db, correction_no, who)


# -- what is to change ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """A request, its target found and checked: what it replaces and with what."""

    target: Target
    ref: str
    fix: Fix
    department: str | None
    original_seq: int | None
    before: dict[str, Any]
    after: dict[str, Any]


def _target(conn: Connection, ask: CorrectionIn, who: Caller) -> _Found:
    if ask.target is Target.catalogue:
        return _catalogue_target(conn, ask, who)
    if not who.may(Capability.read):
        raise Rejected(
            "forbidden",
            "无权更正办件数据",
            "correcting case data needs the right to read it",
            status=403,
        )
    return _case_target(conn, ask, who) if ask.target is Target.case else _event_target(conn, ask, who)


def _case_target(conn: Connection, ask: CorrectionIn, who: Caller) -> _Found:
    assert ask.case_no is not None
    row = conn.execute(
        select(cases).where(cases.c.case_no == ask.case_no, who.scope.restrict(cases.c.department_code))
    ).first()
    if row is None:
        raise Rejected("not_found", "办件不存在", f"case {ask.case_no} not found", status=404)
    if row.voided:
        raise _already_void("办件", "case")
    before = {k: getattr(row, k) for k in REGISTRATION}
    after: dict[str, Any] = {}
    if ask.action is Fix.correct:
        after = {**before, **ask.changes}
        _validate(
            lambda: Applicant(
                name=after["applicant_name"],
                id_number=after["applicant_id_number"],
                phone=after["applicant_phone"],
            )
        )
        if not isinstance(after["title"], str) or len(after["title"]) > 500:
            raise _bad_change(
                "title", "标题应为不超过 500 字的文本", "the title must be text of at most 500 characters"
            )
        _changes_something(before, after)
    registered = conn.execute(
        select(ledger.c.seq)
        .where(ledger.c.kind == "case", ledger.c.ref == f"case:{row.case_no}")
        .order_by(ledger.c.seq.desc())
        .limit(1)
    ).scalar()
    original = row.correction_seq or registered
    return _Found(Target.case, row.case_no, ask.action, row.department_code, original, before, after)


def _event_target(conn: Connection, ask: CorrectionIn, who: Caller) -> _Found:
    assert ask.event is not None
    row = conn.execute(
        select(events, cases.c.department_code, cases.c.voided.label("case_voided"))
        .join(cases, cases.c.id == events.c.case_id)
        .where(
            events.c.source_system == ask.event.source_system,
            events.c.event_id == ask.event.event_id,
            who.scope.restrict(cases.c.department_code),
        )
    ).first()
    name = f"{ask.event.source_system}/{ask.event.event_id}"
    if row is None:
        raise Rejected("not_found", "事件不存在", f"event {name} not found", status=404)
    if row.voided or row.case_voided:
        raise _already_void("事件或其办件", "event or its case")
    before = event_record(row)
    after: dict[str, Any] = {}
    if ask.action is Fix.correct:
        merged = {k: v for k, v in {**before, **ask.changes}.items() if k not in ("v", "received_at")}
        corrected = _validate(lambda: EventIn.model_validate(merged))
        after = ledger_record(corrected, before["received_at"])
        _changes_something(before, after)
    original = row.correction_seq or row.ledger_seq
    return _Found(Target.event, name, ask.action, row.department_code, original, before, after)


def _catalogue_target(conn: Connection, ask: CorrectionIn, who: Caller) -> _Found:
    if not who.may(Capability.manage):
        raise Rejected(
            "forbidden",
            "只有系统管理员可以更改权力清单",
            "only an administrator changes the catalogue",
            status=403,
        )
    assert ask.catalogue is not None
    changes = [c.model_copy(update={"changed_by": who.label}) for c in ask.catalogue]
    catalogue.split(conn, changes)  # the whole batch is checked now, and again when approved
    codes = sorted({c.code for c in changes})
    newest = catalogue_store.latest(conn, set(codes))
    before = {
        code: {"version": r.version, "status": r.status, "item": r.content, "ledger_seq": r.ledger_seq}
        for code, r in newest.items()
    }
    after = {"changes": [c.model_dump(mode="json") for c in changes]}
    return _Found(Target.catalogue, ",".join(codes)[:300], Fix.correct, None, None, before, after)


def _validate(make: Any) -> Any:
    try:
        return make()
    except ValidationError as e:
        problems = [
            Problem(p.code, f"changes.{_field_name(p.field)}", p.message_zh, p.message_en)
            for p in problems_from(e)
        ]
        raise Rejected("correction_rejected", "更正内容无效", "the correction is invalid", problems) from e


def _field_name(field: str) -> str:
    return {"name": "applicant_name", "id_number": "applicant_id_number", "phone": "applicant_phone"}.get(
        field, field
    )


def _bad_change(field: str, zh: str, en: str) -> Rejected:
    return Rejected(
        "correction_rejected",
        "更正内容无效",
        "the correction is invalid",
        [Problem("invalid", f"changes.{field}", zh, en)],
    )


def _changes_something(before: dict[str, Any], after: dict[str, Any]) -> None:
    if before == after:
        raise Rejected(
            "nothing_to_correct",
            "更正后与原内容相同",
            "the correction would change nothing",
            [Problem("nothing_to_correct", "changes", "更正后与原内容相同", "it would change nothing")],
        )


def _already_void(zh: str, en: str) -> Rejected:
    return Rejected("already_void", f"{zh}已作废", f"the {en} is already void", status=409)


# -- the record ----------------------------------------------------------------------------------


def _file(conn: Connection, found: _Found, reason: str, who: Caller, now: datetime) -> str:
    no = next_number(conn, corrections, "GZ", now)
    record = {
        "v": 1,
        "correction_no": no,
        "action": "request",
        "target": found.target.value,
        "ref": found.ref,
        "fix": found.fix.value,
        "original_seq": found.original_seq,
        "after": found.after,
        "reason": reason,
        "by": who.label,
        "at": iso_utc(now),
    }
    (seq,) = append(conn, [Entry("correction", f"correction:{no}", record)], now)
    conn.execute(
        insert(corrections).values(
            correction_no=no,
            target=found.target.value,
            ref=found.ref,
            action=found.fix.value,
            department_code=found.department,
            original_seq=found.original_seq,
            before=found.before,
            after=found.after,
            reason=reason,
            requester_id=who.user_id,
            requested_by=who.label,
            requested_at=now,
            state=CorrectionState.requested.value,
            ledger_seq=seq,
        )
    )
    return no


def _ledger(conn: Connection, row: Any, action: str, who: Caller, now: datetime, **detail: Any) -> int:
    record = {
        "v": 1,
        "correction_no": row.correction_no,
        "action": action,
        "target": row.target,
        "ref": row.ref,
        **detail,
        "by": who.label,
        "at": iso_utc(now),
    }
    (seq,) = append(conn, [Entry("correction", f"correction:{row.correction_no}", record)], now)
    return seq


def _apply(conn: Connection, row: Any, who: Caller, now: datetime) -> int:
    """Make the approved change, after checking that its target has not moved since the request;
    returns the ledger entry that records it (the correction itself)."""
    target, fix = Target(row.target), Fix(row.action)
    if target is Target.catalogue:
        seq = _ledger(conn, row, "approve", who, now, fix=fix.value, before=row.before, after=row.after)
        changes = [CatalogueChange.model_validate(c) for c in row.after["changes"]]
        note = f"（更正 {row.correction_no}，{who.label} 批准）"
        catalogue.apply_in(conn, [c.model_copy(update={"reason": c.reason + note}) for c in changes], now)
        return seq
    if target is Target.case:
        current = conn.execute(select(cases).where(cases.c.case_no == row.ref)).one()
        now_before = {k: getattr(current, k) for k in REGISTRATION}
        key = {"case_no": row.ref}
    else:
        current = conn.execute(
            select(events, cases.c.voided.label("case_voided"))
            .join(cases, cases.c.id == events.c.case_id)
            .where(
                events.c.source_system == row.before["source_system"],
                events.c.event_id == row.before["event_id"],
            )
        ).one()
        now_before = event_record(current)
        key = {"source_system": current.source_system, "event_id": current.event_id}
    if now_before != row.before or current.voided or getattr(current, "case_voided", False):
        raise Rejected(
            "target_changed",
            "申请后该数据已被更改，请重新申请",
            "the data changed after the request; ask again",
            status=409,
        )
    seq = _ledger(
        conn,
        row,
        "approve",
        who,
        now,
        **key,
        fix=fix.value,
        original_seq=row.original_seq,
        before=row.before,
        after=row.after,
        requested_by=row.requested_by,
        reason=row.reason,
    )
    if target is Target.case:
        _apply_to_case(conn, current, row, fix, seq, who, now)
    else:
        _apply_to_event(conn, current, row, fix, seq, now)
    return seq


def _apply_to_case(
    conn: Connection, case: Any, row: Any, fix: Fix, seq: int, who: Caller, now: datetime
) -> None:
    if fix is Fix.correct:
        values = {k: row.after[k] for k in CASE_FIELDS}
        conn.execute(update(cases).where(cases.c.id == case.id).values(**values, correction_seq=seq))
        return
    conn.execute(
        update(cases)
        .where(cases.c.id == case.id)
        .values(voided=True, status="voided", next_check_at=None, correction_seq=seq)
    )
    # Nothing is left to answer for a case that should never have been: its signals are withdrawn.
    waiting = conn.execute(
        select(signal_rows.c.id).where(
            signal_rows.c.case_no == case.case_no, signal_rows.c.state.in_([s.value for s in UNRESOLVED])
        )
    ).scalars()
    reason = f"办件经更正 {row.correction_no} 作废 | the case was voided by correction {row.correction_no}"
    moves = [signals.Move(int(i), SignalState.withdrawn, who.label, reason) for i in waiting]
    if moves:
        signals.apply_moves(conn, moves, now)


def _apply_to_event(conn: Connection, event: Any, row: Any, fix: Fix, seq: int, now: datetime) -> None:
    if fix is Fix.correct:
        a = row.after
        values = {
            "step": a["step"],
            "action": a["action"],
            "actor": a["actor"],
            "post": a["post"],
            "occurred_at": to_utc(datetime.fromisoformat(a["occurred_at"])),
            "attributes": a["attributes"],
        }
    else:
        values = {"voided": True}
    conn.execute(update(events).where(events.c.id == event.id).values(**values, correction_seq=seq))
    # The case is folded again and judged on what it now says: a corrected date may make it late.
    # Signals already raised stay, as records of what was seen; the supervisor withdraws them.
    calendar = calendar_store.load(conn)
    refold_cases(conn, cases.c.id == event.case_id, calendar)
    department = row.department_code
    judge = packs.for_departments(conn, [department])[department]
    signals.raise_signals(conn, judge, [event.case_id], calendar, now)


# -- who sees and decides --------------------------------------------------------------------------


def _top_level(conn: Connection, who: Caller) -> bool:
    """An agency of the region at the top of the tree (or of none: the whole platform)."""
    if who.role not in AGENCY or who.department_code is not None:
        return False
    if who.region_code is None:
        return True
    parent = conn.execute(select(regions.c.parent_code).where(regions.c.code == who.region_code)).first()
    return parent is not None and parent.parent_code is None


def _approver(conn: Connection, who: Caller) -> bool:
    return who.leader and _top_level(conn, who)


def _visible(conn: Connection, who: Caller) -> ColumnElement[bool]:
    """The top-level agency sees every request; others their own, those about data in their scope
    and, for administrators, the catalogue's."""
    if _top_level(conn, who):
        return true()
    parts = [corrections.c.requester_id == (who.user_id or -1)]
    if who.may(Capability.read):
        parts.append(who.scope.restrict(corrections.c.department_code))
    if who.may(Capability.manage):
        parts.append(corrections.c.target == Target.catalogue.value)
    return or_(false(), *parts)


def list_corrections(
    db: Database, who: Caller, state: str | None = None, target: str | None = None
) -> list[dict[str, Any]]:
    with db.read() as conn:
        query = select(corrections).where(_visible(conn, who))
        if state:
            query = query.where(corrections.c.state == state)
        if target:
            query = query.where(corrections.c.target == target)
        rows = conn.execute(query.order_by(corrections.c.id.desc()).limit(500)).all()
    return [_view(r) for r in rows]


def view(db: Database, correction_no: str, who: Caller) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(
            select(corrections).where(corrections.c.correction_no == correction_no, _visible(conn, who))
        ).first()
    if row is None:
        raise Rejected("not_found", "更正申请不存在", f"correction {correction_no} not found", status=404)
    return _view(row)


def for_case(db: Database, case_no: str, event_refs: list[str]) -> list[dict[str, Any]]:
    """The corrections asked for on a case and its events, for its page (the caller's scope has
    shown the case)."""
    with db.read() as conn:
        rows = conn.execute(
            select(corrections)
            .where(
                or_(
                    (corrections.c.target == Target.case.value) & (corrections.c.ref == case_no),
                    (corrections.c.target == Target.event.value) & corrections.c.ref.in_(event_refs or [""]),
                )
            )
            .order_by(corrections.c.id)
        ).all()
    return [_view(r) for r in rows]


def _view(r: Any) -> dict[str, Any]:
    return {
        "correction_no": r.correction_no,
        "target": r.target,
        "ref": r.ref,
        "action": r.action,
        "department_code": r.department_code,
        "original_seq": r.original_seq,
        "before": _masked(r.target, r.before),
        "after": _masked(r.target, r.after),
        "reason": r.reason,
        "requested_by": r.requested_by,
        "requested_at": iso_local_or_none(r.requested_at),
        "state": r.state,
        "decided_by": r.decided_by,
        "decided_at": iso_local_or_none(r.decided_at),
        "decision_reason": r.decision_reason,
        "ledger_seq": r.ledger_seq,
        "applied_seq": r.applied_seq,
    }


def _masked(target: str, values: dict[str, Any]) -> dict[str, Any]:
    """The applicant's data masked as on the case's page (R-SEC-3); attributes as everywhere."""
    if target != Target.case.value or not values:
        return mask_values(values)  # type: ignore[no-any-return]
    return {
        **values,
        "check_code": "***" if values.get("check_code") else "",  # the public's key to its progress
        "applicant_name": mask_name(values.get("applicant_name", "")),
        "applicant_id_number": mask_id(values.get("applicant_id_number", "")),
        "applicant_phone": mask_phone(values.get("applicant_phone", "")),
    }
