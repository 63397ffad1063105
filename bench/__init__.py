"""Benchmarks (figures in docs/benchmarks.md); shared helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from jiancha.store.database import Database


@contextmanager
def scratch_postgres(url: str) -> Iterator[Database]:
    """A database in a schema of its own on the PostgreSQL server at `url`, dropped afterwards."""
    admin = create_engine(url)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    db = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
