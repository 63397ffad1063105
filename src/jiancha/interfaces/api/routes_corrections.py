"""Corrections of important data (R-AUD-2): asked for with a reason, approved by a leader of the
top-level agency, recorded in the ledger pointing at the original."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path
from pydantic import ValidationError

from jiancha.domain.corrections import CorrectionIn
from jiancha.domain.errors import Rejected
from jiancha.domain.validation import problems_from
from jiancha.interfaces.api.access import Corrector, Supervisor
from jiancha.interfaces.api.deps import Decision, database
from jiancha.services import corrections
from jiancha.store.database import Database

router = APIRouter(tags=["corrections"])
CorrectionNo = Annotated[str, Path(max_length=64)]


@router.post(
    "/corrections",
    status_code=201,
    summary="Ask to correct or void a case or an event, or to alter the catalogue, saying why",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CorrectionIn"}}},
        }
    },
)
def post_correction(
    who: Corrector, db: Annotated[Database, Depends(database)], body: Annotated[Any, Body()]
) -> dict[str, Any]:
    try:
        ask = CorrectionIn.model_validate(body)
    except ValidationError as e:
        raise Rejected(
            "correction_rejected", "更正申请无效", "the correction request is invalid", problems_from(e)
        ) from e
    return corrections.request(db, ask, who)


@router.get("/corrections", summary="Correction requests one may see")
def get_corrections(
    who: Corrector,
    db: Annotated[Database, Depends(database)],
    state: Literal["requested", "approved", "refused"] | None = None,
    target: Literal["case", "event", "catalogue"] | None = None,
) -> dict[str, Any]:
    return {"corrections": corrections.list_corrections(db, who, state, target)}


@router.get("/corrections/{correction_no}", summary="One request, with what it replaces and by what")
def get_correction(
    correction_no: CorrectionNo, who: Corrector, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return corrections.view(db, correction_no, who)


@router.post(
    "/corrections/{correction_no}/decision",
    summary="A leader of the top-level agency approves (and it is applied) or refuses",
)
def post_decision(
    correction_no: CorrectionNo, body: Decision, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return corrections.decide(db, correction_no, body.approve, body.reason, who)
