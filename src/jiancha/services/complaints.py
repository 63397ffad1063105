"""Complaints (R-PUB-1): received, accepted or not within the pack's working days (with the
reason), sent to the department with a due date for the result, the result; a real-name
complainant is told the decision and the result (a reply recorded against the complaint), an
anonymous one is not. The clock raises a signal when a decision or a result is late.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Connection, func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Rejected
from jiancha.domain.masking import mask_name, mask_phone
from jiancha.domain.public.complaints import ComplaintIn, ComplaintState
from jiancha.domain.rules.model import Finding, Rule
from jiancha.domain.rules.pack import Pack
from jiancha.domain.timeutil import end_of_local_day, iso_local, iso_utc, local_date, utcnow
from jiancha.domain.validation import problems_from
from jiancha.services import notifications, packs
from jiancha.services.signals import Subject, raise_overdue
from jiancha.store import calendar as calendar_store
from jiancha.store.actions import Tracked, act, history
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import complaint_actions, complaints

COMPLAINT = Tracked("complaint", "complaint_no", complaints, complaint_actions, "complaint_id")

DECIDE_RULE, RESULT_RULE = "CP-DECISION-OVERDUE", "CP-RESULT-OVERDUE"


def parse(raw: Any) -> ComplaintIn:
    try:
        return ComplaintIn.model_validate(raw)
    except ValidationError as e:
        raise Rejected(
            "complaint_rejected", "投诉内容无效", "the complaint is invalid", problems_from(e)
        ) from e


def submit(db: Database, complaint: ComplaintIn, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        calendar = calendar_store.load(conn)
        pack = packs.for_departments(conn, [complaint.department_code])[complaint.department_code]
        due = calendar.add_working_days(local_date(now), pack.complaints.decide_working_days)
        complaint_no = next_number(conn, complaints, "TS", now)
        who = complaint.complainant
        record = {
            "v": 1,
            "complaint_no": complaint_no,
            "action": "submit",
            **complaint.model_dump(),
            "at": iso_utc(now),
        }
        (seq,) = append(conn, [Entry("complaint", f"complaint:{complaint_no}", record)], now)
        complaint_id = conn.execute(
            insert(complaints)
            .values(
                complaint_no=complaint_no,
                department_code=complaint.department_code,
                case_no=complaint.case_no,
                content=complaint.content,
                channel=complaint.channel,
                anonymous=complaint.anonymous,
                complainant_name=who.name if who else "",
                complainant_phone=who.phone if who else "",
                pack=pack.pack,
                state=ComplaintState.received.value,
                received_at=now,
                decide_due=due,
                watch_at=end_of_local_day(due),
                ledger_seq=seq,
            )
            .returning(complaints.c.id)
        ).scalar_one()
        history(
            conn, COMPLAINT, int(complaint_id), "submit", "public", {"decide_due": due.isoformat()}, now, seq
        )
        # The supervisors are told; the department only once it is accepted and sent to it.
        about = complaint.department_code
        title = f"【新投诉】{complaint_no} 关于 {about}，请于 {due.isoformat()} 前决定是否受理"
        notifications.on_record(
            conn, "complaint", None, f"complaint:{complaint_no}/submit", title, complaint.content, now
        )
    return detail(db, complaint_no) or {}


def decide(
    db: Database, complaint_no: str, accept: bool, reason: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """Accept (and send to the department, with the due date of its result) or not, with the reason."""
    now = now or utcnow()
    if not reason.strip():
        raise Rejected("reason_required", "须说明受理或不予受理的理由", "the decision needs its reason")
    with db.write() as conn:
        row = _row(conn, complaint_no, ComplaintState.received)
        values: dict[str, Any] = {"decision_reason": reason, "decided_at": now}
        if accept:
            calendar = calendar_store.load(conn)
            pack = packs.for_departments(conn, [row.department_code])[row.department_code]
            due = calendar.add_working_days(local_date(now), pack.complaints.result_working_days)
            values.update(
                state=ComplaintState.transferred.value, result_due=due, watch_at=end_of_local_day(due)
            )
        else:
            values.update(state=ComplaintState.not_accepted.value, watch_at=None)
        result_due = values.get("result_due")
        detail_ = {
            "accept": accept,
            "reason": reason,
            "result_due": result_due.isoformat() if result_due else None,
        }
        act(conn, COMPLAINT, row, "decide", by, detail_, now, **values)
        _reply(conn, row, "decision", detail_, now)
        if accept:
            notifications.on_record(
                conn,
                "complaint",
                row.department_code,
                f"complaint:{complaint_no}/transfer",
                f"【投诉转办】{complaint_no} 请于 {detail_['result_due']} 前报送处理结果",
                row.content,
                now,
            )
    return detail(db, complaint_no) or {}


def result(
    db: Database, complaint_no: str, text: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """The department's result of handling an accepted complaint."""
    now = now or utcnow()
    if not text.strip():
        raise Rejected("empty_result", "处理结果不能为空", "the result is empty")
    with db.write() as conn:
        row = _row(conn, complaint_no, ComplaintState.transferred)
        late = row.result_due is not None and now > end_of_local_day(row.result_due)
        detail_ = {"result": text, "late": late}
        act(
            conn,
            COMPLAINT,
            row,
            "result",
            by,
            detail_,
            now,
            state=ComplaintState.resulted.value,
            result=text,
            resulted_at=now,
            watch_at=None,
        )
        _reply(conn, row, "result", detail_, now)
    return detail(db, complaint_no) or {}


