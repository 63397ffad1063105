"""Persistence: SQLAlchemy Core tables, queries, migrations and the ledger (SQLite and PostgreSQL)."""
