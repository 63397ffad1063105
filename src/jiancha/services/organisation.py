"""The region tree (province > city > county) and its departments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from jiancha.domain.catalogue import CODE_PATTERN
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.validation import problems_from
from jiancha.services import packs
from jiancha.store.bulk import upsert_insert
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append
from jiancha.store.tables import departments, regions

Code = Annotated[str, Field(pattern=CODE_PATTERN)]


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    level: Literal["province", "city", "county"]
    parent_code: Code | None = None
    pack: str | None = None  # the rule pack its departments are judged by; none: the parent's


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200)]
    region_code: Code


class Organisation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    regions: list[Region] = []
    departments: list[Department] = []


def parse(raw: Any) -> Organisation:
    try:
        return Organisation.model_validate(raw)
    except ValidationError as e:
        raise Rejected(
            "organisation_rejected", "机构数据无效", "the organisation data is invalid", problems_from(e)
        ) from e


def save(db: Database, org: Organisation, *, by: str = "system") -> dict[str, int]:
    """Add or rename regions and departments; a parent must come before (or exist)."""
    with db.write() as conn:
        known = set(conn.execute(select(regions.c.code)).scalars())
        problems = []
        for i, r in enumerate(org.regions):
            if r.parent_code and r.parent_code not in known:
                problems.append(
                    Problem(
                        "unknown_region",
                        f"regions[{i}].parent_code",
                        f"上级区划 {r.parent_code} 不存在",
                        f"parent region {r.parent_code} is unknown",
                    )
                )
            if r.pack is not None and r.pack not in packs.names():
                problems.append(
                    Problem(
                        "unknown_pack",
                        f"regions[{i}].pack",
                        f"规则包 {r.pack} 不存在",
                        f"pack {r.pack} is unknown; known: {', '.join(packs.names())}",
                    )
                )
            known.add(r.code)
        for i, d in enumerate(org.departments):
            if d.region_code not in known:
                problems.append(
                    Problem(
                        "unknown_region",
                        f"departments[{i}].region_code",
                        f"区划 {d.region_code} 不存在",
                        f"region {d.region_code} is unknown",
                    )
                )
        if problems:
            raise Rejected(
                "organisation_rejected", "机构数据无效", "the organisation data is invalid", problems
            )
        for r in org.regions:
            stmt = upsert_insert(conn, regions).values(**r.model_dump())
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["code"], set_=r.model_dump(exclude={"code"}))
            )
        for d in org.departments:
            stmt = upsert_insert(conn, departments).values(**d.model_dump())
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["code"], set_=d.model_dump(exclude={"code"}))
            )
        append(
            conn, [Entry("organisation", "organisation", {"v": 1, "by": by, **org.model_dump(mode="json")})]
        )
    return {"regions": len(org.regions), "departments": len(org.departments)}


def load(db: Database) -> dict[str, list[dict[str, Any]]]:
    with db.read() as conn:
        return {
            "regions": [dict(r._mapping) for r in conn.execute(select(regions).order_by(regions.c.code))],
            "departments": [
                dict(r._mapping) for r in conn.execute(select(departments).order_by(departments.c.code))
            ],
        }
