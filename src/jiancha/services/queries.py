"""Read-side questions the API and the command line ask about cases."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.clock.deadlines import time_status
from jiancha.domain.masking import mask_id, mask_name, mask_phone, mask_values
from jiancha.domain.timeutil import iso_local, iso_utc, local_date, utcnow
from jiancha.services.calendar import fallback_notice
from jiancha.store.database import Database
from jiancha.store.tables import cases, departments, events, item_versions


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    department_code: str | None = None
    item_code: str | None = None
    overdue: bool | None = None


def _local(value: datetime | None) -> str | None:
    return iso_local(value) if value else None


def case_view(row: Any, now: datetime) -> dict[str, Any]:
    """A case as the API shows it. Personal data is masked here; issue-level access comes later."""
    years = tuple(int(y) for y in row.calendar_fallback.split(",") if y)
    open_ = row.status == "open"
    return {
        "case_no": row.case_no,
        "item_code": row.item_code,
        "item_version": row.item_version,
        "item_name": row.item_name,
        "department_code": row.department_code,
        "source_system": row.source_system,
        "title": row.title,
        "status": row.status,
        "current_step": row.current_step,
        "step_entered_at": _local(row.step_entered_at),
        "received_at": _local(row.received_at),
        "accepted_at": _local(row.accepted_at),
        "completed_at": _local(row.completed_at),
        "suspended_since": _local(row.suspended_since),
        "suspension_reason": row.suspension_reason,
        "suspended_days": row.suspended_days,
        "legal_due": row.legal_due.isoformat() if row.legal_due else None,
        "promised_due": row.promised_due.isoformat() if row.promised_due else None,
        "step_due": row.step_due.isoformat() if row.step_due else None,
        "legal_status": time_status(row.legal_due, now) if open_ else None,
        "promised_status": time_status(row.promised_due, now) if open_ else None,
        "step_status": time_status(row.step_due, now) if open_ else None,
        "next_check_at": _local(row.next_check_at),
        "event_count": row.event_count,
        "last_event_at": _local(row.last_event_at),
        "calendar_notice": fallback_notice(years),
    }


def _case_query() -> Any:
    return select(
        cases,
        item_versions.c.version.label("item_version"),
        item_versions.c.name.label("item_name"),
    ).join(item_versions, item_versions.c.id == cases.c.item_version_id)


def list_cases(
    db: Database, f: CaseFilter, limit: int = 50, offset: int = 0, scope: Scope = EVERYTHING
) -> tuple[int, list[dict[str, Any]]]:
    now = utcnow()
    conditions = [scope.restrict(cases.c.department_code)]
    if f.status:
        conditions.append(cases.c.status == f.status)
    if f.department_code:
        conditions.append(cases.c.department_code == f.department_code)
    if f.item_code:
        conditions.append(cases.c.item_code == f.item_code)
    if f.overdue is True:
        # Overdue on the legal limit: open and due before today (local), in SQL so counts are right.
        conditions.append(cases.c.status == "open")
        conditions.append(cases.c.legal_due < local_date(now))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(cases).where(*conditions)).scalar_one()
        rows = conn.execute(
            _case_query()
            .where(*conditions)
            .order_by(cases.c.received_at.desc(), cases.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return int(total), [case_view(r, now) for r in rows]


def case_detail(db: Database, case_no: str, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    """A case with its events; None when there is none, or none the scope shows."""
    now = utcnow()
    with db.read() as conn:
        row = conn.execute(
            _case_query().where(cases.c.case_no == case_no, scope.restrict(cases.c.department_code))
        ).first()
        if row is None:
            return None
        evs = conn.execute(
            select(events).where(events.c.case_id == row.id).order_by(events.c.occurred_at, events.c.id)
        ).all()
    view = case_view(row, now)
    view["events"] = [
        {
            "source_system": e.source_system,
            "event_id": e.event_id,
            "step": e.step,
            "action": e.action,
            "actor": e.actor,
            "post": e.post,
            "occurred_at": iso_local(e.occurred_at),
            "received_at": iso_local(e.received_at),
            # Source systems may put personal data in attributes: masked here as everywhere.
            "attributes": mask_values(e.attributes),
            "ledger_seq": e.ledger_seq,
            # Approved corrections (R-AUD-2): a voided event is shown, marked; a corrected one shows
            # its corrected content, the original being in the correction and the ledger.
            "voided": e.voided,
            "correction_seq": e.correction_seq,
        }
        for e in evs
    ]
    view["applicant"] = {
        "name": mask_name(row.applicant_name),
        "id_number": mask_id(row.applicant_id_number),
        "phone": mask_phone(row.applicant_phone),
    }
    return view


# R-SIG-5: not signals, but items a supervisor should check (待核实). Refusals and requests for
# supplements are actions; reconsideration, litigation and revocation are flags a system sets on
# the event that records them (attributes.reconsideration / litigation / revocation = true).
VERIFY_FLAGS = ("reconsideration", "litigation", "revocation")


def to_verify(
    db: Database,
    kind: str | None = None,
    department_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
    scope: Scope = EVERYTHING,
) -> tuple[int, list[dict[str, Any]]]:
    flag = {name: events.c.attributes[name].as_boolean().is_(True) for name in VERIFY_FLAGS}
    kinds = {
        "refusal": events.c.action == "reject",
        "supplement": events.c.action == "request-supplement",
        **flag,
    }
    condition = kinds[kind] if kind else or_(*kinds.values())
    query = (
        select(events, cases.c.department_code)
        .join(cases, cases.c.id == events.c.case_id)
        .where(
            condition,
            scope.restrict(cases.c.department_code),
            events.c.voided.is_(False),
            cases.c.voided.is_(False),
        )
    )
    if department_code:
        query = query.where(cases.c.department_code == department_code)
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(events.c.occurred_at.desc(), events.c.id.desc()).limit(limit).offset(offset)
        ).all()
    out = []
    for r in rows:
        found = [k for k in VERIFY_FLAGS if r.attributes.get(k) is True]
        what = (
            "refusal" if r.action == "reject" else "supplement" if r.action == "request-supplement" else None
        )
        out.append(
            {
                "case_no": r.case_no,
                "item_code": r.item_code,
                "department_code": r.department_code,
                "kinds": ([what] if what else []) + found,
                "step": r.step,
                "action": r.action,
                "actor": r.actor,
                "occurred_at": iso_local(r.occurred_at),
                "event": f"{r.source_system}/{r.event_id}",
                "reason": mask_values(r.attributes.get("reason")),
            }
        )
    return int(total), out


def progress(db: Database, case_no: str, check_code: str) -> dict[str, Any] | None:
    """The applicant's progress query (R-PUB-3): steps and dates by case number and check code,
    with no personal data — no applicant, no title (it names the applicant), no officials. A
    wrong code and an unknown case look the same, so the query reveals nothing."""
    with db.read() as conn:
        row = conn.execute(
            select(cases, item_versions.c.name.label("item_name"), item_versions.c.content)
            .join(item_versions, item_versions.c.id == cases.c.item_version_id)
            .where(cases.c.case_no == case_no)
        ).first()
        if row is None or not row.check_code or not hmac.compare_digest(row.check_code, check_code):
            return None
        if row.voided:  # a voided case is no longer told to the public (R-AUD-2)
            return None
        department = conn.execute(
            select(departments.c.name).where(departments.c.code == row.department_code)
        ).scalar()
        steps = conn.execute(
            select(events.c.step, events.c.action, events.c.occurred_at)
            .where(events.c.case_id == row.id, events.c.voided.is_(False))
            .order_by(events.c.occurred_at, events.c.id)
        ).all()
    names = {s["code"]: s["name"] for s in row.content["process"]["steps"]}
    return {
        "case_no": row.case_no,
        "item_name": row.item_name,
        "department": department or row.department_code,
        "status": row.status,
        "current_step": names.get(row.current_step or "", row.current_step),
        "received_at": _local(row.received_at),
        "accepted_at": _local(row.accepted_at),
        "completed_at": _local(row.completed_at),
        "promised_due": row.promised_due.isoformat() if row.promised_due else None,
        "legal_due": row.legal_due.isoformat() if row.legal_due else None,
        "steps": [
            {"step": names.get(s.step, s.step), "action": s.action, "at": iso_local(s.occurred_at)}
            for s in steps
        ],
    }


def reveal_applicant(
    db: Database, case_no: str, reason: str, who: str, scope: Scope = EVERYTHING, now: datetime | None = None
) -> dict[str, str] | None:
    """The applicant's personal data unmasked (R-SEC-2, R-SEC-3), for a supervisor who needs it —
    to call them back, say — written to the ledger with who read it, when and why, in the same
    transaction as the read. None when the case is not in the scope."""
    from jiancha.store.ledger import Entry, append, lock

    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        row = conn.execute(
            select(cases.c.applicant_name, cases.c.applicant_id_number, cases.c.applicant_phone).where(
                cases.c.case_no == case_no, scope.restrict(cases.c.department_code)
            )
        ).first()
        if row is None:
            return None
        record = {
            "v": 1,
            "action": "read_applicant",
            "case_no": case_no,
            "by": who,
            "reason": reason,
            "at": iso_utc(now),
        }
        append(conn, [Entry("personal_data", f"case:{case_no}", record)], now)
    return {"name": row.applicant_name, "id_number": row.applicant_id_number, "phone": row.applicant_phone}
