"""Numbers for records people quote (督办件 DB-2026-000001, 投诉 TS-…): a prefix, the year, and the
record's place in its table. Taken under the ledger lock, so two writers never draw the same one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, func, select


def next_number(conn: Connection, table: Table, prefix: str, now: datetime) -> str:
    count = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return f"{prefix}-{now.year}-{count + 1:06d}"
