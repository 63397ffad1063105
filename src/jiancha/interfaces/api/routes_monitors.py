"""The monitors of other supervised areas (R-MON-4..10): "three public" spending, 三重一大
decisions, sunshine medicine, rural three assets, project integrity and integrity risk indices,
on-duty check-in. Records in, one kind at a time; records, their signals and the indices out.
Their signals are signals like any other (`/signals?rule=…`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from jiancha.interfaces.api.access import ListSender, Reader
from jiancha.interfaces.api.deps import database, json_body
from jiancha.interfaces.api.errors import not_found
from jiancha.services import monitors
from jiancha.store.database import Database

router = APIRouter(tags=["monitors"])

Monitor = Annotated[str, Path(max_length=32, description="the monitor's rule family, e.g. three_public")]
Kind = Annotated[str, Path(max_length=32, description="a record kind of the monitor, e.g. reception")]

_RECORDS_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            f"A record or an array of at most {monitors.MAX_RECORDS}, each as its kind's model takes "
            "it (docs/monitors.md): `id` (the source's, required), `department_code` (default: the "
            "sender's) and the kind's fields."
        ),
        "content": {"application/json": {"schema": {"type": ["array", "object"]}}},
    }
}


@router.get("/monitors", summary="The monitors: record kinds, checks, records and open signals in scope")
def get_monitors(who: Reader, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return {"monitors": monitors.overview(db, who.scope)}


@router.get(
    "/monitors/{monitor}/index", summary="An index monitor's index per subject, every component shown"
)
def get_index(monitor: Monitor, who: Reader, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return monitors.index(db, monitor, who.scope)


@router.post(
    "/monitors/{monitor}/{kind}",
    status_code=201,
    openapi_extra=_RECORDS_BODY,
    summary="Records of one kind; the checks of the departments touched run at once",
)
def post_records(
    monitor: Monitor,
    kind: Kind,
    who: ListSender,
    raw: Annotated[Any, Depends(json_body)],
    db: Annotated[Database, Depends(database)],
) -> JSONResponse:
    """From a department's system (its own department's records only) or an administrator. A bad
    record refuses the whole batch, naming its place and field."""
    items = monitors.parse(monitor, kind, raw)
    return JSONResponse(
        monitors.receive(db, monitor, kind, items, who.label, who.department_code), status_code=201
    )


@router.get("/monitors/{monitor}/{kind}", summary="A kind's records in scope with their signals")
def get_records(
    monitor: Monitor,
    kind: Kind,
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    flagged: Annotated[bool, Query(description="only the records a signal rests on")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    found = monitors.records(db, monitor, kind, who.scope, department, flagged, offset, limit)
    return {**found, "limit": limit, "offset": offset}


@router.get("/monitors/{monitor}/{kind}/{record_id}", summary="A record: its versions and its signals")
def get_record(
    monitor: Monitor,
    kind: Kind,
    record_id: Annotated[str, Path(max_length=128)],
    who: Reader,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    found = monitors.record(db, monitor, kind, record_id, who.scope)
    if found is None:
        raise not_found("监督记录", "monitor record")
    return found
