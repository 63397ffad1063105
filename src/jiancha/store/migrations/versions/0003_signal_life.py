"""The life of signals: transitions, and escalation of unresolved yellows.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("escalated_from", Id, nullable=True))
        batch.create_foreign_key("fk_signals_escalated_from_signals", "signals", ["escalated_from"], ["id"])
    op.create_index(
        "ix_signals_escalate_at",
        "signals",
        ["escalate_at"],
        sqlite_where=sa.text("escalate_at IS NOT NULL"),
        postgresql_where=sa.text("escalate_at IS NOT NULL"),
    )
    op.create_table(
        "signal_transitions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("signal_id", Id, nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_signal_transitions_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_transitions")),
    )
    op.create_index("ix_signal_transitions_signal", "signal_transitions", ["signal_id"])
    op.create_index(
        "ix_cases_category_received", "cases", ["department_code", "item_code", "received_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_cases_category_received", table_name="cases")
    op.drop_index("ix_signal_transitions_signal", table_name="signal_transitions")
    op.drop_table("signal_transitions")
    op.drop_index("ix_signals_escalate_at", table_name="signals")
    with op.batch_alter_table("signals") as batch:
        batch.drop_constraint("fk_signals_escalated_from_signals", type_="foreignkey")
        batch.drop_column("escalated_from")
        batch.drop_column("escalate_at")
