"""Patrols (R-PAT-1): logged with their findings, and each agency's shortfall against the number
its level must make each working day (the pack of its region says how many)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select

from jiancha.domain.access.scope import EVERYTHING, Scope
from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import iso_local, iso_utc, local_date, start_of_local_day, utcnow
from jiancha.services import packs
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append, lock
from jiancha.store.tables import patrols, regions


class PatrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    agency_region: Annotated[str, Field(min_length=1, max_length=32)]
    target_region: Annotated[str, Field(min_length=1, max_length=32)]
    kind: Annotated[str, Field(pattern="^(data|video)$")]
    by: Annotated[str, Field(max_length=200)] = ""  # the API records the signed-in caller
    at: datetime | None = None  # when it was made; now if not given
    findings: Annotated[str, Field(max_length=20000)] = ""
    issue_found: bool = False


def log(db: Database, patrol: PatrolIn, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    at = patrol.at or now
    with db.write() as conn:
        lock(conn)
        tree = dict(conn.execute(select(regions.c.code, regions.c.parent_code)).all())
        if patrol.agency_region not in tree or patrol.target_region not in tree:
            field = "agency_region" if patrol.agency_region not in tree else "target_region"
            raise Rejected(
                "unknown_region", f"区划 {getattr(patrol, field)} 不存在", f"{field}: unknown region"
            )
        if patrol.target_region != patrol.agency_region and not _below(
            patrol.target_region, patrol.agency_region, tree
        ):
            raise Rejected(
                "out_of_scope",
                "只能巡查本级和下级",
                "an agency patrols its own region and the regions below it",
            )
        values = {**patrol.model_dump(exclude={"at"}), "at": at}
        record = {"v": 1, **patrol.model_dump(exclude={"at"}), "at": iso_utc(at)}
        (seq,) = append(conn, [Entry("patrol", f"patrol:{patrol.agency_region}", record)], now)
        conn.execute(insert(patrols).values(**values, ledger_seq=seq))
    return {**record, "at": iso_local(at), "ledger_seq": seq}


def shortfalls(db: Database, start: date, end: date, scope: Scope = EVERYTHING) -> list[dict[str, Any]]:
    """For each agency (region) of the organisation, each working day in [start, end] on which it
    made fewer patrols of its own level, or of the regions below, than its level requires."""
    with db.read() as conn:
        calendar = calendar_store.load(conn)
        rows = conn.execute(
            select(regions.c.code, regions.c.level, regions.c.parent_code)
            .where(scope.restrict_region(regions.c.code))
            .order_by(regions.c.code)
        ).all()
        # The whole tree, which is not supervised data: each region's pack may come from above.
        tree = {str(c): p for c, p in conn.execute(select(regions.c.code, regions.c.parent_code))}
        rules = packs.for_regions(conn, tree)
        made = conn.execute(
            select(patrols.c.agency_region, patrols.c.target_region, patrols.c.at).where(
                scope.restrict_region(patrols.c.agency_region),
                patrols.c.at >= start_of_local_day(start),
                patrols.c.at < start_of_local_day(end + timedelta(days=1)),
            )
        ).all()
    counts: Counter[tuple[str, date, str]] = Counter(
        (p.agency_region, local_date(p.at), "own" if p.target_region == p.agency_region else "below")
        for p in made
    )
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    working = [d for d in days if calendar.is_workday(d)]
    out = []
    for r in rows:
        need = rules[r.code].patrols.of(r.level)
        short = [
            {"day": d.isoformat(), "own": counts[r.code, d, "own"], "below": counts[r.code, d, "below"]}
            for d in working
            if counts[r.code, d, "own"] < need.own or counts[r.code, d, "below"] < need.below
        ]
        out.append(
            {
                "agency_region": r.code,
                "level": r.level,
                "required_per_day": need.model_dump(),
                "working_days": len(working),
                "days_short": len(short),
                "shortfalls": short,
            }
        )
    return out


def _below(region: str, agency: str, tree: dict[str, str | None]) -> bool:
    parent = tree.get(region)
    while parent is not None:
        if parent == agency:
            return True
        parent = tree.get(parent)
    return False


def recent(
    db: Database, scope: Scope = EVERYTHING, limit: int = 50, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """The patrols the agencies in `scope` made, newest first (for the console's list)."""
    where = scope.restrict_region(patrols.c.agency_region)
    with db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(patrols).where(where)).scalar_one())
        rows = conn.execute(
            select(patrols)
            .where(where)
            .order_by(patrols.c.at.desc(), patrols.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return total, [
        {
            "agency_region": r.agency_region,
            "target_region": r.target_region,
            "kind": r.kind,
            "by": r.by,
            "at": iso_local(r.at),
            "findings": r.findings,
            "issue_found": r.issue_found,
            "ledger_seq": r.ledger_seq,
        }
        for r in rows
    ]
