"""Statistics (R-REP-3) and the monthly report (电子监察月报, R-REP-1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from jiancha.domain.statistics import Month
from jiancha.interfaces.api.access import Reader
from jiancha.interfaces.api.deps import database
from jiancha.services import reports, statistics
from jiancha.store.database import Database

router = APIRouter(tags=["statistics and reports"])
MonthText = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, local time (Asia/Shanghai)")]
Region = Annotated[str, Query(min_length=1, max_length=32)]


@router.get(
    "/statistics", summary="A month's figures: volumes, anomaly and early-completion rates, signals, trend"
)
def get_statistics(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    month: MonthText,
    region: Annotated[
        str | None, Query(min_length=1, max_length=32, description="a region code: its subtree")
    ] = None,
) -> dict[str, Any]:
    """Computed in SQL over the caller's scope, narrowed to the region's subtree when given (a
    region outside the scope is 403). Definitions: docs/architecture.md."""
    return statistics.monthly(db, Month.parse(month), who.scope, region)


@router.get(
    "/reports/monthly",
    summary="The agency's monthly report (电子监察月报) as PDF or xlsx",
    responses={
        200: {
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in reports.MEDIA_TYPES.values()
            },
            "description": "The report; X-Report-SHA256 and X-Ledger-Seq give its hash and ledger entry",
        }
    },
)
def get_monthly_report(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    agency: Annotated[Region, Query(description="the agency's region code")],
    month: MonthText,
    fmt: Annotated[str, Query(alias="format", pattern="^(pdf|xlsx)$")] = "pdf",
) -> Response:
    """For a caller who sees every department of the agency's region and below (else 403; an
    unknown region is 404). A month that has ended gets the report kept for it; otherwise a new
    one is made, kept, and its hash ledgered."""
    made = reports.monthly(db, agency, Month.parse(month), fmt, who.label, who.scope)
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "X-Report-SHA256": made.sha256,
            "X-Ledger-Seq": str(made.ledger_seq),
        },
    )


@router.get("/reports", summary="The monthly reports kept (their hashes and who made them)")
def get_reports(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    agency: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> dict[str, Any]:
    return {"reports": reports.listing(db, who.scope, agency, Month.parse(month) if month else None)}
