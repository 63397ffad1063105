"""Exports (R-SEC-2): copying data out of the platform needs the approval of the unit's leader.

A person asks, saying why; the leader of their unit — a user marked `leader` of the same agency
(region) or department, not the requester — approves or refuses; the requester then downloads
the file once, made at that moment within the requester's scope (masked, as every output is).
Each step is written to the ledger: who, what, when, why, and the file's SHA-256 and row count.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, and_, insert, or_, select, update

from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import iso_local_or_none, iso_utc, utcnow
from jiancha.services import queries, signals, work_ledger
from jiancha.services.access import Caller
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import exports

MAX_ROWS = 100_000
Param = Annotated[str, Field(max_length=300)]


class ExportIn(BaseModel):
    """What to export (with the list's filters) and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    what: Literal["cases", "signals", "supervision_ledger"]
    params: Annotated[dict[Annotated[str, Field(max_length=32)], Param], Field(max_length=10)] = {}
    reason: Annotated[str, Field(min_length=2, max_length=2000)]

    @model_validator(mode="after")
    def _known_params(self) -> ExportIn:
        unknown = sorted(set(self.params) - set(PARAMS[self.what]))
        if unknown:
            raise ValueError(
                f"不支持的筛选条件 {unknown} | unknown filters {unknown} for {self.what}; "
                f"allowed: {', '.join(PARAMS[self.what])}"
            )
        for name in ("from", "to"):
            if name in self.params:
                try:
                    date.fromisoformat(self.params[name])
                except ValueError as e:
                    raise ValueError(f"{name} 应为 YYYY-MM-DD | {name} must be a date YYYY-MM-DD") from e
        return self


# The filters each export takes: those of the list it copies.
PARAMS = {
    "cases": ("status", "department", "item"),
    "signals": ("colour", "state", "rule", "department"),
    "supervision_ledger": ("kind", "from", "to", "ref"),
}


def request(db: Database, ask: ExportIn, who: Caller, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    if who.user_id is None:
        raise Rejected(
            "people_only", "只有用户可以申请导出", "only a person may ask for an export", status=403
        )
    with db.write() as conn:
        lock(conn)
        export_no = next_number(conn, exports, "DC", now)
        seq = _ledger(conn, export_no, "request", who, now, **ask.model_dump())
        conn.execute(
            insert(exports).values(
                export_no=export_no,
                what=ask.what,
                params=ask.params,
                reason=ask.reason,
                requester_id=who.user_id,
                requested_by=who.label,
                unit_region=who.region_code if who.department_code is None else None,
                unit_department=who.department_code,
                state="requested",
                requested_at=now,
                ledger_seq=seq,
            )
        )
    return _one(db, export_no, who)


def decide(
    db: Database, export_no: str, approve: bool, reason: str, who: Caller, now: datetime | None = None
) -> dict[str, Any]:
    """The unit's leader approves or refuses (with a reason when refusing)."""
    now = now or utcnow()
    if not approve and not reason.strip():
        raise Rejected("reason_required", "不同意须说明理由", "a refusal needs its reason")
    with db.write() as conn:
        lock(conn)
        row = conn.execute(select(exports).where(exports.c.export_no == export_no, _visible(who))).first()
        if row is None:
            raise Rejected("not_found", "导出申请不存在", f"export {export_no} not found", status=404)
        if not _leads(who, row):
            raise Rejected(
                "not_the_leader",
                "只有本单位负责人（非申请人本人）可以审批导出",
                "only the unit's leader, other than the requester, approves an export",
                status=403,
            )
        if row.state != "requested":
            raise Rejected("bad_state", f"导出申请处于 {row.state}", f"the export is {row.state}", status=409)
        state = "approved" if approve else "refused"
        _ledger(conn, export_no, state, who, now, reason=reason)
        conn.execute(
            update(exports)
            .where(exports.c.id == row.id)
            .values(state=state, decided_by=who.label, decided_at=now, decision_reason=reason)
        )
    return _one(db, export_no, who)


def download(db: Database, export_no: str, who: Caller, now: datetime | None = None) -> tuple[str, bytes]:
    """The approved file, once, to its requester: (file name, CSV bytes)."""
    now = now or utcnow()
    with db.read() as conn:
        row = conn.execute(select(exports).where(exports.c.export_no == export_no, _visible(who))).first()
    if row is None:
        raise Rejected("not_found", "导出申请不存在", f"export {export_no} not found", status=404)
    if row.requester_id != who.user_id:
        raise Rejected(
            "not_requester", "只有申请人可以下载", "only the requester downloads an export", status=403
        )
    if row.state != "approved":
        raise Rejected(
            "not_approved",
            "导出未经本单位负责人批准（或已下载）" if row.state != "downloaded" else "该导出已下载过",
            f"the export is {row.state}: it needs the unit leader's approval, and is downloaded once",
            status=403,
        )
    found = _rows(db, row.what, row.params, who)
    content = _csv(found)
    digest = hashlib.sha256(content).hexdigest()
    with db.write() as conn:
        lock(conn)
        done = conn.execute(
            update(exports)
            .where(exports.c.id == row.id, exports.c.state == "approved")
            .values(state="downloaded", downloaded_at=now, rows=len(found), sha256=digest)
        )
        if not done.rowcount:
            raise Rejected("not_approved", "该导出已下载过", "the export was already downloaded", status=403)
        _ledger(conn, export_no, "download", who, now, rows=len(found), sha256=digest)
    return f"{export_no}-{row.what}.csv", content


def _ledger(conn: Any, export_no: str, action: str, who: Caller, now: datetime, **detail: Any) -> int:
    """Each step in the ledger: who, what, when, and why or what was given out."""
    record = {"v": 1, "export_no": export_no, "action": action, **detail, "by": who.label, "at": iso_utc(now)}
    (seq,) = append(conn, [Entry("export", f"export:{export_no}", record)], now)
    return seq


def list_exports(db: Database, who: Caller) -> list[dict[str, Any]]:
    """One's own requests, and, for a leader, those of the unit."""
    with db.read() as conn:
        rows = conn.execute(
            select(exports).where(_visible(who)).order_by(exports.c.id.desc()).limit(500)
        ).all()
    return [_view(r) for r in rows]


def _visible(who: Caller) -> ColumnElement[bool]:
    own = exports.c.requester_id == (who.user_id or -1)
    if not who.leader:
        return own
    unit = (
        exports.c.unit_department == who.department_code
        if who.department_code is not None
        else and_(
            exports.c.unit_department.is_(None), exports.c.unit_region.is_not_distinct_from(who.region_code)
        )
    )
    return or_(own, unit)


def _leads(who: Caller, row: Any) -> bool:
    same_unit = (
        row.unit_department == who.department_code
        if row.unit_department is not None
        else who.department_code is None and row.unit_region == who.region_code
    )
    return who.leader and same_unit and row.requester_id != who.user_id


def _rows(db: Database, what: str, params: dict[str, str], who: Caller) -> list[dict[str, Any]]:
    def day(name: str) -> date | None:
        return date.fromisoformat(params[name]) if params.get(name) else None

    if what == "cases":
        f = queries.CaseFilter(
            status=params.get("status"),
            department_code=params.get("department"),
            item_code=params.get("item"),
        )
        _, found = queries.list_cases(db, f, MAX_ROWS, 0, who.scope)
        return [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in found]
    if what == "signals":
        f2 = signals.SignalFilter(
            colour=params.get("colour"),
            state=params.get("state"),
            rule_id=params.get("rule"),
            department_code=params.get("department"),
        )
        _, found = signals.list_signals(db, f2, MAX_ROWS, 0, who.scope)
        return [{k: v for k, v in r.items() if not isinstance(v, dict | list)} for r in found]
    if not who.scope.everything:
        raise Rejected(
            "top_level_only",
            "仅限最高一级监察机关",
            "only the top-level agency exports the ledger",
            status=403,
        )
    f3 = work_ledger.LedgerFilter(params.get("kind"), day("from"), day("to"), params.get("ref"))
    return work_ledger.rows(db, f3, 0, MAX_ROWS)


def _csv(found: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text as such."""
    out = io.StringIO()
    fields = list(dict.fromkeys(k for r in found for k in r)) or ["empty"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(found)
    return "\ufeff".encode() + out.getvalue().encode()


def _one(db: Database, export_no: str, who: Caller) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(exports).where(exports.c.export_no == export_no)).one()
    return _view(row)


def _view(r: Any) -> dict[str, Any]:
    return {
        "export_no": r.export_no,
        "what": r.what,
        "params": r.params,
        "reason": r.reason,
        "requested_by": r.requested_by,
        "unit": r.unit_department or r.unit_region,
        "state": r.state,
        "requested_at": iso_local_or_none(r.requested_at),
        "decided_by": r.decided_by,
        "decided_at": iso_local_or_none(r.decided_at),
        "decision_reason": r.decision_reason,
        "downloaded_at": iso_local_or_none(r.downloaded_at),
        "rows": r.rows,
        "sha256": r.sha256,
    }
