"""Exports needing the unit leader's approval (R-SEC-2).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)
Json = sa.JSON()


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("export_no", sa.String(length=64), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("params", Json, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requester_id", Id, nullable=False),
        sa.Column("requested_by", sa.String(length=300), nullable=False),
        sa.Column("unit_region", sa.String(length=32), nullable=True),
        sa.Column("unit_department", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", Instant, nullable=False),
        sa.Column("decided_by", sa.String(length=300), nullable=True),
        sa.Column("decided_at", Instant, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("downloaded_at", Instant, nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("export_no"),
    )
    op.create_index("ix_exports_unit", "exports", ["unit_region", "unit_department", "state"])


def downgrade() -> None:
    op.drop_index("ix_exports_unit", table_name="exports")
    op.drop_table("exports")
