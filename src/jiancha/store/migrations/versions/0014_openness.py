"""Openness (R-OPEN-1..3): the public flag and content hash of each catalogue version, what each
department published (its lists, and the fold of them per item), and the indexes of the cases
the public results and the hall screens read.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import hashlib
import json

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)
Json = sa.JSON()


def upgrade() -> None:
    with op.batch_alter_table("item_versions") as batch:
        batch.add_column(sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=False, server_default=""))
    _backfill_versions()
    # Received and completed instants are indexed by 0013 (the statistics of a month).
    op.create_index(
        "ix_cases_published_at",
        "cases",
        ["published_at"],
        sqlite_where=sa.text("published_at IS NOT NULL"),
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )
    op.create_table(
        "disclosure_lists",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("list_no", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("captured_at", Instant, nullable=False),
        sa.Column("recorded_at", Instant, nullable=False),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("entries", Json, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_lists")),
        sa.UniqueConstraint("list_no", name=op.f("uq_disclosure_lists_list_no")),
    )
    op.create_index("ix_disclosure_lists_department", "disclosure_lists", ["department_code", "captured_at"])
    op.create_table(
        "disclosed_items",
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("content", Json, nullable=True),
        sa.Column("state_sha256", sa.String(length=64), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("listed_since", Instant, nullable=True),
        sa.Column("active_since", Instant, nullable=True),
        sa.Column("content_since", Instant, nullable=True),
        sa.Column("content_seen_at", Instant, nullable=True),
        sa.Column("omitted_since", Instant, nullable=True),
        sa.Column("list_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["disclosure_lists.id"], name=op.f("fk_disclosed_items_list_id_disclosure_lists")
        ),
        sa.PrimaryKeyConstraint("department_code", "code", name=op.f("pk_disclosed_items")),
    )


def _backfill_versions() -> None:
    """Each existing version's public flag and content hash, read from its content (the hash is
    that of the canonical JSON, as `jiancha.domain.canonical` makes it)."""
    conn = op.get_bind()
    versions = sa.table(
        "item_versions",
        sa.column("id", Id),
        sa.column("content", Json),
        sa.column("public", sa.Boolean()),
        sa.column("content_sha256", sa.String()),
    )
    rows = conn.execute(sa.select(versions.c.id, versions.c.content)).all()
    for version_id, content in rows:
        if isinstance(content, str):  # a driver that hands JSON back as text
            content = json.loads(content)
        digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
        conn.execute(
            sa.update(versions)
            .where(versions.c.id == version_id)
            .values(public=bool(content.get("public", True)), content_sha256=digest)
        )


def downgrade() -> None:
    op.drop_table("disclosed_items")
    op.drop_index("ix_disclosure_lists_department", table_name="disclosure_lists")
    op.drop_table("disclosure_lists")
    op.drop_index("ix_cases_published_at", table_name="cases")
    with op.batch_alter_table("item_versions") as batch:
        batch.drop_column("content_sha256")
        batch.drop_column("public")
