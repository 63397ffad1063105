"""An attributed action on a record people quote (a supervision notice, a complaint): written to
the ledger, applied to the record's row, and kept in the record's history table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, update

from jiancha.domain.timeutil import iso_utc
from jiancha.store.ledger import Entry, append


@dataclass(frozen=True)
class Tracked:
    kind: str  # the ledger kind, and the prefix of its refs: "notice"
    number: str  # the column holding the number people quote: "notice_no"
    table: Table
    actions: Table  # the history table
    parent: str  # its column pointing at the record: "notice_id"


def act(
    conn: Connection,
    t: Tracked,
    row: Any,
    action: str,
    by: str,
    detail: dict[str, Any],
    now: datetime,
    **values: Any,
) -> None:
    """Ledger the action, apply its change (`values`) to the row, and add it to the history."""
    number = getattr(row, t.number)
    record = {"v": 1, t.number: number, "action": action, "by": by, **detail, "at": iso_utc(now)}
    (seq,) = append(conn, [Entry(t.kind, f"{t.kind}:{number}", record)], now)
    if values:
        conn.execute(update(t.table).where(t.table.c.id == row.id).values(**values))
    history(conn, t, row.id, action, by, detail, now, seq)


def history(
    conn: Connection,
    t: Tracked,
    record_id: int,
    action: str,
    by: str,
    detail: dict[str, Any],
    at: datetime,
    seq: int,
) -> None:
    conn.execute(
        insert(t.actions).values(
            {t.parent: record_id, "action": action, "by": by, "detail": detail, "at": at, "ledger_seq": seq}
        )
    )
