"""Official vehicles (R-MON-3): the vehicles and their units, each department's geofences as
received (every version kept), the fixes received (one ledger entry per batch), and the episodes
the checks found, so that an episode seen again raises nothing new.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "vehicles",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registered_at", Instant, nullable=False),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("vehicle_id", name=op.f("uq_vehicles_vehicle_id")),
    )
    op.create_index("ix_vehicles_department", "vehicles", ["department_code", "vehicle_id"])
    op.create_table(
        "vehicle_geofences",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("geojson", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fence_count", sa.Integer(), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.Column("recorded_by", sa.String(length=300), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_geofences")),
        sa.UniqueConstraint("department_code", "version", name=op.f("uq_vehicle_geofences_department_code")),
    )
    op.create_table(
        "vehicle_fixes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("ignition", sa.Boolean(), nullable=True),
        sa.Column("received_at", Instant, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_fixes")),
        # Also the index that reads a vehicle's window of time.
        sa.UniqueConstraint("vehicle_id", "at", name=op.f("uq_vehicle_fixes_vehicle_id")),
    )
    op.create_index("ix_vehicle_fixes_ledger_seq", "vehicle_fixes", ["ledger_seq"])
    op.create_table(
        "vehicle_episodes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fence_id", sa.String(length=200), nullable=False),
        sa.Column("start", Instant, nullable=False),
        sa.Column("end", Instant, nullable=False),
        sa.Column("ongoing", sa.Boolean(), nullable=False),
        sa.Column("raised", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_episodes")),
        sa.UniqueConstraint("subject", name=op.f("uq_vehicle_episodes_subject")),
    )
    op.create_index("ix_vehicle_episodes_vehicle", "vehicle_episodes", ["vehicle_id", "kind", "start"])


def downgrade() -> None:
    op.drop_table("vehicle_episodes")
    op.drop_table("vehicle_fixes")
    op.drop_table("vehicle_geofences")
    op.drop_table("vehicles")
