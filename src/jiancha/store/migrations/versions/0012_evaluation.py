"""Performance evaluation (R-EVA-1/2): complaint verdicts, published months and their adjustments.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)
Json = sa.JSON()


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("upheld", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("verdict_at", Instant, nullable=True))
    op.create_table(
        "evaluations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("as_of", Instant, nullable=False),
        sa.Column("published_at", Instant, nullable=False),
        sa.Column("published_by", sa.String(length=300), nullable=False),
        sa.Column("results", Json, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_code", "month", name="uq_evaluations_region_month"),
    )
    op.create_table(
        "evaluation_adjustments",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("evaluation_id", Id, nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("official", sa.String(length=200), nullable=True),
        sa.Column("points", sa.Numeric(8, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=300), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evaluation_adjustments_evaluation_id", "evaluation_adjustments", ["evaluation_id"])


def downgrade() -> None:
    op.drop_index("ix_evaluation_adjustments_evaluation_id", table_name="evaluation_adjustments")
    op.drop_table("evaluation_adjustments")
    op.drop_table("evaluations")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("verdict_at")
        batch.drop_column("upheld")
