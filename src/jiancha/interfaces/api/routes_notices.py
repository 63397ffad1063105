"""Supervision work: notices (督办, R-SUP-2) — issue, extension, report, review, read with their
history —, accountability records (R-SUP-4) and complaints from the public (R-PUB-1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.access.roles import Capability
from jiancha.domain.errors import Rejected
from jiancha.domain.events import AttachmentRef
from jiancha.domain.supervision.notices import NoticeKind
from jiancha.domain.timeutil import PlausibleDay
from jiancha.interfaces.api.access import Answerer, Public, Reader, Supervisor
from jiancha.interfaces.api.deps import database
from jiancha.interfaces.api.errors import not_found, out_of_scope
from jiancha.services import (
    accountability,
    complaints,
    notices,
    patrols,
    queries,
    sampling,
    satisfaction,
    signals,
)
from jiancha.services.access import Caller
from jiancha.store.database import Database

router = APIRouter(tags=["supervision notices"])
NoticeNo = Annotated[str, Path(max_length=64)]
# Who acts is the signed-in caller; a `by` in the body is ignored (kept so older clients still work).
Who = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(max_length=5000)]


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    days: Annotated[int, Field(ge=1, le=60)]
    reason: Annotated[str, Field(min_length=1, max_length=5000)]
    by: Who = ""


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    approve: bool
    by: Who = ""
    reason: Reason = ""


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    report: Annotated[str, Field(min_length=1, max_length=20000)]
    by: Who = ""
    # The materials asked for or given with it (uploaded first to /api/v1/attachments).
    materials: Annotated[list[AttachmentRef], Field(max_length=50)] = []


@router.post(
    "/notices",
    summary="Issue a supervision notice (督办) or a measure (explain, materials, perform, stop, …)",
)
def post_notice(
    notice: notices.NoticeIn, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    if notice.department_code and not who.scope.has_department(notice.department_code):
        raise out_of_scope("department_code", notice.department_code)
    if notice.signal_id and signals.signal_detail(db, notice.signal_id, who.scope) is None:
        raise not_found("信号", "signal")
    return notices.issue(db, notice.model_copy(update={"issued_by": who.label}))


@router.get("/notices")
def get_notices(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(issued|extension_requested|reported|closed)$")] = None,
    kind: NoticeKind | None = None,
    signal_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = notices.list_notices(
        db, department, state, limit, offset, kind=kind, signal_id=signal_id, scope=who.scope
    )
    return {"total": total, "notices": rows}


@router.get("/notices/{notice_no}")
def get_notice(
    notice_no: NoticeNo, who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return _notice(db, notice_no, who)


def _notice(db: Database, notice_no: str, who: Caller) -> dict[str, Any]:
    found = notices.detail(db, notice_no, who.scope)
    if found is None:
        raise not_found("督办件", "notice")
    return found


@router.post("/notices/{notice_no}/extension", summary="The department asks for an extension (申请延期)")
def post_extension(
    notice_no: NoticeNo, body: ExtensionRequest, who: Answerer, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    _notice(db, notice_no, who)
    return notices.request_extension(db, notice_no, body.days, body.reason, who.label)


@router.post("/notices/{notice_no}/extension/decision", summary="The supervisor grants or refuses it")
def post_extension_decision(
    notice_no: NoticeNo, body: Decision, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    _notice(db, notice_no, who)
    return notices.decide_extension(db, notice_no, body.approve, who.label, body.reason)


@router.post("/notices/{notice_no}/report", summary="The department reports its investigation")
def post_report(
    notice_no: NoticeNo, body: Report, who: Answerer, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    _notice(db, notice_no, who)
    return notices.report(db, notice_no, body.report, who.label, materials=body.materials)


@router.post("/notices/{notice_no}/review", summary="The supervisor accepts the report or sends it back")
def post_review(
    notice_no: NoticeNo, body: Decision, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    _notice(db, notice_no, who)
    return notices.review(db, notice_no, body.approve, who.label, body.reason)


@router.post(
    "/accountability", tags=["accountability"], summary="Record a finding and its measures (R-SUP-4)"
)
def post_accountability(
    who: Supervisor, db: Annotated[Database, Depends(database)], body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    decision = accountability.parse(body)
    if not who.scope.has_department(decision.department_code):
        raise out_of_scope("department_code", decision.department_code)
    return accountability.record(db, decision.model_copy(update={"decided_by": who.label}))


@router.get("/accountability", tags=["accountability"])
def get_accountability(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = accountability.list_records(db, department, limit, offset, who.scope)
    return {"total": total, "records": rows}


class ComplaintDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    accept: bool
    reason: Annotated[str, Field(min_length=1, max_length=5000)]
    by: Who = ""


class ComplaintResult(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    result: Annotated[str, Field(min_length=1, max_length=20000)]
    by: Who = ""


class ComplaintVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    upheld: bool
    reason: Annotated[str, Field(min_length=2, max_length=5000)]


ComplaintNo = Annotated[str, Path(max_length=64)]


@router.post("/complaints", tags=["complaints"], summary="Submit a complaint (anonymous or real-name)")
def post_complaint(
    _: Public, db: Annotated[Database, Depends(database)], body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return complaints.submit(db, complaints.parse(body))


@router.get("/complaints", tags=["complaints"])
def get_complaints(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(received|not_accepted|transferred|resulted)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = complaints.list_complaints(
        db, department, state, limit, offset, who.scope, transferred_only=not who.may(Capability.supervise)
    )
    return {"total": total, "complaints": rows}


@router.get("/complaints/{complaint_no}", tags=["complaints"])
def get_complaint(
    complaint_no: ComplaintNo, who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return _complaint(db, complaint_no, who)


def _complaint(db: Database, complaint_no: str, who: Caller) -> dict[str, Any]:
    found = complaints.detail(db, complaint_no, who.scope, transferred_only=not who.may(Capability.supervise))
    if found is None:
        raise not_found("投诉", "complaint")
    return found


@router.post(
    "/complaints/{complaint_no}/decision", tags=["complaints"], summary="Accept (and send on) or not"
)
def post_complaint_decision(
    complaint_no: ComplaintNo,
    body: ComplaintDecision,
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    _complaint(db, complaint_no, who)
    return complaints.decide(db, complaint_no, body.accept, body.reason, who.label)


@router.post("/complaints/{complaint_no}/result", tags=["complaints"], summary="The department's result")
def post_complaint_result(
    complaint_no: ComplaintNo,
    body: ComplaintResult,
    who: Answerer,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    _complaint(db, complaint_no, who)
    return complaints.result(db, complaint_no, body.result, who.label)


@router.post(
    "/complaints/{complaint_no}/verdict",
    tags=["complaints"],
    summary="The agency's verdict on the result: upheld (查实) or not",
)
def post_complaint_verdict(
    complaint_no: ComplaintNo,
    body: ComplaintVerdict,
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    _complaint(db, complaint_no, who)
    return complaints.verdict(db, complaint_no, body.upheld, body.reason, who.label)


@router.post("/public/ratings", tags=["public"], summary="The applicant rates a case (by its check code)")
def post_rating(
    body: satisfaction.RatingIn, _: Public, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return satisfaction.rate(db, body)


@router.post("/revisits", tags=["satisfaction"], summary="Record a revisit (回访) of an applicant")
def post_revisit(
    body: satisfaction.RevisitIn, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    if queries.case_detail(db, body.case_no, who.scope) is None:
        raise not_found("办件", "case")
    return satisfaction.revisit(db, body.model_copy(update={"by": who.label}))


@router.get("/satisfaction", tags=["satisfaction"], summary="Ratings and revisits per department")
def get_satisfaction(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    return satisfaction.summary(db, department, who.scope)


@router.post("/samples", tags=["sampling"], summary="Draw a reproducible random sample of cases (抽查)")
def post_sample(
    body: sampling.DrawIn, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    asked = body.filter.department_code
    if asked and not who.scope.has_department(asked):
        raise out_of_scope("filter.department_code", asked)
    return sampling.draw(
        db, body.model_copy(update={"by": who.label}), scope=who.scope, agency=who.region_code
    )


@router.get("/samples", tags=["sampling"], summary="The samples drawn by the caller's agency and below")
def get_samples(
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = sampling.listing(db, who.scope, limit, offset)
    return {"total": total, "samples": rows}


@router.get("/samples/{sample_no}", tags=["sampling"])
def get_sample(
    sample_no: Annotated[str, Path(max_length=64)],
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    found = sampling.detail(db, sample_no, who.scope)
    if found is None:
        raise not_found("抽查批次", "sample")
    return found


@router.post(
    "/samples/{sample_no}/findings", tags=["sampling"], summary="A reviewer's finding on a drawn case"
)
def post_sample_finding(
    sample_no: Annotated[str, Path(max_length=64)],
    body: sampling.FindingIn,
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    return sampling.review(db, sample_no, body.model_copy(update={"by": who.label}), scope=who.scope)


@router.post("/patrols", tags=["patrols"], summary="Log a data or video patrol (巡查) with its findings")
def post_patrol(
    body: patrols.PatrolIn, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    # An agency logs its own patrols; the top-level agency may log any agency's.
    if who.region_code is not None and body.agency_region != who.region_code:
        raise out_of_scope("agency_region", body.agency_region)
    return patrols.log(db, body.model_copy(update={"by": who.label}))


@router.get("/patrols", tags=["patrols"], summary="The patrols the caller's agency and those below made")
def get_patrols(
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    total, rows = patrols.recent(db, who.scope, limit, offset)
    return {"total": total, "patrols": rows}


@router.get("/patrols/shortfalls", tags=["patrols"], summary="Working days each agency patrolled too little")
def get_patrol_shortfalls(
    who: Supervisor,
    db: Annotated[Database, Depends(database)],
    start: Annotated[PlausibleDay, Query(alias="from")],
    end: Annotated[PlausibleDay, Query(alias="to")],
) -> dict[str, Any]:
    if end < start or (end - start).days > 366:
        raise Rejected(
            "bad_period", "期间无效（起止颠倒或超过一年）", "the period is invalid (reversed or over a year)"
        )
    return {"agencies": patrols.shortfalls(db, start, end, who.scope)}
