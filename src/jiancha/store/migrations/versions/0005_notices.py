"""Supervision notices (督办), materials given with a signal's moves,
accountability records,
complaints, satisfaction ratings, samples,
patrols and the error count of feeds.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("rejected_events", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_rejected_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("signal_transitions") as batch:
        batch.add_column(sa.Column("materials", sa.JSON(), nullable=True))
    op.create_table(
        "notices",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("notice_no", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("case_no", sa.String(length=128), nullable=True),
        sa.Column("signal_id", Id, nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["signal_id"], ["signals.id"], name=op.f("fk_notices_signal_id_signals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("notice_no", name=op.f("uq_notices_notice_no")),
    )
    op.create_index("ix_notices_department", "notices", ["department_code", "state"])
    op.create_index(
        "ix_notices_watch_at",
        "notices",
        ["watch_at"],
        sqlite_where=sa.text("watch_at IS NOT NULL"),
        postgresql_where=sa.text("watch_at IS NOT NULL"),
    )
    op.create_table(
        "notice_actions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("notice_id", Id, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_actions_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_actions")),
    )
    op.create_index("ix_notice_actions_notice", "notice_actions", ["notice_id"])
    op.create_table(
        "accountability",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("record_no", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("signal_id", Id, nullable=True),
        sa.Column("notice_no", sa.String(length=64), nullable=True),
        sa.Column("fault", sa.Boolean(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("official", sa.String(length=200), nullable=False),
        sa.Column("self_corrected", sa.Boolean(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_accountability_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability")),
        sa.UniqueConstraint("record_no", name=op.f("uq_accountability_record_no")),
    )
    op.create_index("ix_accountability_department", "accountability", ["department_code", "decided_at"])
    op.create_table(
        "complaints",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("complaint_no", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("case_no", sa.String(length=128), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("complainant_name", sa.String(length=100), nullable=False),
        sa.Column("complainant_phone", sa.String(length=32), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decide_due", sa.Date(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_due", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("resulted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("complaint_no", name=op.f("uq_complaints_complaint_no")),
    )
    op.create_index("ix_complaints_department", "complaints", ["department_code", "state"])
    op.create_index(
        "ix_complaints_watch_at",
        "complaints",
        ["watch_at"],
        sqlite_where=sa.text("watch_at IS NOT NULL"),
        postgresql_where=sa.text("watch_at IS NOT NULL"),
    )
    op.create_table(
        "complaint_actions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("complaint_id", Id, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_actions_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_actions")),
    )
    op.create_index("ix_complaint_actions_complaint", "complaint_actions", ["complaint_id"])
    op.create_table(
        "ratings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("case_no", sa.String(length=128), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_ratings_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    op.create_index("ix_ratings_department", "ratings", ["department_code", "at"])
    op.create_index("ix_ratings_case", "ratings", ["case_id", "kind"])
    op.create_table(
        "samples",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("sample_no", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("case_nos", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.String(length=200), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("sample_no", name=op.f("uq_samples_sample_no")),
    )
    op.create_table(
        "sample_findings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("sample_id", Id, nullable=False),
        sa.Column("case_no", sa.String(length=128), nullable=False),
        sa.Column("compliant", sa.Boolean(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_sample_findings_sample_id_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_findings")),
    )
    op.create_index("ix_sample_findings_sample", "sample_findings", ["sample_id"])
    op.create_table(
        "patrols",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("agency_region", sa.String(length=32), nullable=False),
        sa.Column("target_region", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("issue_found", sa.Boolean(), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    op.create_index("ix_patrols_agency_at", "patrols", ["agency_region", "at"])


def downgrade() -> None:
    op.drop_index("ix_patrols_agency_at", table_name="patrols")
    op.drop_table("patrols")
    op.drop_index("ix_sample_findings_sample", table_name="sample_findings")
    op.drop_table("sample_findings")
    op.drop_table("samples")
    op.drop_index("ix_ratings_case", table_name="ratings")
    op.drop_index("ix_ratings_department", table_name="ratings")
    op.drop_table("ratings")
    op.drop_index("ix_complaint_actions_complaint", table_name="complaint_actions")
    op.drop_table("complaint_actions")
    op.drop_index("ix_complaints_watch_at", table_name="complaints")
    op.drop_index("ix_complaints_department", table_name="complaints")
    op.drop_table("complaints")
    op.drop_index("ix_accountability_department", table_name="accountability")
    op.drop_table("accountability")
    op.drop_index("ix_notice_actions_notice", table_name="notice_actions")
    op.drop_table("notice_actions")
    op.drop_index("ix_notices_watch_at", table_name="notices")
    op.drop_index("ix_notices_department", table_name="notices")
    op.drop_table("notices")
    with op.batch_alter_table("signal_transitions") as batch:
        batch.drop_column("materials")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("last_rejected_at")
        batch.drop_column("rejected_events")
