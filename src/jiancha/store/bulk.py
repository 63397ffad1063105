"""Many rows in one driver call, for the ingest hot path.

SQLAlchemy's per-value bind processing costs more than the database itself when a batch writes
thousands of rows; here each column's conversion is decided once per statement and the rows go
to the driver's executemany as plain tuples. Values come out exactly as SQLAlchemy would store
them, so every other query reads them unchanged.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, Date, String, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jiancha.store.types import UTCDateTime

Convert = Callable[[Any], Any]


def upsert_insert(conn: Connection, table: Table) -> Any:
    """An INSERT of the connection's dialect, which offers ON CONFLICT DO NOTHING / DO UPDATE."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


@lru_cache(maxsize=65536)  # a batch repeats its instants (received_at, last_event_at ...) many times
def _sqlite_instant(v: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME text: "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC.
    return None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _json_text(v: Any) -> str:
    return orjson.dumps(v).decode()


def _converter(table: Table, column: str, dialect: str) -> Convert | None:
    kind = table.c[column].type
    if isinstance(kind, UTCDateTime):
        return _sqlite_instant if dialect == "sqlite" else None
    if isinstance(kind, Date):
        return _sqlite_date if dialect == "sqlite" else None
    if isinstance(kind, JSON):
        return _json_text
    if isinstance(kind, Boolean) and dialect == "sqlite":
        return lambda v: None if v is None else int(v)
    return None


def _cast(conn: Connection, table: Table, column: str) -> str:
    """PostgreSQL's type for a parameter inside VALUES or unnest(), where it cannot infer one.

    Text goes as TEXT, not VARCHAR(n): a cast to VARCHAR(n) would silently cut a long value, where
    the column itself refuses it."""
    kind = table.c[column].type
    if isinstance(kind, JSON):
        return "JSON"
    if isinstance(kind, String):
        return "TEXT"
    return str(kind.compile(dialect=conn.dialect))


def _tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    dialect = conn.dialect.name
    convert = [(i, f) for i, c in enumerate(columns) if (f := _converter(table, c, dialect)) is not None]
    first = columns[0]
    # itemgetter of one name gives the value itself, not a tuple of it.
    get: Callable[[dict[str, Any]], tuple[Any, ...]] = (
        itemgetter(*columns) if len(columns) > 1 else lambda r: (r[first],)
    )
    if not convert:
        return [get(r) for r in rows]
    out = []
    for r in rows:
        values = list(get(r))
        for i, f in convert:
            values[i] = f(values[i])
        out.append(tuple(values))
    return out


# PostgreSQL pays a round trip, a parse and a plan per statement, and per parameter: there, each
# column goes as one array parameter and the rows come out of unnest(), whatever their number.
def _unnest(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> tuple[str, tuple[Any, ...]]:
    values = _tuples(conn, table, columns, rows)
    arrays = tuple(list(col) for col in zip(*values, strict=True))
    casts = []
    for c in columns:
        kind = _cast(conn, table, c)
        casts.append(f"(%s::text[])::{kind}[]" if kind == "JSON" else f"%s::{kind}[]")
    return f"unnest({', '.join(casts)}) AS v({', '.join(columns)})", arrays


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})", _tuples(conn, table, columns, rows)
        )
        return
    # PostgreSQL: COPY, its fastest way in; it runs inside the caller's transaction.
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in _tuples(conn, table, columns, rows):
            copy.write_row(row)


def update_many(conn: Connection, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE table SET <every other column of the row> WHERE key = row[key], for each row."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != key]
    if conn.dialect.name == "sqlite":
        sets = ", ".join(f"{c} = ?" for c in columns)
        values = _tuples(conn, table, [*columns, key], rows)
        conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} WHERE {key} = ?", values)
        return
    source, arrays = _unnest(conn, table, [*columns, key], rows)
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    conn.exec_driver_sql(
        f"UPDATE {table.name} SET {sets} FROM {source} WHERE {table.name}.{key} = v.{key}", arrays
    )


# -- reading -------------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def _read_instant(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        return datetime.fromisoformat(v).replace(tzinfo=UTC)
    return v.astimezone(UTC) if v.tzinfo is not None else v.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def _read_date(v: Any) -> date | None:
    return date.fromisoformat(v) if isinstance(v, str) else v


def _read_json(v: Any) -> Any:
    return orjson.loads(v) if isinstance(v, str | bytes) else v


def _reader(table: Table, column: str) -> Convert | None:
    kind = table.c[column].type
    if isinstance(kind, UTCDateTime):
        return _read_instant
    if isinstance(kind, Date):
        return _read_date
    if isinstance(kind, JSON):
        return _read_json
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    return None


_ROW_TYPES: dict[tuple[str, tuple[str, ...]], Any] = {}  # named tuple types


def select_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    key: str,
    values: Sequence[Any],
    equal: dict[str, Any] | None = None,
    chunk: int = 500,
) -> list[Any]:
    """Rows whose `key` is one of `values` (and whose `equal` columns have those values), as named
    tuples of `columns`, through the driver."""
    names = tuple(columns)
    row_type: Any = _ROW_TYPES.get((table.name, names))
    if row_type is None:
        row_type = _ROW_TYPES[(table.name, names)] = namedtuple(f"{table.name}_row", names)  # type: ignore[misc]
    readers = [_reader(table, c) for c in names]
    fixed = list((equal or {}).items())
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = f"SELECT {', '.join(names)} FROM {table.name} WHERE " + "".join(
        f"{c} = {mark} AND " for c, _ in fixed
    )
    head = tuple(v for _, v in fixed)
    if conn.dialect.name == "sqlite":
        parts = [values[i : i + chunk] for i in range(0, len(values), chunk)]
        results = [
            conn.exec_driver_sql(f"{sql}{key} IN ({', '.join('?' * len(p))})", head + tuple(p)) for p in parts
        ]
    else:
        results = [conn.exec_driver_sql(f"{sql}{key} = ANY(%s)", (*head, list(values)))]
    # Rows straight from the driver's cursor, each column converted only when its type needs it:
    # SQLAlchemy's row-by-row fetching costs more than the query on a thousand cases' events.
    make = row_type._make
    convert = [(i, f) for i, f in enumerate(readers) if f is not None]
    out: list[Any] = []
    for result in results:
        fetched = result.cursor.fetchall()
        result.close()
        if not convert:
            out.extend(map(make, fetched))
            continue
        for raw in fetched:
            row = list(raw)
            for i, f in convert:
                row[i] = f(row[i])
            out.append(make(row))
    return out
