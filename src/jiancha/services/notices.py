"""Supervision notices (督办, R-SUP-2, R-SUP-3): issued to a department with a report due in N
working days (the department's pack says N), at most the pack's number of extensions of at most M
working days each on the supervisor's approval, the department's report and the supervisor's
review. Every action is attributed and ledgered; the clock raises a signal on a notice not
reported on by the end of its due day, stamped with that instant, through the same signals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.events import AttachmentRef
from jiancha.domain.rules.lifecycle import SignalState
from jiancha.domain.rules.model import Finding, Rule
from jiancha.domain.rules.pack import Pack
from jiancha.domain.supervision.notices import (
    AWAITING,
    KIND_ZH,
    PREFIX,
    NoticeKind,
    NoticeState,
    check_extension,
    report_due,
)
from jiancha.domain.timeutil import end_of_local_day, iso_local, iso_utc, utcnow
from jiancha.services import notifications, packs
from jiancha.services.signals import Move, Subject, apply_moves, check_materials, raise_overdue
from jiancha.store import calendar as calendar_store
from jiancha.store.actions import Tracked, act, history
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import notice_actions, notices, signals

NOTICE = Tracked("notice", "notice_no", notices, notice_actions, "notice_id")

Who = Annotated[str, Field(min_length=1, max_length=200)]
RULE_ID, MEASURE_RULE_ID = "NT-OVERDUE", "NT-MEASURE-OVERDUE"


class NoticeIn(BaseModel):
    """A notice as the supervisor issues it: what kind, to whom, about what, what is required.
    A measure names the signal (or, but for an explanation, the case) it is about; the department
    may then be left out: it is the signal's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: NoticeKind = NoticeKind.supervise
    department_code: Annotated[str | None, Field(pattern=CODE_PATTERN)] = None
    title: Annotated[str, Field(min_length=1, max_length=500)]
    requirement: Annotated[str, Field(min_length=1, max_length=20000)]
    case_no: Annotated[str | None, Field(max_length=128)] = None
    signal_id: Annotated[int | None, Field(ge=1, le=2**62)] = None
    issued_by: Who = ""  # the API records the signed-in caller

    @model_validator(mode="after")
    def _about(self) -> NoticeIn:
        if self.kind == NoticeKind.explain and self.signal_id is None:
            raise ValueError(
                "要求作出解释和说明须指明所针对的预警信号（signal_id） | an explanation is required "
                "about a signal: give signal_id"
            )
        if self.kind != NoticeKind.supervise and self.signal_id is None and not self.case_no:
            raise ValueError(
                "监察措施须指明所针对的信号或办件（signal_id 或 case_no） | a measure is about a "
                "signal or a case: give signal_id or case_no"
            )
        if self.department_code is None and self.signal_id is None:
            raise ValueError("须指明部门（department_code） | department_code is required")
        return self


