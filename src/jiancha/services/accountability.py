"""Recording accountability decisions (R-SUP-4): attributed, ledgered, readable per department."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Rejected
from jiancha.domain.supervision.accountability import LABELS, AccountabilityIn, Measure
from jiancha.domain.timeutil import iso_local, iso_utc, utcnow
from jiancha.domain.validation import problems_from
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import accountability


def parse(raw: Any) -> AccountabilityIn:
    try:
        return AccountabilityIn.model_validate(raw)
    except ValidationError as e:
        raise Rejected(
            "accountability_rejected",
            "问责记录无效",
            "the accountability record is invalid",
            problems_from(e),
        ) from e


def record(db: Database, decision: AccountabilityIn, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        record_no = next_number(conn, accountability, "WZ", now)
        values = decision.model_dump(mode="json")
        (seq,) = append(
            conn,
            [
                Entry(
                    "accountability",
                    f"accountability:{record_no}",
                    {"v": 1, "record_no": record_no, **values, "at": iso_utc(now)},
                )
            ],
            now,
        )
        conn.execute(
            insert(accountability).values(record_no=record_no, **values, decided_at=now, ledger_seq=seq)
        )
    return detail(db, record_no) or {}


def list_records(
    db: Database, department: str | None = None, limit: int = 100, offset: int = 0, scope: Scope = EVERYTHING
) -> tuple[int, list[dict[str, Any]]]:
    where = [scope.restrict(accountability.c.department_code)]
    if department:
        where.append(accountability.c.department_code == department)
    with db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(accountability).where(*where)).scalar_one())
        rows = conn.execute(
            select(accountability)
            .where(*where)
            .order_by(accountability.c.decided_at.desc(), accountability.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return total, [_view(r) for r in rows]


def detail(db: Database, record_no: str, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(
            select(accountability).where(
                accountability.c.record_no == record_no, scope.restrict(accountability.c.department_code)
            )
        ).first()
    return _view(row) if row is not None else None


def _view(r: Any) -> dict[str, Any]:
    return {
        "record_no": r.record_no,
        "department_code": r.department_code,
        "signal_id": r.signal_id,
        "notice_no": r.notice_no,
        "fault": r.fault,
        "finding": r.finding,
        "measures": [{"measure": m, "label_zh": LABELS[Measure(m)]} for m in r.measures],
        "official": r.official,
        "self_corrected": r.self_corrected,
        "mitigation": r.mitigation,
        "decided_by": r.decided_by,
        "decided_at": iso_local(r.decided_at),
        "ledger_seq": r.ledger_seq,
    }
