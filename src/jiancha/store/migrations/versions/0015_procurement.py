"""Public resource trading (R-MON-2): every compiled OCDS release received, as received — a
contracting process's newest release is its current state; the earlier ones stay, as the ledger
keeps them.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "procurement_releases",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("ocid", sa.String(length=200), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("buyer", sa.String(length=500), nullable=False),
        sa.Column("release", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement_releases")),
    )
    op.create_index("ix_procurement_releases_ocid", "procurement_releases", ["ocid", "id"])
    op.create_index(
        "ix_procurement_releases_department", "procurement_releases", ["department_code", "received_at"]
    )


def downgrade() -> None:
    op.drop_table("procurement_releases")
