"""Signals raised by the rule engine.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_no", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("article", sa.String(length=300), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_signals_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("case_id", "rule_id", name="uq_signals_case_rule"),
    )
    op.create_index("ix_signals_state_colour", "signals", ["state", "colour"])
    op.create_index("ix_signals_department", "signals", ["department_code", "state"])


def downgrade() -> None:
    op.drop_index("ix_signals_department", table_name="signals")
    op.drop_index("ix_signals_state_colour", table_name="signals")
    op.drop_table("signals")
