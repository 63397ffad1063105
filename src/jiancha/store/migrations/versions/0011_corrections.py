"""Corrections of important data approved by the top-level agency (R-AUD-2).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)
Json = sa.JSON()


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("correction_no", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=True),
        sa.Column("original_seq", sa.BigInteger(), nullable=True),
        sa.Column("before", Json, nullable=False),
        sa.Column("after", Json, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requester_id", Id, nullable=True),
        sa.Column("requested_by", sa.String(length=300), nullable=False),
        sa.Column("requested_at", Instant, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=300), nullable=True),
        sa.Column("decided_at", Instant, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.Column("applied_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("correction_no"),
    )
    op.create_index("ix_corrections_state", "corrections", ["state", "department_code"])
    op.create_index("ix_corrections_target", "corrections", ["target", "ref"])
    for table in ("cases", "events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("voided", sa.Boolean(), nullable=False, server_default=sa.false()))
            batch.add_column(sa.Column("correction_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table in ("cases", "events"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("correction_seq")
            batch.drop_column("voided")
    op.drop_index("ix_corrections_target", table_name="corrections")
    op.drop_index("ix_corrections_state", table_name="corrections")
    op.drop_table("corrections")
