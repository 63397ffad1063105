"""The working-day calendar (R-CAL-1..2): what is loaded, loading a year, and the arithmetic."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query

from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import EARLIEST_YEAR, LATEST_YEAR
from jiancha.interfaces.api.access import Manager, Public
from jiancha.interfaces.api.deps import database, json_body
from jiancha.services import calendar as calendar_service
from jiancha.store import calendar as calendar_store
from jiancha.store.database import Database

router = APIRouter(tags=["calendar"])
Year = Annotated[int, Path(ge=1990, le=2200)]


@router.get("/calendar/years")
def get_years(_: Public, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    with db.read() as conn:
        return {"years": calendar_store.years(conn)}


@router.get("/calendar/{year}")
def get_year(_: Public, year: Year, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    with db.read() as conn:
        days = calendar_store.days_of(conn, year)
        cal = calendar_store.load(conn)
    return {
        "year": year,
        "covered": cal.covers(year),
        "days": [{"date": d.day.isoformat(), "workday": d.is_workday, "name": d.name} for d in days],
        "calendar_notice": calendar_service.fallback_notice(() if cal.covers(year) else (year,)),
    }


_SCHEDULE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["days"],
                    "properties": {
                        "year": {"type": "integer"},
                        "days": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["date", "workday"],
                                "properties": {
                                    "date": {"type": "string", "format": "date"},
                                    "workday": {"type": "boolean"},
                                    "name": {"type": "string", "maxLength": 100},
                                },
                            },
                        },
                    },
                }
            }
        },
    }
}


@router.put(
    "/calendar/{year}",
    summary="Load a year's holiday schedule (State Council notice)",
    openapi_extra=_SCHEDULE_BODY,
)
def put_year(
    who: Manager,
    year: Year,
    raw: Annotated[Any, Depends(json_body)],
    db: Annotated[Database, Depends(database)],
    loaded_by: Annotated[str, Query(max_length=200)] = "",  # ignored: the signed-in caller
) -> dict[str, Any]:
    if isinstance(raw, dict):
        raw.setdefault("year", year)
    file_year, days = calendar_service.parse_schedule(orjson.dumps(raw), "schedule.json")
    if file_year != year:
        raise Rejected(
            "year_mismatch",
            f"内容属于 {file_year} 年，与地址中的 {year} 年不符",
            f"the days belong to {file_year}, not {year}",
        )
    calendar_service.load_year(db, year, days, source="api", by=who.label)
    return {"year": year, "days": len(days)}


@router.get("/calendar/arithmetic/add", summary="The N-th working (or calendar) day after a date")
def add_days(
    _: Public,
    db: Annotated[Database, Depends(database)],
    start: date,
    days: Annotated[int, Query(ge=0, le=3650)],
    unit: Literal["working", "calendar"] = "working",
) -> dict[str, Any]:
    _plausible(start)
    cal = calendar_service.current(db)
    result = cal.add_working_days(start, days) if unit == "working" else cal.add_calendar_days(start, days)
    fallback = cal.fallback_years(start, result) if unit == "working" else ()
    calendar_service.warn_fallback(fallback)
    return {
        "start": start.isoformat(),
        "days": days,
        "unit": unit,
        "result": result.isoformat(),
        "calendar_notice": calendar_service.fallback_notice(fallback),
    }


@router.get("/calendar/arithmetic/count", summary="Working days after start up to and including end")
def count_days(
    _: Public, db: Annotated[Database, Depends(database)], start: date, end: date
) -> dict[str, Any]:
    _plausible(start)
    _plausible(end)
    cal = calendar_service.current(db)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "working_days": cal.working_days_between(start, end),
        "calendar_notice": calendar_service.fallback_notice(cal.fallback_years(start, end)),
    }


def _plausible(day: date) -> None:
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise Rejected(
            "out_of_range",
            f"日期须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间",
            f"dates must lie between {EARLIEST_YEAR} and {LATEST_YEAR}",
        )
