"""Publication of results, signals about subjects wider than a case, feeds, periodic checks and
the rule pack of each region.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("pack", sa.String(length=64), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("signals") as batch:
        batch.alter_column("case_id", existing_type=Id, nullable=True)
        batch.alter_column("case_no", existing_type=sa.String(length=128), nullable=True)
        batch.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_signals_subject_rule", ["subject", "rule_id"])
    op.create_table(
        "feeds",
        sa.Column("source_system", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source_system", name=op.f("pk_feeds")),
    )
    # Feeds that existed before this revision: rebuilt from their events.
    op.execute(
        "INSERT INTO feeds (source_system, department_code, first_received_at, last_received_at, events) "
        "SELECT e.source_system, MAX(c.department_code), MIN(e.received_at), MAX(e.received_at), COUNT(*) "
        "FROM events e JOIN cases c ON c.id = e.case_id GROUP BY e.source_system"
    )
    op.create_table(
        "periodic_checks",
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "period", name=op.f("pk_periodic_checks")),
    )


def downgrade() -> None:
    op.drop_table("periodic_checks")
    op.drop_table("feeds")
    op.execute(
        "DELETE FROM signal_transitions WHERE signal_id IN (SELECT id FROM signals WHERE case_id IS NULL)"
    )
    op.execute("DELETE FROM signals WHERE case_id IS NULL")
    with op.batch_alter_table("signals") as batch:
        batch.drop_constraint("uq_signals_subject_rule", type_="unique")
        batch.drop_column("subject")
        batch.alter_column("case_no", existing_type=sa.String(length=128), nullable=False)
        batch.alter_column("case_id", existing_type=Id, nullable=False)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("published_at")
        batch.drop_column("decided_at")
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("pack")
