"""Exports (R-SEC-2): asked for with a reason, approved by the unit's leader, downloaded once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response
from pydantic import ValidationError

from jiancha.domain.errors import Rejected
from jiancha.domain.validation import problems_from
from jiancha.interfaces.api.access import Reader
from jiancha.interfaces.api.deps import Decision, database
from jiancha.services import exports
from jiancha.store.database import Database

router = APIRouter(tags=["exports"])
ExportNo = Annotated[str, Path(max_length=64)]


@router.post("/exports", status_code=201, summary="Ask to export a list, saying why")
def post_export(
    who: Reader, db: Annotated[Database, Depends(database)], body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    try:
        ask = exports.ExportIn.model_validate(body)
    except ValidationError as e:
        raise Rejected(
            "export_rejected", "导出申请无效", "the export request is invalid", problems_from(e)
        ) from e
    return exports.request(db, ask, who)


@router.get("/exports", summary="My export requests, and a leader's unit's")
def get_exports(who: Reader, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return {"exports": exports.list_exports(db, who)}


@router.post("/exports/{export_no}/decision", summary="The unit's leader approves or refuses")
def post_decision(
    export_no: ExportNo, body: Decision, who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return exports.decide(db, export_no, body.approve, body.reason, who)


@router.get(
    "/exports/{export_no}/download",
    summary="The approved file, once, to its requester",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_download(export_no: ExportNo, who: Reader, db: Annotated[Database, Depends(database)]) -> Response:
    name, content = exports.download(db, export_no, who)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
