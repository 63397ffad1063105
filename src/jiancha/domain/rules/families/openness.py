"""Pre-disclosure checks (事前信息公开, R-OPEN-3; Sichuan 2014 §10(一)): the catalogue against what
each department actually published — its latest list of powers, folded into one `Listing` per item.

- `not_published` (应公开而未公开): an item in force, active and meant to be public, not shown on
  the department's list (or shown only as suspended or cancelled) once `working_days` have passed
  since it came into force; or dropped from the list later.
- `late_published` (信息变更公开超时限): a change of an item already in force and public — a new
  version of its content, or its suspension, cancellation, merger or deletion — not shown on the
  list within `working_days` after it took effect.
- `published_differs` (公开目录、内容不一致; with `check: unknown`, 应纳入而未纳入网上运行): a listed
  entry whose name, status or content matches no version of the catalogue in force since it was
  published (nor one announced to come), or an item the catalogue does not hold at all.

Each is a pure function of the item's catalogue history, the department's listing and `now`; the
services feed them and raise what they find as signals about a subject, once per subject and rule.
A deadline counts only when the platform was receiving the department's lists by then: what
happened before cannot be judged from lists that came later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jiancha.domain.catalogue import ItemStatus
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.public.openness import FIELD_ZH, REQUIRED, Listing, compare
from jiancha.domain.rules.model import Finding, Rule
from jiancha.domain.timeutil import end_of_local_day, iso_utc, local_date

_ONE_DAY = timedelta(days=1)
DEFAULT_WORKING_DAYS = 20
CHANGE_ZH = {
    "add": "新增",
    "change": "变更",
    "delete": "删除",
    "merge": "合并",
    "cancel": "取消",
    "suspend": "暂停",
    "resume": "恢复",
}  # 《政府信息公开条例》第二十六条: within 20 working days of forming or changing


@dataclass(frozen=True)
class Version:
    """One catalogue version as the checks see it; `content` only when a comparison needs it."""

    code: str
    version: int
    status: ItemStatus
    change_kind: str
    effective_from: datetime
    public: bool
    department_code: str
    name: str
    content_sha256: str
    content: dict[str, Any] | None = None


@dataclass(frozen=True)
class Watched:
    """What the platform knows of one department's published list."""

    department_code: str
    first_capture: datetime  # since then the platform has been receiving its lists
    latest_capture: datetime
    latest_list: str  # its number
    listings: Mapping[str, Listing]


Found = tuple[str, Finding]  # (subject, finding)


def in_force(history: Sequence[Version], at: datetime) -> Version | None:
    """The version in force at `at` (history ordered by effective_from, then version); None before
    the first."""
    found = None
    for v in history:
        if v.effective_from <= at:
            found = v
    return found


def _shown(v: Version, department: str) -> bool:
    """Whether the version must be on the department's public list."""
    return v.status is ItemStatus.active and v.public and v.department_code == department


def _due(calendar: WorkCalendar, start: datetime, days: int) -> datetime:
    """The end of the N-th working day after the day of `start`."""
    return end_of_local_day(calendar.add_working_days(local_date(start), days))


def _day(at: datetime | None) -> str:
    return local_date(at).isoformat() if at is not None else "—"


def not_published(
    rule: Rule, history: Sequence[Version], watched: Watched, calendar: WorkCalendar, now: datetime
) -> list[Found]:
    department = watched.department_code
    current = in_force(history, now)
    if current is None or not _shown(current, department):
        return []
    # The current run of versions the list must show: it began when the item came into force
    # (or became public, or came back from a suspension) for this department.
    start = _run_start(history, department, now)
    days = int(rule.params.get("working_days", DEFAULT_WORKING_DAYS))
    due = _due(calendar, start, days)
    if now < due:
        return []
    listing = watched.listings.get(current.code)
    values = {
        "item": current.code,
        "name": current.name,
        "department": department,
        "in_force_since": _day(start),
        "due": _day(due - _ONE_DAY),
        "working_days": days,
        "listed": "—",
        "list": watched.latest_list,
    }
    if listing is not None and listing.shown_active:
        assert listing.active_since is not None
        if listing.active_since <= due or due < watched.first_capture:
            return []
        # Shown now, but it was not when the days ran out.
        values |= {"from": _day(due), "listed": _day(listing.active_since)}
        return [
            (
                _subject("unpublished", department, current.code, start),
                Finding(rule.id, rule.colour, due, values),
            )
        ]
    if listing is None:  # never listed
        omitted = start
    elif not listing.listed:
        omitted = listing.omitted_since or start
    else:  # listed, but as suspended or cancelled
        omitted = listing.content_since or start
    if omitted <= due:
        at, episode = max(due, watched.first_capture), start
    else:  # shown in time, then dropped
        at, episode = omitted, omitted
    at = min(at, now)
    values["from"] = _day(at)
    return [
        (
            _subject("unpublished", department, current.code, episode),
            Finding(rule.id, rule.colour, at, values),
        )
    ]


