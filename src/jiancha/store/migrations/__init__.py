"""Alembic migrations of the schema in `jiancha.store.tables`."""
