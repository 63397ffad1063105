"""Satisfaction (R-PUB-2): the applicant rates a case once (web or the hall's rating device, by
case number and check code), and the agency revisits applicants (phone, visit, web, SMS) and
records what they said. Ledgered; summarised per department."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import iso_local, iso_utc, utcnow
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import cases, ratings

Score = Annotated[int, Field(ge=1, le=5)]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    case_no: Annotated[str, Field(min_length=1, max_length=128)]
    check_code: Annotated[str, Field(min_length=1, max_length=32)]
    score: Score
    channel: Annotated[str, Field(pattern="^(web|device)$")] = "web"
    comment: Annotated[str, Field(max_length=2000)] = ""


class RevisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    case_no: Annotated[str, Field(min_length=1, max_length=128)]
    channel: Annotated[str, Field(pattern="^(phone|visit|web|sms)$")]
    score: Score
    comment: Annotated[str, Field(max_length=5000)] = ""
    by: Annotated[str, Field(max_length=200)] = ""  # the API records the signed-in caller


def rate(db: Database, rating: RatingIn, now: datetime | None = None) -> dict[str, Any]:
    """The applicant's own rating: once per case, and only with the case's check code."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        case = conn.execute(select(cases).where(cases.c.case_no == rating.case_no)).first()
        if case is None or not case.check_code or not hmac.compare_digest(case.check_code, rating.check_code):
            raise Rejected(
                "not_found", "办件编号或查询码不正确", "no case with that number and check code", status=404
            )
        if conn.execute(
            select(ratings.c.id).where(ratings.c.case_id == case.id, ratings.c.kind == "rating")
        ).first():
            raise Rejected("already_rated", "该办件已评价", "this case has been rated already", status=409)
        return _record(conn, case, "rating", rating.channel, rating.score, rating.comment, "applicant", now)


def revisit(db: Database, visit: RevisitIn, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        case = conn.execute(select(cases).where(cases.c.case_no == visit.case_no)).first()
        if case is None:
            raise Rejected("not_found", "办件不存在", f"case {visit.case_no} not found", status=404)
        return _record(conn, case, "revisit", visit.channel, visit.score, visit.comment, visit.by, now)


def summary(db: Database, department: str | None = None, scope: Scope = EVERYTHING) -> dict[str, Any]:
    """Ratings and revisits per department: how many, and the mean score."""
    where = [scope.restrict(ratings.c.department_code)]
    if department:
        where.append(ratings.c.department_code == department)
    with db.read() as conn:
        rows = conn.execute(
            select(ratings.c.department_code, ratings.c.kind, func.count(), func.avg(ratings.c.score))
            .where(*where)
            .group_by(ratings.c.department_code, ratings.c.kind)
            .order_by(ratings.c.department_code, ratings.c.kind)
        ).all()
    out: dict[str, dict[str, Any]] = {}
    for dept, kind, n, mean in rows:
        out.setdefault(str(dept), {})[str(kind)] = {"count": int(n), "mean_score": round(float(mean), 2)}
    return {"departments": out}


def _record(
    conn: Any, case: Any, kind: str, channel: str, score: int, comment: str, by: str, now: datetime
) -> dict[str, Any]:
    values = {
        "case_no": case.case_no,
        "department_code": case.department_code,
        "kind": kind,
        "channel": channel,
        "score": score,
        "comment": comment,
        "by": by,
    }
    (seq,) = append(
        conn, [Entry("rating", f"rating:{case.case_no}/{kind}", {"v": 1, **values, "at": iso_utc(now)})], now
    )
    conn.execute(insert(ratings).values(case_id=case.id, **values, at=now, ledger_seq=seq))
    return {**values, "at": iso_local(now), "ledger_seq": seq}
