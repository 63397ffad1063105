"""Queries over catalogue versions (R-CAT-4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select

from jiancha.domain.catalogue import PowerItem
from jiancha.store.tables import item_versions


def latest(conn: Connection, codes: Iterable[str] | None = None) -> dict[str, Row[Any]]:
    """The newest version of each item (of the given codes, or of all)."""
    newest = select(item_versions.c.code, func.max(item_versions.c.version).label("version")).group_by(
        item_versions.c.code
    )
    if codes is not None:
        newest = newest.where(item_versions.c.code.in_(list(codes)))
    sub = newest.subquery()
    query = select(item_versions).join(
        sub, (item_versions.c.code == sub.c.code) & (item_versions.c.version == sub.c.version)
    )
    return {r.code: r for r in conn.execute(query.order_by(item_versions.c.code))}


def versions(conn: Connection, codes: Iterable[str]) -> dict[str, list[Row[Any]]]:
    """Every version of the given items, oldest effective first."""
    out: dict[str, list[Row[Any]]] = {}
    query = (
        select(item_versions)
        .where(item_versions.c.code.in_(list(codes)))
        .order_by(item_versions.c.code, item_versions.c.effective_from, item_versions.c.version)
    )
    for r in conn.execute(query):
        out.setdefault(r.code, []).append(r)
    return out


def in_force(history: list[Row[Any]], at: datetime) -> Row[Any]:
    """The version a case received at `at` is judged by: the last one effective by then.

    A case received before the item's first version is judged by that first version.
    """
    chosen = history[0]
    for v in history:
        if v.effective_from <= at:
            chosen = v
    return chosen


def insert_version(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(item_versions).values(**values).returning(item_versions.c.id))
    return int(result.scalar_one())


def item_of(row: Row[Any]) -> PowerItem:
    return PowerItem.model_validate(row.content)


def version_dict(row: Row[Any]) -> dict[str, Any]:
    return {
        "code": row.code,
        "version": row.version,
        "status": row.status,
        "change_kind": row.change_kind,
        "effective_from": row.effective_from,
        "recorded_at": row.recorded_at,
        "changed_by": row.changed_by,
        "reason": row.reason,
        "merged_into": row.merged_into,
        "ledger_seq": row.ledger_seq,
    }
