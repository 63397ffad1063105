"""Performance evaluation (绩效测评, R-EVA-1/2): running scores, their points, publication of a
month (archived, never changed), adjustments after it, and the published ranking for the public."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from jiancha.domain.timeutil import PlausibleDay
from jiancha.interfaces.api.access import Public, Reader, Supervisor
from jiancha.interfaces.api.deps import database
from jiancha.services import evaluation
from jiancha.store.database import Database

router = APIRouter(tags=["evaluation"])
YEAR_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Query(pattern=YEAR_MONTH, description="YYYY-MM")]
MonthField = Annotated[str, Field(pattern=YEAR_MONTH)]
Region = Annotated[str, Field(min_length=1, max_length=32)]


@router.get("/evaluation/scores", summary="The month's running scores (as of the end of `day`, or now)")
def get_scores(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    month: Month,
    region: Annotated[str | None, Query(max_length=32)] = None,
    day: Annotated[PlausibleDay | None, Query()] = None,
) -> dict[str, Any]:
    return evaluation.running(db, month, who, region, day)


@router.get("/evaluation/points", summary="Every point of a department or official, with reason and source")
def get_points(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    month: Month,
    department: Annotated[str, Query(max_length=64)],
    official: Annotated[str | None, Query(max_length=200)] = None,
    day: Annotated[PlausibleDay | None, Query()] = None,
) -> dict[str, Any]:
    return evaluation.points_of(db, month, who, department, official, day)


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    region: Region
    month: MonthField


@router.post("/evaluation/publish", status_code=201, summary="Publish a finished month (archived for good)")
def post_publish(
    body: PublishIn, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return evaluation.publish(db, body.region, body.month, who)


@router.get("/evaluation/published", summary="A published month: archive, adjustments, final ranking")
def get_published(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    month: Month,
    region: Annotated[str, Query(max_length=32)],
) -> dict[str, Any]:
    return evaluation.published(db, region, month, who)


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    region: Region
    month: MonthField
    department_code: Annotated[str, Field(min_length=1, max_length=64)]
    official: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    points: Annotated[Decimal, Field(ge=-100, le=100, decimal_places=2)]
    reason: Annotated[str, Field(min_length=2, max_length=2000)]


@router.post("/evaluation/adjustments", status_code=201, summary="Correct a published month by an adjustment")
def post_adjustment(
    body: AdjustmentIn, who: Supervisor, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    return evaluation.adjust(
        db, body.region, body.month, body.department_code, body.points, body.reason, who, body.official
    )


@router.get("/public/evaluation", tags=["public"], summary="A published month's department ranking")
def get_public_evaluation(
    _: Public,
    db: Annotated[Database, Depends(database)],
    month: Month,
    region: Annotated[str, Query(max_length=32)],
) -> dict[str, Any]:
    return evaluation.published(db, region, month)
