"""Sampling (抽查, R-PAT-2): a seeded random draw of N cases from a filter, reproducible — the same
seed over the same cases draws the same ones, so anyone can check the draw was not picked by
hand — and the reviewers' findings on each drawn case. Ledgered."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import PlausibleDay, iso_local, iso_utc, start_of_local_day, utcnow
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.numbering import next_number
from jiancha.store.tables import cases, sample_findings, samples

Who = Annotated[str, Field(min_length=1, max_length=200)]


class CaseFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    department_code: Annotated[str | None, Field(max_length=64)] = None
    item_code: Annotated[str | None, Field(max_length=64)] = None
    status: Annotated[str | None, Field(pattern="^(open|suspended|completed|rejected)$")] = None
    received_from: PlausibleDay | None = None
    received_to: PlausibleDay | None = None  # inclusive


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: Annotated[int, Field(ge=0, le=2**62)]
    size: Annotated[int, Field(ge=1, le=10_000)]
    filter: CaseFilterIn = CaseFilterIn()
    by: Who = ""  # the API records the signed-in caller


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    case_no: Annotated[str, Field(min_length=1, max_length=128)]
    compliant: bool
    finding: Annotated[str, Field(min_length=1, max_length=20000)]
    by: Who = ""  # the API records the signed-in caller


def population(conn: Any, f: CaseFilterIn, scope: Scope = EVERYTHING) -> list[str]:
    """The case numbers the filter matches within the agency's scope, in a fixed order (by case
    number) so a seed means one draw."""
    where = [
        c
        for c in (
            scope.restrict(cases.c.department_code),
            cases.c.department_code == f.department_code if f.department_code else None,
            cases.c.item_code == f.item_code if f.item_code else None,
            cases.c.status == f.status if f.status else None,
            cases.c.received_at >= start_of_local_day(f.received_from) if f.received_from else None,
            cases.c.received_at < start_of_local_day(date.fromordinal(f.received_to.toordinal() + 1))
            if f.received_to
            else None,
        )
        if c is not None
    ]
    return [
        str(n)
        for n in conn.execute(select(cases.c.case_no).where(*where).order_by(cases.c.case_no)).scalars()
    ]


def draw(
    db: Database,
    request: DrawIn,
    now: datetime | None = None,
    scope: Scope = EVERYTHING,
    agency: str | None = None,
) -> dict[str, Any]:
    """Draw from the cases `scope` shows — the scope of `agency` (a region; None: the top level),
    recorded with the sample so that anyone can repeat the draw."""
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        everyone = population(conn, request.filter, scope)
        drawn = sorted(random.Random(request.seed).sample(everyone, min(request.size, len(everyone))))
        sample_no = next_number(conn, samples, "CC", now)
        values = {
            "sample_no": sample_no,
            "seed": request.seed,
            "size": request.size,
            "filter": request.filter.model_dump(mode="json"),
            "population": len(everyone),
            "case_nos": drawn,
            "drawn_by": request.by,
            "agency_region": agency,
        }
        (seq,) = append(
            conn, [Entry("sample", f"sample:{sample_no}", {"v": 1, **values, "at": iso_utc(now)})], now
        )
        conn.execute(insert(samples).values(**values, drawn_at=now, ledger_seq=seq))
    return detail(db, sample_no) or {}


def review(
    db: Database, sample_no: str, finding: FindingIn, now: datetime | None = None, scope: Scope = EVERYTHING
) -> dict[str, Any]:
    now = now or utcnow()
    with db.write() as conn:
        lock(conn)
        row = conn.execute(select(samples).where(samples.c.sample_no == sample_no, _visible(scope))).first()
        if row is None:
            raise Rejected("not_found", "抽查批次不存在", f"sample {sample_no} not found", status=404)
        if finding.case_no not in row.case_nos:
            raise Rejected(
                "not_drawn", "该办件不在本次抽查中", f"case {finding.case_no} was not drawn in this sample"
            )
        values = finding.model_dump()
        (seq,) = append(
            conn,
            [
                Entry(
                    "sample_finding",
                    f"sample:{sample_no}",
                    {"v": 1, "sample_no": sample_no, **values, "at": iso_utc(now)},
                )
            ],
            now,
        )
        conn.execute(insert(sample_findings).values(sample_id=row.id, **values, at=now, ledger_seq=seq))
    return detail(db, sample_no) or {}


def _visible(scope: Scope) -> ColumnElement[bool]:
    """An agency sees the samples it and the agencies below it drew (the top level's: only the top)."""
    return scope.restrict_region(samples.c.agency_region)


def detail(db: Database, sample_no: str, scope: Scope = EVERYTHING) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(samples).where(samples.c.sample_no == sample_no, _visible(scope))).first()
        if row is None:
            return None
        found = conn.execute(
            select(sample_findings)
            .where(sample_findings.c.sample_id == row.id)
            .order_by(sample_findings.c.id)
        ).all()
    return {
        "sample_no": row.sample_no,
        "seed": row.seed,
        "size": row.size,
        "filter": row.filter,
        "population": row.population,
        "case_nos": row.case_nos,
        "drawn_by": row.drawn_by,
        "drawn_at": iso_local(row.drawn_at),
        "findings": [
            {
                "case_no": f.case_no,
                "compliant": f.compliant,
                "finding": f.finding,
                "by": f.by,
                "at": iso_local(f.at),
            }
            for f in found
        ],
        "reviewed": len({f.case_no for f in found}),
    }


def listing(
    db: Database, scope: Scope = EVERYTHING, limit: int = 50, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """The samples the caller's agency (and those below it) drew, newest first, with how many of
    their cases have a finding."""
    reviewed = (
        select(func.count(func.distinct(sample_findings.c.case_no)))
        .where(sample_findings.c.sample_id == samples.c.id)
        .scalar_subquery()
    )
    with db.read() as conn:
        total = int(
            conn.execute(select(func.count()).select_from(samples).where(_visible(scope))).scalar_one()
        )
        rows = conn.execute(
            select(samples, reviewed.label("reviewed"))
            .where(_visible(scope))
            .order_by(samples.c.drawn_at.desc(), samples.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return total, [
        {
            "sample_no": r.sample_no,
            "seed": r.seed,
            "size": r.size,
            "filter": r.filter,
            "population": r.population,
            "drawn": len(r.case_nos),
            "drawn_by": r.drawn_by,
            "drawn_at": iso_local(r.drawn_at),
            "reviewed": int(r.reviewed),
        }
        for r in rows
    ]