def late_published(
    rule: Rule, history: Sequence[Version], watched: Watched, calendar: WorkCalendar, now: datetime
) -> list[Found]:
    department = watched.department_code
    past = [v for v in history if v.effective_from <= now]
    if len(past) < 2:
        return []
    current, previous = past[-1], past[-2]
    if not _shown(previous, department):
        return []  # nothing was due on the list before: a first publication is not_published's
    if current.status is ItemStatus.active and not _shown(current, department):
        return []  # no longer public, or moved to another department
    if current.status is ItemStatus.active and current.content_sha256 == previous.content_sha256:
        return []
    days = int(rule.params.get("working_days", DEFAULT_WORKING_DAYS))
    due = _due(calendar, current.effective_from, days)
    if due < watched.first_capture:
        return []
    listing = watched.listings.get(current.code)
    shown_at: datetime | None
    if current.status is ItemStatus.active:
        if listing is None or not listing.shown_active:
            return []  # not on the list at all: not_published's
        matches = _reflects(listing, current, rule.params.get("fields"))
        shown_at = listing.content_since if matches else None
    elif listing is None:
        shown_at = watched.first_capture  # never listed: nothing to take down
    elif not listing.listed:
        shown_at = listing.omitted_since
    elif listing.status is not ItemStatus.active:
        shown_at = listing.content_since
    else:
        shown_at = None
    if shown_at is not None and shown_at <= due:
        return []
    if shown_at is None and now < due:
        return []
    values = {
        "item": current.code,
        "name": current.name,
        "department": department,
        "version": current.version,
        "change": current.change_kind,
        "change_zh": CHANGE_ZH.get(current.change_kind, current.change_kind),
        "status": current.status.value,
        "effective": _day(current.effective_from),
        "due": _day(due - _ONE_DAY),
        "working_days": days,
        "published": _day(shown_at),
        "list": watched.latest_list,
    }
    subject = f"change:{department}/{current.code}@v{current.version}"
    return [(subject, Finding(rule.id, rule.colour, due, values))]


def published_differs(
    rule: Rule, history: Sequence[Version], listing: Listing, watched: Watched, now: datetime
) -> list[Found]:
    department = watched.department_code
    if not listing.listed:
        return []
    check = str(rule.params.get("check", "content"))
    at = min(listing.content_seen_at or watched.latest_capture, now)
    subject = f"published:{department}/{listing.code}@{listing.state[:16]}"
    base: dict[str, Any] = {
        "item": listing.code,
        "department": department,
        "published": _day(listing.content_since),
        "list": watched.latest_list,
    }
    if check == "unknown":
        if history or listing.status is not ItemStatus.active:
            return []
        values = {**base, "name": listing.name}
        return [(subject, Finding(rule.id, rule.colour, at, values))]
    if not history:
        return []
    current = in_force(history, now)
    if listing.status is not ItemStatus.active and current is not None and _shown(current, department):
        return []  # shown as suspended or cancelled while in force: not_published's to say
    since = listing.content_since or watched.latest_capture
    opening = in_force(history, since)
    candidates = [v for v in history if v is opening or v.effective_from > since]
    if not any(v.public for v in candidates):
        return []  # not an item the public list must hold: publishing it is no fault of this rule
    fields = rule.params.get("fields")
    required = tuple(rule.params.get("required_fields", REQUIRED))
    if any(_consistent(listing, v, department, fields, required) for v in candidates):
        return []
    reference = current or candidates[0]
    differs, missing = _differences(listing, reference, department, fields, required)
    values = {
        **base,
        "name": reference.name,
        "published_name": listing.name,
        "version": reference.version,
        "fields": differs or ["—"],
        "missing": missing or ["—"],
        "fields_zh": [FIELD_ZH.get(f, f) for f in differs] or ["无"],
        "missing_zh": [FIELD_ZH.get(f, f) for f in missing] or ["无"],
        "status": reference.status.value,
        "published_status": listing.status.value,
    }
    return [(subject, Finding(rule.id, rule.colour, at, values))]


# -- helpers ----------------------------------------------------------------------------------------


def _run_start(history: Sequence[Version], department: str, now: datetime) -> datetime:
    """When the current run of versions the department's list must show began."""
    start: datetime | None = None
    for v in history:
        if v.effective_from > now:
            break
        start = (start or v.effective_from) if _shown(v, department) else None
    assert start is not None
    return start


def _subject(kind: str, department: str, code: str, at: datetime) -> str:
    return f"{kind}:{department}/{code}@{iso_utc(at)}"


def _reflects(listing: Listing, v: Version, fields: Any) -> bool:
    """Whether the listing shows this version: its name, and its content as far as shown."""
    if listing.name != v.name:
        return False
    if listing.content_sha256 is not None and listing.content_sha256 != v.content_sha256:
        return False
    if listing.content is not None:
        assert v.content is not None, "the version's content is needed to compare"
        return not compare(v.content, listing.content, fields, required=()).differs
    return True


def _consistent(
    listing: Listing, v: Version, department: str, fields: Any, required: tuple[str, ...]
) -> bool:
    """Whether the listing agrees, whole and complete, with this version."""
    if v.department_code != department:
        return False
    if v.status is not ItemStatus.active:
        return listing.status is not ItemStatus.active
    if listing.status is not ItemStatus.active or not _reflects(listing, v, fields):
        return False
    if listing.content is not None:
        assert v.content is not None
        return compare(v.content, listing.content, fields, required).same
    return True


def _differences(
    listing: Listing, v: Version, department: str, fields: Any, required: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    differs: list[str] = []
    missing: list[str] = []
    if v.department_code != department:
        differs.append("department_code")
    if (listing.status is ItemStatus.active) != (v.status is ItemStatus.active):
        differs.append("status")
    if listing.name != v.name:
        differs.append("name")
    if listing.content_sha256 is not None and listing.content_sha256 != v.content_sha256:
        differs.append("content_sha256")
    if listing.content is not None and v.content is not None:
        found = compare(v.content, listing.content, fields, required)
        differs.extend(f for f in found.differs if f not in differs)
        missing.extend(found.missing)
    return differs, missing
