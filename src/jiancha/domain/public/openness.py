"""What a department published (政务公开, R-OPEN-3): its portal's list of powers as captured at an
instant, how each item stands on it over successive lists, and how a published entry compares
with the catalogue.

A list is the department's whole published list at `captured_at`: an item it does not hold is not
published then. Each entry gives the item's code and name and, as far as the portal shows them,
its content (the fields of R-CAT-1) or the SHA-256 of the whole item as the public power list
gives it (`content_sha256`), its status as published, and when it was published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jiancha.domain.canonical import MAX_NESTING, canonical_bytes, nesting
from jiancha.domain.catalogue import CODE_PATTERN, ItemStatus, PowerItem
from jiancha.domain.errors import Problem
from jiancha.domain.timeutil import iso_utc, plausible_instant

SHA256_HEX = r"^[0-9a-f]{64}$"
MAX_ENTRIES = 20_000
# A list may say it was captured a little ahead of the platform's clock (clocks differ), no more.
CLOCK_SKEW = timedelta(minutes=5)

# The fields of R-CAT-1 a published entry is compared on, and those it must show to be complete
# (when the catalogue has something to show for them): what the public needs to apply.
COMPARED = tuple(f for f in PowerItem.model_fields if f != "public")
REQUIRED = (
    "name",
    "item_type",
    "legal_basis",
    "conditions",
    "materials",
    "fees",
    "legal_limit_days",
    "promised_limit_days",
    "process",
    "posts",
)


# What each field is called on a portal, for the Chinese messages.
FIELD_ZH = {
    "code": "事项编码",
    "name": "事项名称",
    "item_type": "事项类型",
    "department_code": "实施部门",
    "legal_basis": "设定依据",
    "conditions": "受理条件",
    "materials": "申请材料",
    "fees": "收费标准",
    "legal_limit_days": "法定时限",
    "promised_limit_days": "承诺时限",
    "limit_unit": "时限单位",
    "process": "办理流程",
    "posts": "责任岗位",
    "discretion": "裁量基准",
    "status": "事项状态",
    "content_sha256": "内容摘要",
}


class PublishedEntry(BaseModel):
    """One item as a department's portal publishes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: Annotated[str, Field(pattern=CODE_PATTERN)]
    name: Annotated[str, Field(min_length=1, max_length=500)]
    status: ItemStatus = ItemStatus.active  # as published: 暂停 (suspended), 取消 (cancelled) …
    published_at: datetime | None = None  # when the portal published what it shows now
    content_sha256: Annotated[str, Field(pattern=SHA256_HEX)] | None = None
    content: dict[str, Any] | None = None  # the fields of R-CAT-1 the portal shows

    @field_validator("published_at")
    @classmethod
    def _instant(cls, value: datetime | None) -> datetime | None:
        return plausible_instant(value) if value is not None else None

    @field_validator("content_sha256", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("content")
    @classmethod
    def _recordable(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if nesting(value) > MAX_NESTING:
            raise ValueError(
                f"嵌套层数过多（最多 {MAX_NESTING} 层） | nested too deeply (at most {MAX_NESTING} levels)"
            )
        try:
            canonical_bytes(value)
        except TypeError as e:
            raise ValueError(
                "含有无法记录的数值（整数超出 64 位） | "
                "a value cannot be recorded (an integer beyond 64 bits)"
            ) from e
        return value


class PublishedList(BaseModel):
    """A department's whole published list of powers (权力清单) as read from its portal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    department_code: Annotated[str, Field(pattern=CODE_PATTERN)]
    captured_at: datetime  # when the list was read from the portal
    source: Annotated[str, Field(max_length=500)] = ""  # the portal's address or name
    entries: Annotated[list[PublishedEntry], Field(max_length=MAX_ENTRIES)]

    @field_validator("captured_at")
    @classmethod
    def _instant(cls, value: datetime) -> datetime:
        return plausible_instant(value)


def list_problems(published: PublishedList, now: datetime) -> list[Problem]:
    """What the form alone cannot say is wrong: a list captured in the future, an item twice, an
    entry published after the list was captured."""
    problems = []
    if published.captured_at > now + CLOCK_SKEW:
        problems.append(
            Problem(
                "in_future",
                "captured_at",
                "采集时间晚于当前时间",
                "captured_at lies in the future",
            )
        )
    seen: dict[str, int] = {}
    for i, e in enumerate(published.entries):
        if e.code in seen:
            problems.append(
                Problem(
                    "duplicate",
                    f"entries[{i}].code",
                    f"事项 {e.code} 在清单中重复出现（第 {seen[e.code]} 条已有）",
                    f"item {e.code} appears twice (already entries[{seen[e.code]}])",
                )
            )
        seen.setdefault(e.code, i)
        if e.published_at is not None and e.published_at > published.captured_at:
            problems.append(
                Problem(
                    "after_capture",
                    f"entries[{i}].published_at",
                    "公开时间晚于清单的采集时间",
                    "published_at lies after the list's captured_at",
                )
            )
    return problems


def entry_record(e: PublishedEntry) -> dict[str, Any]:
    """An entry as stored and ledgered; `content_hash` is the SHA-256 of the content it gave."""
    return {
        "code": e.code,
        "name": e.name,
        "status": e.status.value,
        "published_at": iso_utc(e.published_at) if e.published_at else None,
        "content_sha256": e.content_sha256,
        "content": e.content,
        "content_hash": hashlib.sha256(canonical_bytes(e.content)).hexdigest() if e.content else None,
    }


def state_sha256(e: PublishedEntry) -> str:
    """What an entry shows, as one hash: its name, status, content hash and content."""
    shown = {"name": e.name, "status": e.status.value, "sha256": e.content_sha256, "content": e.content}
    return hashlib.sha256(canonical_bytes(shown)).hexdigest()


@dataclass(frozen=True)
class Listing:
    """How one item stands on a department's published list, from the lists received so far."""

    code: str
    name: str
    status: ItemStatus
    content_sha256: str | None
    content: dict[str, Any] | None
    state: str  # state_sha256 of the entry
    listed: bool  # in the latest list
    listed_since: datetime | None  # the current listing began (None: not listed)
    active_since: datetime | None  # listed as in force (active) since (None: not so listed)
    content_since: datetime | None  # it has shown what it shows now since
    content_seen_at: datetime | None  # the capture that first showed that
    omitted_since: datetime | None  # the capture that first left it out (None: listed)

    @property
    def shown_active(self) -> bool:
        return self.listed and self.status is ItemStatus.active


def fold_list(
    previous: Mapping[str, Listing],
    entries: Sequence[PublishedEntry],
    captured_at: datetime,
    previous_capture: datetime | None,
) -> dict[str, Listing]:
    """Each item's listing after one more list (captured after every earlier one), for every item
    the department ever listed.

    When an entry shows something new, it was published when it says (`published_at`), else when
    the list was captured — but not before the previous list, which showed otherwise. An item the
    list leaves out is omitted since this capture.
    """
    given = {e.code: e for e in entries}
    out: dict[str, Listing] = {}
    for code, was in previous.items():
        if code not in given:
            out[code] = (
                replace(was, listed=False, listed_since=None, active_since=None, omitted_since=captured_at)
                if was.listed
                else was
            )
    for e in entries:
        p = previous.get(e.code)
        state = state_sha256(e)
        if p is not None and p.listed and p.state == state:
            out[e.code] = p
            continue
        since = e.published_at or captured_at
        if previous_capture is not None:
            since = max(since, previous_capture)
        since = min(since, captured_at)
        listed_before = p is not None and p.listed
        active = e.status is ItemStatus.active
        out[e.code] = Listing(
            code=e.code,
            name=e.name,
            status=e.status,
            content_sha256=e.content_sha256,
            content=e.content,
            state=state,
            listed=True,
            listed_since=p.listed_since if listed_before and p is not None else since,
            active_since=(p.active_since if p is not None and p.shown_active else since) if active else None,
            content_since=since,
            content_seen_at=captured_at,
            omitted_since=None,
        )
    return out


@dataclass(frozen=True)
class Comparison:
    differs: tuple[str, ...] = ()  # fields published with another value than the catalogue's
    missing: tuple[str, ...] = ()  # required fields the catalogue fills and the entry does not show

    @property
    def same(self) -> bool:
        return not self.differs and not self.missing


def compare(
    catalogue: Mapping[str, Any],
    published: Mapping[str, Any],
    fields: Collection[str] | None = None,
    required: Collection[str] = REQUIRED,
) -> Comparison:
    """The published fields against the catalogue's content (a `PowerItem` dumped as JSON).

    Each published value is read as the catalogue reads its own — lists from `a;b` text, types by
    their Chinese names, amounts as decimals — so only a real difference counts. Fields the entry
    does not show are missing when `required` and the catalogue has something to show for them.
    """
    wanted = [f for f in COMPARED if fields is None or f in fields]
    shown = [f for f in wanted if f in published]
    read = _read(catalogue, {f: published[f] for f in shown})
    differs = tuple(f for f in shown if f not in read or read[f] != catalogue.get(f))
    missing = tuple(
        f for f in wanted if f not in published and f in required and _has_value(catalogue.get(f))
    )
    return Comparison(differs, missing)


# How portals say an item charges nothing (不收费).
NO_FEES = {"", "无", "不收费", "免费", "无收费"}


def _read(catalogue: Mapping[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The shown values as the catalogue would store them; a value that cannot be read as the
    field's type is left out (and so differs)."""
    if isinstance(shown.get("fees"), str) and shown["fees"].strip() in NO_FEES:
        shown = {**shown, "fees": []}
    try:
        item = PowerItem.model_validate({**catalogue, **shown})
    except ValidationError:
        pass
    else:
        dumped = item.model_dump(mode="json")
        return {f: dumped[f] for f in shown}
    out = {}
    for f, value in shown.items():  # one at a time, to tell the unreadable ones apart
        try:
            out[f] = PowerItem.model_validate({**catalogue, f: value}).model_dump(mode="json")[f]
        except ValidationError:
            continue
    return out


def _has_value(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return bool(value)
    return True
