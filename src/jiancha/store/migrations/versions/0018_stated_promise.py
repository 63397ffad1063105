"""A promised day the source states itself (attributes.promised_due; issue 9: a deadline given by
an imported log), kept in the case's folded state with the days it had stood still by then.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN: SQLite does it in place, the cases table is not copied.
    op.add_column("cases", sa.Column("promise_stated", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("promise_stated_stop", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("promise_stated_stop")
        batch.drop_column("promise_stated")
