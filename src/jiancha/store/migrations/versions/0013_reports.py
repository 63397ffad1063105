"""Monthly reports (R-REP-1) and the indexes the month's statistics read by (R-REP-3).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("agency_region", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("made_at", Instant, nullable=False),
        sa.Column("made_by", sa.String(length=300), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reports_agency_month", "reports", ["agency_region", "month", "format"])
    op.create_index("ix_cases_received_at", "cases", ["received_at"])
    op.create_index("ix_cases_completed_at", "cases", ["completed_at"])
    op.create_index(
        "ix_cases_voided",
        "cases",
        ["id"],
        sqlite_where=sa.text("voided"),
        postgresql_where=sa.text("voided"),
    )
    op.create_index("ix_signals_raised_at", "signals", ["raised_at"])


def downgrade() -> None:
    op.drop_index("ix_signals_raised_at", table_name="signals")
    op.drop_index("ix_cases_voided", table_name="cases")
    op.drop_index("ix_cases_completed_at", table_name="cases")
    op.drop_index("ix_cases_received_at", table_name="cases")
    op.drop_index("ix_reports_agency_month", table_name="reports")
    op.drop_table("reports")
