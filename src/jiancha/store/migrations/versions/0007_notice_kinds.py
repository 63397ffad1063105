"""Notices carry a kind: the notice proper (督办) or a supervision measure (R-SUP-1).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=24), nullable=False, server_default="supervise"))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("kind")
