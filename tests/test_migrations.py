"""The migrations build exactly the schema the code queries, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from jiancha.store.database import Database
from jiancha.store.migrate import current
from jiancha.store.tables import metadata


def test_migrations_match_the_tables_the_code_uses(empty_db: Database) -> None:
    with empty_db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert current(empty_db) == "0018"
