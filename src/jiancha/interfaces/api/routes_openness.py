"""Openness (政务公开, R-OPEN-1..3): the public power list, published results and the hall screens,
open to anyone; and what each department published, sent by its system or an administrator and
read by the supervisors within their scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import PlausibleDay
from jiancha.interfaces.api.access import ListReader, ListSender, Public
from jiancha.interfaces.api.deps import database, json_body
from jiancha.interfaces.api.errors import not_found
from jiancha.services import openness
from jiancha.store.database import Database

router = APIRouter(tags=["openness"])
Code = Annotated[str, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]


@router.get("/public/items", tags=["public"], summary="The public power list (权力清单), searchable")
def get_public_items(
    _: Public,
    db: Annotated[Database, Depends(database)],
    q: Annotated[str | None, Query(max_length=100, description="part of the name or the code")] = None,
    code: Code | None = None,
    department: Code | None = None,
    item_type: Annotated[
        str | None, Query(alias="type", max_length=32, description="licence, penalty, … or 行政许可, …")
    ] = None,
    region: Annotated[str | None, Query(max_length=32, description="this region and those below")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Items in force now, active and meant to be public, each with everything R-CAT-1 lists."""
    f = openness.ItemQuery(q=q, code=code, department=department, item_type=item_type, region=region)
    total, items = openness.search_items(db, f, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/public/items/{code}", tags=["public"], summary="One item of the public power list")
def get_public_item(
    _: Public, code: Annotated[str, Path(max_length=64)], db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    found = openness.public_item(db, code)
    if found is None:
        raise not_found("公开事项", "public item")
    return found


@router.get("/public/results", tags=["public"], summary="Published results of cases (办理结果公开)")
def get_public_results(
    _: Public,
    db: Annotated[Database, Depends(database)],
    department: Code | None = None,
    item: Code | None = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
    start: Annotated[PlausibleDay | None, Query(alias="from", description="published on or after")] = None,
    end: Annotated[PlausibleDay | None, Query(alias="to", description="published on or before")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The item, department, decision and dates of each case whose result was published; no
    applicant, no title, no official."""
    if start and end and end < start:
        raise Rejected("bad_period", "期间无效（起止颠倒）", "the period is invalid (to is before from)")
    f = openness.ResultQuery(
        department=department, item=item, region=region, published_from=start, published_to=end
    )
    total, rows = openness.results(db, f, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "results": rows}


@router.get("/public/hall", tags=["public"], summary="The hall screen's feed: today's volumes and steps")
def get_public_hall(
    _: Public,
    db: Annotated[Database, Depends(database)],
    department: Code | None = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="how many latest steps")] = 20,
) -> dict[str, Any]:
    return openness.hall(db, department, region, limit)


_LIST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PublishedList"}}},
    }
}


@router.post(
    "/disclosures",
    status_code=201,
    tags=["disclosures"],
    openapi_extra=_LIST_BODY,
    summary="A department's published list of powers as read from its portal (R-OPEN-3)",
)
def post_disclosure(
    who: ListSender, raw: Annotated[Any, Depends(json_body)], db: Annotated[Database, Depends(database)]
) -> JSONResponse:
    """The whole list at `captured_at`, later than the department's previous one; a department's
    system sends its own, an administrator any department's. Kept and ledgered; the pre-disclosure
    checks run on the department at once."""
    published = openness.parse_list(raw)
    return JSONResponse(openness.receive(db, published, who.label, who.scope), status_code=201)


@router.get("/disclosures", tags=["disclosures"], summary="The published lists received")
def get_disclosures(
    who: ListReader,
    db: Annotated[Database, Depends(database)],
    department: Code | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    total, rows = openness.list_lists(db, department, limit, offset, who.scope)
    return {"total": total, "limit": limit, "offset": offset, "lists": rows}


@router.get("/disclosures/{list_no}", tags=["disclosures"], summary="One published list with its entries")
def get_disclosure(
    list_no: Annotated[str, Path(max_length=64)], who: ListReader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    found = openness.list_detail(db, list_no, who.scope)
    if found is None:
        raise not_found("公开清单", "published list")
    return found
