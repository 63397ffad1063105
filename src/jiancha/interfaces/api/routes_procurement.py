"""Public resource trading (公共资源交易, R-MON-2): compiled OCDS releases in, contracting processes
and their red flags out. The flags themselves are signals (`/signals?rule=PC-R018`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from jiancha.interfaces.api.access import ListSender, Reader
from jiancha.interfaces.api.deps import database, json_body
from jiancha.interfaces.api.errors import not_found
from jiancha.services import procurement
from jiancha.store.database import Database

router = APIRouter(tags=["procurement"])

_RELEASES_BODY = {
    "requestBody": {
        "required": True,
        "description": "An array of OCDS compiled releases (or one), each with its `ocid`.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": procurement.MAX_RELEASES,
                    "items": {
                        "type": "object",
                        "required": ["ocid"],
                        "properties": {"ocid": {"type": "string", "minLength": 1, "maxLength": 200}},
                    },
                }
            }
        },
    }
}


@router.post(
    "/procurement/releases",
    status_code=201,
    openapi_extra=_RELEASES_BODY,
    summary="Compiled OCDS releases from a trading platform; the red flags run at once",
)
def post_releases(
    who: ListSender, raw: Annotated[Any, Depends(json_body)], db: Annotated[Database, Depends(database)]
) -> JSONResponse:
    """A trading centre's system (its token) or an administrator sends them. A process belongs to
    its buyer's department when `/buyer/id` is a known department, else to the sender's."""
    releases = procurement.parse_releases(raw)
    return JSONResponse(procurement.receive(db, releases, who.label, who.department_code), status_code=201)


@router.get(
    "/procurement/processes", summary="Contracting processes in scope, newest first, with their flags"
)
def get_processes(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    flagged: Annotated[bool, Query(description="only the processes with a red flag")] = False,
) -> dict[str, Any]:
    total, rows = procurement.processes(db, who.scope, department, limit, offset, flagged)
    return {"total": total, "limit": limit, "offset": offset, "processes": rows}


@router.get("/procurement/processes/{ocid}", summary="A contracting process: its release, versions and flags")
def get_process(
    ocid: Annotated[str, Path(max_length=200)], who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    found = procurement.process(db, ocid, who.scope)
    if found is None:
        raise not_found("招标采购项目", "contracting process")
    return found
