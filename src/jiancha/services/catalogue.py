"""Changing the catalogue: every change is a new version, dated, attributed and ledgered (R-CAT-4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from jiancha.domain.catalogue import (
    STATUS_AFTER,
    CatalogueChange,
    ChangeKind,
    ItemStatus,
    PowerItem,
    content_sha256,
)
from jiancha.domain.errors import Problem, Rejected
from jiancha.domain.timeutil import iso_utc, utcnow
from jiancha.store import catalogue as catalogue_store
from jiancha.store.database import Database
from jiancha.store.ledger import Entry, append


@dataclass
class CatalogueResult:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    status_changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "status_changed": self.status_changed,
        }


_GONE = {ItemStatus.deleted, ItemStatus.merged, ItemStatus.cancelled}


def apply_changes(db: Database, changes: list[CatalogueChange]) -> CatalogueResult:
    """Apply all changes in one transaction, or none: every problem is reported together.

    `add` of an existing item with different content becomes `change`; identical content is a no-op.
    This is the operator's path (command line, demo) and that of an approved correction; people
    through the API add items here but alter existing ones through a correction (`propose`).
    """
    with db.write() as conn:
        return apply_in(conn, changes, utcnow())


def apply_in(conn: Connection, changes: list[CatalogueChange], now: datetime) -> CatalogueResult:
    """`apply_changes` inside the caller's transaction."""
    result = CatalogueResult()
    newest = _checked(conn, changes)
    state: dict[str, tuple[int, ItemStatus, dict[str, Any]]] = {
        code: (r.version, ItemStatus(r.status), r.content) for code, r in newest.items()
    }
    for change in changes:
        previous = state.get(change.code)
        kind = change.kind
        if kind is ChangeKind.add and previous is not None:
            kind = ChangeKind.change
        if change.item is not None:
            content = change.item.model_dump(mode="json")
        else:
            assert previous is not None  # _check made sure
            content = previous[2]
        status = STATUS_AFTER[kind]
        if (
            previous is not None
            and kind is ChangeKind.change
            and previous[2] == content
            and previous[1] is status
        ):
            result.unchanged.append(change.code)
            continue
        version = previous[0] + 1 if previous else 1
        record = {
            "v": 1,
            "code": change.code,
            "version": version,
            "change": kind.value,
            "status": status.value,
            "effective_from": iso_utc(change.effective_from),
            "changed_by": change.changed_by,
            "reason": change.reason,
            "merged_into": change.merged_into,
            "item": content,
        }
        (seq,) = append(conn, [Entry("catalogue", f"item:{change.code}@{version}", record)], now)
        catalogue_store.insert_version(
            conn,
            {
                "code": change.code,
                "version": version,
                "status": status.value,
                "change_kind": kind.value,
                "effective_from": change.effective_from,
                "recorded_at": now,
                "changed_by": change.changed_by,
                "reason": change.reason,
                "merged_into": change.merged_into,
                "name": content["name"],
                "item_type": content["item_type"],
                "department_code": content["department_code"],
                "public": bool(content.get("public", True)),
                "content_sha256": content_sha256(content),
                "content": content,
                "ledger_seq": seq,
            },
        )
        state[change.code] = (version, status, content)
        bucket = {ChangeKind.add: result.added, ChangeKind.change: result.changed}.get(
            kind, result.status_changed
        )
        bucket.append(change.code)
    return result


def _checked(conn: Connection, changes: list[CatalogueChange]) -> dict[str, Any]:
    """The newest version of every item the changes name, once the changes are found valid."""
    codes = {c.code for c in changes} | {c.merged_into for c in changes if c.merged_into}
    newest = catalogue_store.latest(conn, codes)
    problems = _check(changes, newest)
    if problems:
        raise Rejected(
            "catalogue_rejected",
            "事项清单有错误，未作任何更改",
            "the catalogue has errors; nothing was changed",
            problems,
        )
    return newest


def split(
    conn: Connection, changes: list[CatalogueChange]
) -> tuple[list[CatalogueChange], list[CatalogueChange], list[str]]:
    """(new items, alterations of existing items, codes left unchanged), the batch checked whole.

    Deleting or altering a catalogue entry needs the top-level agency's approval (R-AUD-2); adding
    one does not. Re-sending an item exactly as it stands changes nothing and needs nothing.
    """
    newest = _checked(conn, changes)
    new, altered, unchanged = [], [], []
    for c in changes:
        stands = newest.get(c.code)
        if stands is None and c.kind is ChangeKind.add:
            new.append(c)
        elif (
            stands is not None
            and c.kind in (ChangeKind.add, ChangeKind.change)
            and c.item is not None
            and stands.content == c.item.model_dump(mode="json")
            and ItemStatus(stands.status) is ItemStatus.active
        ):
            unchanged.append(c.code)
        else:
            altered.append(c)
    return new, altered, unchanged


def _check(changes: list[CatalogueChange], newest: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    known = {code: ItemStatus(r.status) for code, r in newest.items()}
    for i, c in enumerate(changes, start=1):
        status = known.get(c.code)
        if c.kind not in (ChangeKind.add, ChangeKind.change) and status is None:
            problems.append(
                Problem(
                    "unknown_item",
                    "code",
                    f"事项 {c.code} 不存在，无法{c.kind.value}",
                    f"item {c.code} does not exist, cannot {c.kind.value} it",
                    i,
                )
            )
        elif c.kind is ChangeKind.change and status is None:
            problems.append(
                Problem(
                    "unknown_item",
                    "code",
                    f"事项 {c.code} 不存在，无法变更",
                    f"item {c.code} does not exist, cannot change it",
                    i,
                )
            )
        elif status in _GONE and c.kind is not ChangeKind.add:
            problems.append(
                Problem(
                    "item_gone",
                    "code",
                    f"事项 {c.code} 已{status.value}，不能再变更",
                    f"item {c.code} is {status.value} and cannot change",
                    i,
                )
            )
        if (
            c.kind is ChangeKind.merge
            and c.merged_into not in known
            and c.merged_into not in {x.code for x in changes if x.item is not None}
        ):
            problems.append(
                Problem(
                    "unknown_item",
                    "merged_into",
                    f"并入的事项 {c.merged_into} 不存在",
                    f"merge target {c.merged_into} does not exist",
                    i,
                )
            )
        if c.kind is ChangeKind.resume and status is not ItemStatus.suspended and status is not None:
            problems.append(
                Problem(
                    "not_suspended",
                    "change",
                    f"事项 {c.code} 未暂停，无需恢复",
                    f"item {c.code} is not suspended",
                    i,
                )
            )
        if c.item is not None:
            known[c.code] = ItemStatus.active
        elif status is not None:
            known[c.code] = STATUS_AFTER[c.kind]
    return problems


def current_items(db: Database, *, include_suspended: bool = True) -> list[PowerItem]:
    with db.read() as conn:
        rows = catalogue_store.latest(conn).values()
    keep = {ItemStatus.active} | ({ItemStatus.suspended} if include_suspended else set())
    return [catalogue_store.item_of(r) for r in rows if ItemStatus(r.status) in keep]
