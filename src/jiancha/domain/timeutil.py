"""Instants are stored in UTC and shown in Asia/Shanghai; working-day arithmetic uses local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

LOCAL = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(instant: datetime) -> datetime:
    """A naive instant is read as Asia/Shanghai local time: departmental systems send it that way."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=LOCAL)
    return instant.astimezone(UTC)


def local_date(instant: datetime) -> date:
    return to_utc(instant).astimezone(LOCAL).date()


@lru_cache(maxsize=8192)
def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL).astimezone(UTC)


@lru_cache(maxsize=8192)
def end_of_local_day(day: date) -> datetime:
    """The first instant after `day` ends locally: a deadline on `day` is overdue from here."""
    return start_of_local_day(day + timedelta(days=1))


def iso_utc(instant: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, microseconds included, for canonical bytes and the API."""
    utc = instant.astimezone(UTC) if instant.tzinfo is not None else to_utc(instant)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def iso_local(instant: datetime) -> str:
    return to_utc(instant).astimezone(LOCAL).isoformat()


def iso_local_or_none(instant: datetime | None) -> str | None:
    return iso_local(instant) if instant is not None else None


EARLIEST_YEAR, LATEST_YEAR = 1990, 2200


def plausible_instant(value: datetime) -> datetime:
    """An instant the platform can reason about: in UTC, between 1990 and 2200.

    Raises ValueError (Chinese | English) for anything else, so bad input is a clear error and
    never an overflow deep in date arithmetic."""
    try:
        utc = to_utc(value)
    except (OverflowError, ValueError) as e:
        raise ValueError("时间超出可处理范围 | the instant is out of range") from e
    if not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValueError(
            f"时间须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间 | the instant must lie between "
            f"{EARLIEST_YEAR} and {LATEST_YEAR}"
        )
    return utc


def plausible_day(value: date) -> date:
    """A date between 1990 and 2200, or ValueError (Chinese | English): a clear error rather than
    an overflow when a period's end is turned into an instant."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(
            f"日期须在 {EARLIEST_YEAR} 至 {LATEST_YEAR} 年之间 | the date must lie between "
            f"{EARLIEST_YEAR} and {LATEST_YEAR}"
        )
    return value


# A date as input (a query parameter, a field): refused with its name when out of range.
PlausibleDay = Annotated[date, AfterValidator(plausible_day)]
