"""One `Database` per process: the engine, and transactions that read or write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from jiancha.settings import database_url

_WRITE = "jiancha_write"


class Database:
    def __init__(self, url: str | None = None, **engine_options: Any) -> None:
        self.url = url or database_url()
        if self.url.startswith("postgresql://"):
            self.url = "postgresql+psycopg://" + self.url.removeprefix("postgresql://")
        self.engine: Engine = _make_engine(self.url, **engine_options)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write. On SQLite it takes the write lock at BEGIN, so two
        writers queue instead of failing halfway; on PostgreSQL writers lock what they touch."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _make_engine(url: str, **options: Any) -> Engine:
    if not url.startswith("sqlite"):
        options.setdefault("pool_pre_ping", True)
        # No server-side prepared statements: their generic plans for `= ANY(array)` lookups read
        # every row of a source system instead of the few asked for (and poolers dislike them).
        options["connect_args"] = {"prepare_threshold": None, **options.get("connect_args", {})}
        return create_engine(url, **options)
    if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        raise ValueError("an in-memory SQLite database cannot be shared by the web app and worker")
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60}, **options)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged batch survives a power cut, not only a killed process.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
