"""Ingestion (R-ING-1..5) and reading cases."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from jiancha.domain.access.roles import Role
from jiancha.domain.errors import Rejected
from jiancha.domain.events import SHA256_HEX, CaseIn, EventIn
from jiancha.domain.timeutil import utcnow
from jiancha.interfaces.api.access import Ingester, Public, Reader, Supervisor, Uploader
from jiancha.interfaces.api.deps import database, json_body, raw_body
from jiancha.interfaces.api.errors import not_found
from jiancha.services import attachments as attachment_store
from jiancha.services import corrections, evasion, ingest, queries
from jiancha.services.calendar import fallback_notice
from jiancha.store.database import Database

router = APIRouter(tags=["ingestion and cases"])

_EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/EventIn"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/EventIn"},
                            "maxItems": 10000,
                        },
                    ]
                }
            }
        },
    }
}


@router.post("/events", openapi_extra=_EVENTS_BODY, summary="Push one event or a batch of up to 10,000")
def post_events(
    body: Annotated[Any, Depends(json_body)], who: Ingester, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    """Each event is stored once per (source_system, event_id); a repeat is answered `duplicate`.
    A batch with any bad event is rejected whole with every problem listed (422); one holding a
    case of another department than the token's, with 403."""
    try:
        batch = ingest.validate_events(body)
        result = ingest.ingest_events(db, batch, scope=who.scope)
    except Rejected:
        evasion.note_rejected(db, body, utcnow())  # the sending system's error rate (R-PAT-3)
        raise
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "results": [o.as_dict() for o in result.outcomes],
        "calendar_notice": fallback_notice(result.calendar_fallback),
    }


@router.get("/feeds", tags=["feeds"], summary="Each connected system's freshness and error rate")
def get_feeds(who: Reader, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return {"feeds": evasion.health(db, utcnow(), who.scope)}


@router.post("/cases", status_code=201, responses={200: {"description": "already registered"}})
def post_case(case: CaseIn, who: Ingester, db: Annotated[Database, Depends(database)]) -> JSONResponse:
    status, check_code = ingest.register_case(db, case, who.scope)
    return JSONResponse(
        {"status": status, "case_no": case.case_no, "check_code": check_code},
        status_code=201 if status == "created" else 200,
    )


@router.get("/cases")
def get_cases(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    status: Annotated[str | None, Query(pattern="^(open|suspended|completed|rejected)$")] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    f = queries.CaseFilter(status=status, department_code=department, item_code=item, overdue=overdue)
    total, rows = queries.list_cases(db, f, limit, offset, who.scope)
    return {"total": total, "limit": limit, "offset": offset, "cases": rows}


@router.get("/to-verify", summary="Items to check though not signals (待核实, R-SIG-5)")
def get_to_verify(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    kind: Annotated[
        str | None, Query(pattern="^(refusal|supplement|reconsideration|litigation|revocation)$")
    ] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    total, rows = queries.to_verify(db, kind, department, limit, offset, who.scope)
    return {"total": total, "limit": limit, "offset": offset, "items": rows}


@router.get("/cases/{case_no}")
def get_case(
    case_no: Annotated[str, Path(max_length=128)], who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    detail = queries.case_detail(db, case_no, who.scope)
    if detail is None:
        raise not_found("办件", "case")
    events = [f"{e['source_system']}/{e['event_id']}" for e in detail["events"]]
    detail["corrections"] = corrections.for_case(db, case_no, events)
    return detail


@router.get(
    "/cases/{case_no}/applicant",
    summary="The applicant's personal data unmasked, with a reason; every read is ledgered",
)
def get_applicant(
    case_no: Annotated[str, Path(max_length=128)],
    reason: Annotated[str, Query(min_length=2, max_length=500)],
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    found = queries.reveal_applicant(db, case_no, reason, who.label, who.scope)
    if found is None:
        raise not_found("办件", "case")
    return found


@router.get("/public/progress", tags=["public"], summary="The applicant's progress query (办理进度)")
def get_progress(
    _: Public,
    db: Annotated[Database, Depends(database)],
    case_no: Annotated[str, Query(min_length=1, max_length=128)],
    check_code: Annotated[str, Query(min_length=1, max_length=32)],
) -> dict[str, Any]:
    found = queries.progress(db, case_no, check_code)
    if found is None:
        raise Rejected(
            "not_found", "办件编号或查询码不正确", "no case with that number and check code", status=404
        )
    return found


@router.post(
    "/attachments",
    status_code=201,
    responses={200: {"description": "already stored (duplicate)"}},
    summary="Upload evidence; stored by its SHA-256 (R-ING-5)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def post_attachment(
    request: Request,
    who: Uploader,
    content: Annotated[bytes, Depends(raw_body)],
    db: Annotated[Database, Depends(database)],
    x_filename: Annotated[str, Header(max_length=500)] = "",
    x_source_system: Annotated[str, Header(max_length=200)] = "",
    x_sha256: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    if not content:
        raise Rejected("empty_body", "附件内容为空", "the attachment is empty", status=400)
    if x_sha256 is not None and x_sha256.lower() != hashlib.sha256(content).hexdigest():
        raise Rejected(
            "hash_mismatch",
            "附件内容与声明的 SHA-256 不符，可能在传输中损坏",
            "the content does not match the declared SHA-256",
            status=422,
        )
    digest, created = attachment_store.store(
        db,
        content,
        filename=x_filename,
        uploaded_by=who.label if who.role != Role.system else (x_source_system or who.label),
        media_type=request.headers.get("content-type", "application/octet-stream"),
    )
    return JSONResponse(
        {"sha256": digest, "size": len(content), "status": "created" if created else "duplicate"},
        status_code=201 if created else 200,
    )


@router.get("/attachments/{sha256}", response_class=Response)
def get_attachment(
    sha256: Annotated[str, Path(max_length=64)], who: Reader, db: Annotated[Database, Depends(database)]
) -> Response:
    if not re.fullmatch(SHA256_HEX, sha256):
        raise not_found("附件", "attachment")
    row = attachment_store.readable(db, sha256, who.scope, who.label)
    if row is None:
        raise not_found("附件", "attachment")
    return Response(bytes(row.content), media_type=row.media_type, headers={"ETag": f'"{sha256}"'})


# The schema of EventIn must appear in the OpenAPI although the route reads the raw body.
EventIn.model_rebuild()
