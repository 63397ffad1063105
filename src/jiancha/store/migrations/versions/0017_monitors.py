"""The monitors of other supervised areas (R-MON-4..10): the records they receive, the current
version of each (every version is ledgered).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "monitor_records",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("monitor", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_records")),
        sa.UniqueConstraint("monitor", "kind", "record_id", name=op.f("uq_monitor_records_monitor")),
    )
    op.create_index("ix_monitor_records_department", "monitor_records", ["monitor", "department_code", "day"])


def downgrade() -> None:
    op.drop_table("monitor_records")