def verdict(
    db: Database, complaint_no: str, upheld: bool, reason: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """The agency's verdict on a handled complaint: upheld (查实) or not, once, with its reason. An
    upheld complaint costs its department points in the month's evaluation (R-EVA-1)."""
    now = now or utcnow()
    with db.write() as conn:
        row = _row(conn, complaint_no, ComplaintState.resulted)
        if row.upheld is not None:
            raise Rejected(
                "already_decided", "该投诉已有核查结论", "the complaint already has its verdict", status=409
            )
        act(
            conn,
            COMPLAINT,
            row,
            "verdict",
            by,
            {"upheld": upheld, "reason": reason},
            now,
            upheld=upheld,
            verdict_at=now,
        )
    return detail(db, complaint_no) or {}


def watch(conn: Connection, now: datetime) -> int:
    """Raise a signal for each complaint whose decision or result is late (the clock)."""
    return raise_overdue(conn, complaints, now, _overdue)


def _overdue(r: Any, pack: Pack) -> Subject:
    c = pack.complaints
    deciding = r.state == ComplaintState.received.value
    rule_id = DECIDE_RULE if deciding else RESULT_RULE
    zh, en = (
        (c.decide_message_zh, c.decide_message_en) if deciding else (c.result_message_zh, c.result_message_en)
    )
    rule = Rule(rule_id, "complaint", c.colour, c.article, zh, en, escalates=False)
    day = r.decide_due if deciding else r.result_due
    values = {"complaint_no": r.complaint_no, "department": r.department_code, "due": day.isoformat()}
    finding = Finding(rule_id, c.colour, r.watch_at, values, deadline=day)
    return Subject(f"complaint:{r.complaint_no}@{day.isoformat()}", r.department_code, finding, rule)


def list_complaints(
    db: Database,
    department: str | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
    scope: Scope = EVERYTHING,
    transferred_only: bool = False,
) -> tuple[int, list[dict[str, Any]]]:
    where = [
        c
        for c in (
            *_visible(scope, transferred_only),
            complaints.c.department_code == department if department else None,
            complaints.c.state == state if state else None,
        )
        if c is not None
    ]
    with db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(complaints).where(*where)).scalar_one())
        rows = conn.execute(
            select(complaints)
            .where(*where)
            .order_by(complaints.c.received_at.desc(), complaints.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return total, [_view(r) for r in rows]


def _visible(scope: Scope, transferred_only: bool) -> list[ColumnElement[bool]]:
    """A department sees the complaints about it once they are accepted and sent to it."""
    where = [scope.restrict(complaints.c.department_code)]
    if transferred_only:
        where.append(complaints.c.state.in_(SENT_ON))
    return where


SENT_ON = (ComplaintState.transferred.value, ComplaintState.resulted.value)


def detail(
    db: Database, complaint_no: str, scope: Scope = EVERYTHING, transferred_only: bool = False
) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(
            select(complaints).where(
                complaints.c.complaint_no == complaint_no, *_visible(scope, transferred_only)
            )
        ).first()
        if row is None:
            return None
        history = conn.execute(
            select(complaint_actions)
            .where(complaint_actions.c.complaint_id == row.id)
            .order_by(complaint_actions.c.id)
        ).all()
    return {
        **_view(row),
        "content": row.content,
        "decision_reason": row.decision_reason,
        "result": row.result,
        "history": [
            {"action": h.action, "by": h.by, "at": iso_local(h.at), "detail": h.detail} for h in history
        ],
    }


def _view(r: Any) -> dict[str, Any]:
    return {
        "complaint_no": r.complaint_no,
        "department_code": r.department_code,
        "case_no": r.case_no,
        "channel": r.channel,
        "anonymous": r.anonymous,
        # Masked: the supervisor needs to know a person can be told, not who (R-SEC-3).
        "complainant": None
        if r.anonymous
        else {"name": mask_name(r.complainant_name), "phone": mask_phone(r.complainant_phone)},
        "state": r.state,
        "received_at": iso_local(r.received_at),
        "decide_due": r.decide_due.isoformat(),
        "decided_at": iso_local(r.decided_at) if r.decided_at else None,
        "result_due": r.result_due.isoformat() if r.result_due else None,
        "resulted_at": iso_local(r.resulted_at) if r.resulted_at else None,
        "upheld": r.upheld,  # the agency's verdict on the result (查实), once it is given
    }


def _row(conn: Connection, complaint_no: str, expected: ComplaintState) -> Any:
    lock(conn)
    row = conn.execute(select(complaints).where(complaints.c.complaint_no == complaint_no)).first()
    if row is None:
        raise Rejected("not_found", "投诉不存在", f"complaint {complaint_no} not found", status=404)
    if row.state != expected.value:
        raise Rejected(
            "bad_state",
            f"投诉处于 {row.state}",
            f"the complaint is {row.state}, not {expected.value}",
            status=409,
        )
    return row


def _reply(conn: Connection, row: Any, what: str, detail_: dict[str, Any], now: datetime) -> None:
    """A real-name complainant is told, by a text message through the outbox (R-SIG-8); an
    anonymous complaint has no one to tell. The reply is in the complaint's history too."""
    if row.anonymous:
        return
    act(
        conn,
        COMPLAINT,
        row,
        "reply",
        "system",
        {"about": what, "to": mask_phone(row.complainant_phone), **detail_},
        now,
    )
    if what == "decision":
        text = (
            f"您的投诉 {row.complaint_no} 已受理，已转 {row.department_code} 办理，"
            f"应于 {detail_['result_due']} 前答复。受理意见：{detail_['reason']}"
            if detail_["accept"]
            else f"您的投诉 {row.complaint_no} 不予受理。理由：{detail_['reason']}"
        )
    else:
        text = f"您的投诉 {row.complaint_no} 已办结。处理结果：{detail_['result']}"
    subject = f"complaint:{row.complaint_no}/{what}"
    title = f"投诉 {row.complaint_no} {'受理结果' if what == 'decision' else '处理结果'}"
    notifications.to_person(conn, "complaint_reply", subject, row.complainant_phone, title, text, now)