def issue(db: Database, notice: NoticeIn, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        department, case_no = _about(conn, notice)
        calendar = calendar_store.load(conn)
        pack = packs.for_departments(conn, [department])[department]
        due = report_due(now, pack.notices, calendar, notice.kind)
        notice_no = next_number(conn, notices, PREFIX[notice.kind], now)
        record = {
            "v": 1,
            "notice_no": notice_no,
            **notice.model_dump(),
            "department_code": department,
            "case_no": case_no,
            "due_on": due.isoformat(),
            "pack": pack.pack,
        }
        (seq,) = append(
            conn,
            [Entry("notice", f"notice:{notice_no}", {**record, "action": "issue", "at": iso_utc(now)})],
            now,
        )
        notice_id = conn.execute(
            insert(notices)
            .values(
                notice_no=notice_no,
                kind=notice.kind.value,
                department_code=department,
                case_no=case_no,
                signal_id=notice.signal_id,
                title=notice.title,
                requirement=notice.requirement,
                pack=pack.pack,
                state=NoticeState.issued.value,
                issued_by=notice.issued_by,
                issued_at=now,
                due_on=due,
                extensions=0,
                watch_at=end_of_local_day(due),
                ledger_seq=seq,
            )
            .returning(notices.c.id)
        ).scalar_one()
        history(
            conn, NOTICE, int(notice_id), "issue", notice.issued_by, {"due_on": due.isoformat()}, now, seq
        )
        kind_zh = KIND_ZH[notice.kind]
        _tell(
            conn,
            notice_no,
            "issue",
            department,
            f"【{kind_zh}】{notice_no} {notice.title}",
            f"{notice.requirement}（请于 {due.isoformat()} 前答复）",
            now,
        )
    return detail(db, notice_no) or {}


def _about(conn: Connection, notice: NoticeIn) -> tuple[str, str | None]:
    """The department the notice goes to and the case it is about: those given, which must be the
    signal's, or the signal's."""
    if notice.signal_id is None:
        return str(notice.department_code), notice.case_no
    found = conn.execute(
        select(signals.c.department_code, signals.c.case_no).where(signals.c.id == notice.signal_id)
    ).first()
    if found is None:
        zh, en = "信号不存在", f"signal {notice.signal_id} not found"
        raise Rejected("not_found", zh, en, [Problem("not_found", "signal_id", zh, en)], status=404)
    if notice.department_code not in (None, found.department_code):
        zh = f"信号属于部门 {found.department_code}"
        en = f"signal {notice.signal_id} belongs to department {found.department_code}"
        raise Rejected("wrong_department", zh, en, [Problem("wrong_department", "department_code", zh, en)])
    if notice.case_no not in (None, found.case_no):
        zh = f"信号属于办件 {found.case_no}"
        en = f"signal {notice.signal_id} is about case {found.case_no}"
        raise Rejected("wrong_case", zh, en, [Problem("wrong_case", "case_no", zh, en)])
    return str(found.department_code), found.case_no


def _tell(
    conn: Connection, notice_no: str, step: str, department: str, title: str, body: str, now: datetime
) -> None:
    notifications.on_record(conn, "notice", department, f"notice:{notice_no}/{step}", title, body, now)


def request_extension(
    db: Database, notice_no: str, days: int, reason: str, by: str, now: datetime | None = None
) -> dict[str, Any]:
    """The department asks for more time (申请延期), with its reason."""
    now = now or utcnow()
    with db.write() as conn:
        row, pack = _awaiting(conn, notice_no)
        if row.state != NoticeState.issued.value:
            raise Rejected(
                "bad_state", "已有待审批的延期申请", "an extension request is already pending", status=409
            )
        _refuse(lambda: check_extension(days, row.extensions, pack.notices), "days")
        act(
            conn,
            NOTICE,
            row,
            "request_extension",
            by,
            {"days": days, "reason": reason},
            now,
            state=NoticeState.extension_requested.value,
            extension_days=days,
            extension_reason=reason,
        )
    return detail(db, notice_no) or {}


def decide_extension(
    db: Database, notice_no: str, approve: bool, by: str, reason: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """The supervisor grants or refuses the extension; granted, the due date moves on by the days asked."""
    now = now or utcnow()
    with db.write() as conn:
        row, _ = _awaiting(conn, notice_no)
        if row.state != NoticeState.extension_requested.value:
            raise Rejected("bad_state", "没有待审批的延期申请", "no extension request is pending", status=409)
        values: dict[str, Any] = {"state": NoticeState.issued.value, "extension_days": None}
        detail_ = {"approve": approve, "reason": reason, "days": row.extension_days}
        if approve:
            calendar = calendar_store.load(conn)
            due = calendar.add_working_days(row.due_on, int(row.extension_days))
            values.update(due_on=due, extensions=row.extensions + 1, watch_at=end_of_local_day(due))
            detail_["due_on"] = due.isoformat()
        act(conn, NOTICE, row, "decide_extension", by, detail_, now, **values)
        answer = f"同意延期至 {values['due_on'].isoformat()}" if approve else f"不同意延期：{reason}"
        title = f"【延期申请】{notice_no} {answer}"
        _tell(conn, notice_no, f"extension@{iso_utc(now)}", row.department_code, title, row.title, now)
    return detail(db, notice_no) or {}


def report(
    db: Database,
    notice_no: str,
    text: str,
    by: str,
    now: datetime | None = None,
    materials: Sequence[AttachmentRef] = (),
) -> dict[str, Any]:
    """The department reports its investigation and handling (报告调查处理情况), or answers a
    measure, with the materials asked for (uploaded first). Its answer to a request for an
    explanation is the signal's explanation: an open signal moves to explained with it."""
    now = now or utcnow()
    if not text.strip():
        raise Rejected("empty_report", "报告内容不能为空", "the report is empty")
    with db.write() as conn:
        row, _ = _awaiting(conn, notice_no)
        check_materials(conn, materials)
        late = now > end_of_local_day(row.due_on)
        given = [a.model_dump() for a in materials]
        act(
            conn,
            NOTICE,
            row,
            "report",
            by,
            {"report": text, "late": late, **({"materials": given} if given else {})},
            now,
            state=NoticeState.reported.value,
            report=text,
            reported_by=by,
            reported_at=now,
            watch_at=None,
            extension_days=None,
        )
        if row.kind == NoticeKind.explain.value:
            _move_signal(conn, row, SignalState.open, SignalState.explained, by, text, now, materials)
    return detail(db, notice_no) or {}


def review(
    db: Database, notice_no: str, accept: bool, by: str, reason: str = "", now: datetime | None = None
) -> dict[str, Any]:
    """The supervisor accepts the report (the notice closes) or sends it back: waiting again,
    with the same due date, so a report sent back after it is late at once. An explanation sent
    back is rejected: the signal is open again."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        row = _row(conn, notice_no)
        if row.state != NoticeState.reported.value:
            raise Rejected("bad_state", "督办件尚未报告", "the notice has no report to review", status=409)
        if not accept and not reason.strip():
            raise Rejected("reason_required", "退回须说明理由", "sending a report back needs a reason")
        values: dict[str, Any] = (
            {"state": NoticeState.closed.value, "closed_by": by, "closed_at": now}
            if accept
            else {"state": NoticeState.issued.value, "watch_at": end_of_local_day(row.due_on)}
        )
        act(conn, NOTICE, row, "review", by, {"accept": accept, "reason": reason}, now, **values)
        if not accept:
            if row.kind == NoticeKind.explain.value:
                _move_signal(conn, row, SignalState.explained, SignalState.open, by, reason, now)
            title = f"【退回】{notice_no} {row.title}"
            body = f"{reason}（仍须于 {row.due_on.isoformat()} 前答复）"
            _tell(conn, notice_no, f"review@{iso_utc(now)}", row.department_code, title, body, now)
    return detail(db, notice_no) or {}


def _move_signal(
    conn: Connection,
    row: Any,
    when: SignalState,
    to: SignalState,
    by: str,
    reason: str,
    now: datetime,
    materials: Sequence[AttachmentRef] = (),
) -> None:
    """Move the notice's signal, if it is still where the notice left it (the supervisor may have
    moved it meanwhile)."""
    if row.signal_id is None:
        return
    state = conn.execute(select(signals.c.state).where(signals.c.id == row.signal_id)).scalar_one_or_none()
    if state == when.value:
        apply_moves(conn, [Move(row.signal_id, to, by, reason, materials=tuple(materials))], now)


def watch(conn: Connection, now: datetime) -> int:
    """Raise a signal for each notice still awaiting its report after its due day (the clock)."""
    return raise_overdue(conn, notices, now, _overdue)


def _overdue(r: Any, pack: Pack) -> Subject:
    rules = pack.notices
    if r.kind == NoticeKind.supervise.value:
        rule = Rule(
            RULE_ID,
            "notice",
            rules.colour,
            rules.article,
            rules.message_zh,
            rules.message_en,
            escalates=False,
        )
    else:
        rule = Rule(
            MEASURE_RULE_ID,
            "notice",
            rules.colour,
            rules.measure_article,
            rules.measure_message_zh,
            rules.measure_message_en,
            escalates=False,
        )
    values = {
        "notice_no": r.notice_no,
        "kind": r.kind,
        "kind_zh": KIND_ZH[NoticeKind(r.kind)],
        "department": r.department_code,
        "due": r.due_on.isoformat(),
    }
    finding = Finding(rule.id, rules.colour, r.watch_at, values, deadline=r.due_on)
    return Subject(f"notice:{r.notice_no}@{r.due_on.isoformat()}", r.department_code, finding, rule)


def list_notices(
    db: Database,
    department: str | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
    kind: NoticeKind | None = None,
    signal_id: int | None = None,
    scope: Scope = EVERYTHING,
) -> tuple[int, list[dict[str, Any]]]:
    conditions = [
        c
        for c in (
            scope.restrict(notices.c.department_code),
            notices.c.department_code == department if department else None,
            notices.c.state == state if state else None,
            notices.c.kind == kind.value if kind else None,
            notices.c.signal_id == signal_id if signal_id else None,
        )
        if c is not None
    ]
    with db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(notices).where(*conditions)).scalar_one())
        rows = conn.execute(
            select(notices)
            .where(*conditions)
            .order_by(notices.c.issued_at.desc(), notices.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return total, [_view(r) for r in rows]


def detail(db: Database, notice_no: str, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(
            select(notices).where(notices.c.notice_no == notice_no, scope.restrict(notices.c.department_code))
        ).first()
        if row is None:
            return None
        history = conn.execute(
            select(notice_actions).where(notice_actions.c.notice_id == row.id).order_by(notice_actions.c.id)
        ).all()
    return {
        **_view(row),
        "requirement": row.requirement,
        "report": row.report,
        "history": [
            {
                "action": h.action,
                "by": h.by,
                "at": iso_local(h.at),
                "detail": h.detail,
                "ledger_seq": h.ledger_seq,
            }
            for h in history
        ],
    }


def _view(r: Any) -> dict[str, Any]:
    return {
        "notice_no": r.notice_no,
        "kind": r.kind,
        "kind_zh": KIND_ZH[NoticeKind(r.kind)],
        "department_code": r.department_code,
        "case_no": r.case_no,
        "signal_id": r.signal_id,
        "title": r.title,
        "state": r.state,
        "pack": r.pack,
        "issued_by": r.issued_by,
        "issued_at": iso_local(r.issued_at),
        "due_on": r.due_on.isoformat(),
        "extensions": r.extensions,
        "extension_days_requested": r.extension_days,
        "reported_at": iso_local(r.reported_at) if r.reported_at else None,
        "closed_at": iso_local(r.closed_at) if r.closed_at else None,
    }


def _row(conn: Connection, notice_no: str) -> Any:
    row = conn.execute(select(notices).where(notices.c.notice_no == notice_no)).first()
    if row is None:
        raise Rejected("not_found", "督办件不存在", f"notice {notice_no} not found", status=404)
    return row


def _awaiting(conn: Connection, notice_no: str) -> tuple[Any, Any]:
    lock(conn)
    row = _row(conn, notice_no)
    if NoticeState(row.state) not in AWAITING:
        raise Rejected(
            "bad_state",
            f"督办件处于 {row.state}",
            f"the notice is {row.state}, not awaiting a report",
            status=409,
        )
    return row, packs.for_departments(conn, [row.department_code])[row.department_code]


def _refuse(check: Any, field: str) -> None:
    """Run a domain check; its ValueError ("中文 | English") becomes a refusal naming the field."""
    try:
        check()
    except ValueError as e:
        zh, en = str(e).split(" | ", 1)
        raise Rejected("bad_extension", zh, en, [Problem("bad_extension", field, zh, en)], status=409) from e
