"""Reading an OCDS compiled release (one contracting process) for the red flags.

Every reader is as tolerant as cardinal's: a field that is missing or of the wrong JSON type reads
as absent, and the rule that needed it does not apply. Numbers are JSON numbers only (never
strings, never booleans), identifiers are JSON strings only (cardinal's `prepare` step turns
numeric identifiers into strings before the indicators run).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

Release = Mapping[str, Any]

# A bid is submitted unless it was only invited or was withdrawn (cardinal's glossary).
_NOT_SUBMITTED = frozenset({"invited", "withdrawn"})
# Award statuses that are final: 'active' (in force), 'cancelled', 'unsuccessful'. Any other
# ('pending', or a value outside the codelist) means the results could still change.
_FINAL_AWARD_STATUSES = frozenset({"active", "cancelled", "unsuccessful"})

_NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * _NS_PER_SECOND

# RFC 3339 date-time as chrono's `parse_from_rfc3339` accepts it: an offset is required.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


class PricedBid(NamedTuple):
    """A valid bid of a single tenderer with an amount and a currency."""

    tenderer_id: str
    amount: float
    currency: str


def obj(value: Any, key: str) -> Mapping[str, Any] | None:
    """The member `key` of `value` if both are JSON objects."""
    if isinstance(value, Mapping):
        found = value.get(key)
        if isinstance(found, Mapping):
            return found
    return None


def array(value: Any, key: str) -> Sequence[Any]:
    """The member `key` of `value` if it is a JSON array; an empty one otherwise."""
    if isinstance(value, Mapping):
        found = value.get(key)
        if isinstance(found, list):
            return found
    return ()


def string(value: Any, key: str) -> str | None:
    """The member `key` of `value` if it is a JSON string."""
    if isinstance(value, Mapping):
        found = value.get(key)
        if isinstance(found, str):
            return found
    return None


def number(value: Any, key: str) -> float | None:
    """The member `key` of `value` if it is a JSON number, as a float (serde's `as_f64`)."""
    if isinstance(value, Mapping):
        found = value.get(key)
        if isinstance(found, bool):
            return None
        if isinstance(found, float):
            return found
        if isinstance(found, int):
            try:
                return float(found)
            except OverflowError:
                return None
    return None


def ocid(release: Release) -> str | None:
    return string(release, "ocid")


def tender(release: Release) -> Mapping[str, Any] | None:
    return obj(release, "tender")


def is_cancelled(release: Release) -> bool:
    """A cancelled contracting process (`/tender/status`) is left out of every indicator."""
    return string(tender(release), "status") == "cancelled"


def matches_procurement_method(tender_: Mapping[str, Any] | None, methods: frozenset[str]) -> bool:
    """No filter matches everything; a filter never matches a missing `procurementMethod`."""
    if not methods:
        return True
    method = string(tender_, "procurementMethod")
    return method is not None and method in methods


def matches_procurement_method_details(
    release: Release, include: frozenset[str], exclude: frozenset[str]
) -> bool:
    """An allow list (`include`, when not empty) wins over a deny list (`exclude`). A missing
    `/tender/procurementMethodDetails` passes a deny list and fails an allow list."""
    details = string(tender(release), "procurementMethodDetails")
    if details is None:
        return not include
    if not include:
        return details not in exclude
    return details in include


def submitted_bids(release: Release) -> list[Mapping[str, Any]]:
    """Bids with a status other than invited or withdrawn: pending, valid and disqualified."""
    bids: list[Mapping[str, Any]] = []
    for bid in array(obj(release, "bids"), "details"):
        status = string(bid, "status")
        if status is not None and status not in _NOT_SUBMITTED:
            bids.append(bid)
    return bids


def complete_awards_and_bids(
    release: Release,
) -> tuple[list[Mapping[str, Any]], Sequence[Any]] | None:
    """The active awards and all bid details, if `awards` and `bids/details` are arrays and no
    award is in a non-final state. An award without a status string is ignored (as cardinal does);
    there need not be any award, since "all" of zero awards are final."""
    release_awards = release.get("awards")
    bids = obj(release, "bids")
    details = bids.get("details") if bids is not None else None
    if not isinstance(release_awards, list) or not isinstance(details, list):
        return None
    complete: list[Mapping[str, Any]] = []
    for award in release_awards:
        status = string(award, "status")
        if status is None:
            continue
        if status not in _FINAL_AWARD_STATUSES:
            return None
        if status == "active":
            complete.append(award)
    return complete, details


def sole_supplier_of_sole_award(awards: Sequence[Mapping[str, Any]]) -> str | None:
    """The supplier's id when there is exactly one complete award, made to exactly one supplier.
    With several active awards the data would have to describe lots to tell which bids competed
    with which; with several suppliers, which tenderer is which (cardinal issues #14, #17)."""
    if len(awards) != 1:
        return None
    suppliers = array(awards[0], "suppliers")
    if len(suppliers) != 1:
        return None
    return string(suppliers[0], "id")


def priced_valid_bids(details: Sequence[Any]) -> list[PricedBid]:
    """Valid bids with an amount and a currency, submitted by a single tenderer."""
    priced: list[PricedBid] = []
    for bid in details:
        value = obj(bid, "value")
        amount = number(value, "amount")
        currency = string(value, "currency")
        tenderers = array(bid, "tenderers")
        if string(bid, "status") != "valid" or amount is None or currency is None or len(tenderers) != 1:
            continue
        tenderer_id = string(tenderers[0], "id")
        if tenderer_id is not None:
            priced.append(PricedBid(tenderer_id, amount, currency))
    return priced


def tenderer_ids(bid: Any) -> list[str]:
    """The ids of a bid's tenderers that have one, in their order."""
    return [id_ for tenderer in array(bid, "tenderers") if (id_ := string(tenderer, "id")) is not None]


def parse_rfc3339_ns(text: str) -> int | None:
    """Nanoseconds since 0001-01-01T00:00:00Z of an RFC 3339 date-time, or None if it is not one.
    Integer nanoseconds keep cardinal's whole-day truncation exact where microseconds would not.
    A leap second (:60) counts as the first second of the next minute."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if hour > 23 or minute > 59 or second > 60:
        return None
    try:
        ordinal = date(year, month, day).toordinal()
    except ValueError:
        return None
    offset = 0
    if match.group(9) is not None:
        offset_hours, offset_minutes = int(match.group(10)), int(match.group(11))
        if offset_hours > 23 or offset_minutes > 59:
            return None
        offset = (offset_hours * 3600 + offset_minutes * 60) * (1 if match.group(9) == "+" else -1)
    fraction = (match.group(7) or "")[:9].ljust(9, "0")
    seconds = ordinal * 86_400 + hour * 3600 + minute * 60 + second - offset
    return seconds * _NS_PER_SECOND + int(fraction)


def whole_days(start_ns: int, end_ns: int) -> int:
    """Whole days from start to end, truncated toward zero (chrono's `num_days`)."""
    elapsed = end_ns - start_ns
    days = abs(elapsed) // NS_PER_DAY
    return days if elapsed >= 0 else -days


def ieee_divide(numerator: float, denominator: float) -> float:
    """Division as IEEE 754 (and Rust) does it: by zero gives an infinity or NaN, not an error."""
    if denominator != 0.0:
        return numerator / denominator
    if numerator == 0.0 or math.isnan(numerator):
        return math.nan
    return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)
