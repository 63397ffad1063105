"""Supervision work: notices (督办, R-SUP-2) — issue, extension, report, review, read with their
history —, accountability records (R-SUP-4) and complaints from the public (R-PUB-1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.errors import Rejected
from jiancha.domain.events import AttachmentRef
from jiancha.domain.supervision.notices import NoticeKind
from jiancha.domain.timeutil import PlausibleDay
from jiancha.interfaces.api.deps import database
from jiancha.interfaces.api.errors import not_found
from jiancha.services import accountability, complaints, notices, patrols, sampling, satisfaction
from jiancha.store.database import Database

router = APIRouter(tags=["supervision notices"])
NoticeNo = Annotated[str, Path(max_length=64)]
Who = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(max_length=5000)]


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    days: Annotated[int, Field(ge=1, le=60)]
    reason: Annotated[str, Field(min_length=1, max_length=5000)]
    by: Who


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    approve: bool
    by: Who
    reason: Reason = ""


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    report: Annotated[str, Field(min_length=1, max_length=20000)]
    by: Who
    # The materials asked for or given with it (uploaded first to /api/v1/attachments).
    materials: Annotated[list[AttachmentRef], Field(max_length=50)] = []


@router.post(
    "/notices",
    summary="Issue a supervision notice (督办) or a measure (explain, materials, perform, stop, …)",
)
def post_notice(notice: notices.NoticeIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return notices.issue(db, notice)


@router.get("/notices")
def get_notices(
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(issued|extension_requested|reported|closed)$")] = None,
    kind: NoticeKind | None = None,
    signal_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = notices.list_notices(db, department, state, limit, offset, kind=kind, signal_id=signal_id)
    return {"total": total, "notices": rows}


@router.get("/notices/{notice_no}")
def get_notice(notice_no: NoticeNo, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    found = notices.detail(db, notice_no)
    if found is None:
        raise not_found("督办件", "notice")
    return found


@router.post("/notices/{notice_no}/extension", summary="The department asks for an extension (申请延期)")
def post_extension(
    notice_no: NoticeNo, body: ExtensionRequest, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return notices.request_extension(db, notice_no, body.days, body.reason, body.by)


@router.post("/notices/{notice_no}/extension/decision", summary="The supervisor grants or refuses it")
def post_extension_decision(
    notice_no: NoticeNo, body: Decision, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return notices.decide_extension(db, notice_no, body.approve, body.by, body.reason)


@router.post("/notices/{notice_no}/report", summary="The department reports its investigation")
def post_report(
    notice_no: NoticeNo, body: Report, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return notices.report(db, notice_no, body.report, body.by, materials=body.materials)


@router.post("/notices/{notice_no}/review", summary="The supervisor accepts the report or sends it back")
def post_review(
    notice_no: NoticeNo, body: Decision, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return notices.review(db, notice_no, body.approve, body.by, body.reason)


@router.post(
    "/accountability", tags=["accountability"], summary="Record a finding and its measures (R-SUP-4)"
)
def post_accountability(
    db: Annotated[Database, Depends(database)], body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return accountability.record(db, accountability.parse(body))


@router.get("/accountability", tags=["accountability"])
def get_accountability(
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = accountability.list_records(db, department, limit, offset)
    return {"total": total, "records": rows}


class ComplaintDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    accept: bool
    reason: Annotated[str, Field(min_length=1, max_length=5000)]
    by: Who


class ComplaintResult(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    result: Annotated[str, Field(min_length=1, max_length=20000)]
    by: Who


ComplaintNo = Annotated[str, Path(max_length=64)]


@router.post("/complaints", tags=["complaints"], summary="Submit a complaint (anonymous or real-name)")
def post_complaint(
    db: Annotated[Database, Depends(database)], body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return complaints.submit(db, complaints.parse(body))


@router.get("/complaints", tags=["complaints"])
def get_complaints(
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(received|not_accepted|transferred|resulted)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = complaints.list_complaints(db, department, state, limit, offset)
    return {"total": total, "complaints": rows}


@router.get("/complaints/{complaint_no}", tags=["complaints"])
def get_complaint(complaint_no: ComplaintNo, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    found = complaints.detail(db, complaint_no)
    if found is None:
        raise not_found("投诉", "complaint")
    return found


@router.post(
    "/complaints/{complaint_no}/decision", tags=["complaints"], summary="Accept (and send on) or not"
)
def post_complaint_decision(
    complaint_no: ComplaintNo, body: ComplaintDecision, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return complaints.decide(db, complaint_no, body.accept, body.reason, body.by)


@router.post("/complaints/{complaint_no}/result", tags=["complaints"], summary="The department's result")
def post_complaint_result(
    complaint_no: ComplaintNo, body: ComplaintResult, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return complaints.result(db, complaint_no, body.result, body.by)


@router.post("/public/ratings", tags=["public"], summary="The applicant rates a case (by its check code)")
def post_rating(body: satisfaction.RatingIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return satisfaction.rate(db, body)


@router.post("/revisits", tags=["satisfaction"], summary="Record a revisit (回访) of an applicant")
def post_revisit(body: satisfaction.RevisitIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return satisfaction.revisit(db, body)


@router.get("/satisfaction", tags=["satisfaction"], summary="Ratings and revisits per department")
def get_satisfaction(
    db: Annotated[Database, Depends(database)], department: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    return satisfaction.summary(db, department)


@router.post("/samples", tags=["sampling"], summary="Draw a reproducible random sample of cases (抽查)")
def post_sample(body: sampling.DrawIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return sampling.draw(db, body)


@router.get("/samples/{sample_no}", tags=["sampling"])
def get_sample(
    sample_no: Annotated[str, Path(max_length=64)], db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    found = sampling.detail(db, sample_no)
    if found is None:
        raise not_found("抽查批次", "sample")
    return found


@router.post(
    "/samples/{sample_no}/findings", tags=["sampling"], summary="A reviewer's finding on a drawn case"
)
def post_sample_finding(
    sample_no: Annotated[str, Path(max_length=64)],
    body: sampling.FindingIn,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    return sampling.review(db, sample_no, body)


@router.post("/patrols", tags=["patrols"], summary="Log a data or video patrol (巡查) with its findings")
def post_patrol(body: patrols.PatrolIn, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return patrols.log(db, body)


@router.get("/patrols/shortfalls", tags=["patrols"], summary="Working days each agency patrolled too little")
def get_patrol_shortfalls(
    db: Annotated[Database, Depends(database)],
    start: Annotated[PlausibleDay, Query(alias="from")],
    end: Annotated[PlausibleDay, Query(alias="to")],
) -> dict[str, Any]:
    if end < start or (end - start).days > 366:
        raise Rejected(
            "bad_period", "期间无效（起止颠倒或超过一年）", "the period is invalid (reversed or over a year)"
        )
    return {"agencies": patrols.shortfalls(db, start, end)}
