"""telematics trips, driving reports and maintenance reminders

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _vehicle_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["vehicle_id"],
        ["vehicles.id"],
        name=op.f(f"fk_{table}_vehicle_id_vehicles"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("telematics_vehicle_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trip_state", _json(), nullable=True))
        batch_op.add_column(sa.Column("trip_last_at", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_telematics_vehicle_state_trip_last_at"), ["trip_last_at"], unique=False
        )

    op.create_table(
        "telematics_trips",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
        sa.Column("end_reason", sa.String(length=16), nullable=False),
        sa.Column("discarded", sa.String(length=16), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("moving_s", sa.Float(), nullable=False),
        sa.Column("max_speed_kmh", sa.Float(), nullable=False),
        sa.Column("avg_speed_kmh", sa.Float(), nullable=False),
        sa.Column("harsh_braking", sa.Integer(), nullable=False),
        sa.Column("harsh_acceleration", sa.Integer(), nullable=False),
        sa.Column("harsh_cornering", sa.Integer(), nullable=False),
        sa.Column("speeding_share", sa.Float(), nullable=False),
        sa.Column("night_share", sa.Float(), nullable=False),
        sa.Column("night_km", sa.Float(), nullable=False),
        sa.Column("gps_jumps", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _vehicle_fk("telematics_trips"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telematics_trips")),
        sa.UniqueConstraint(
            "vehicle_id", "started_at", name=op.f("uq_telematics_trips_vehicle_id_started_at")
        ),
    )
    op.create_table(
        "telematics_driving_months",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("discarded", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("moving_s", sa.Float(), nullable=False),
        sa.Column("score_weight", sa.Float(), nullable=False),
        sa.Column("weighted_score", sa.Float(), nullable=False),
        sa.Column("harsh_braking", sa.Integer(), nullable=False),
        sa.Column("harsh_acceleration", sa.Integer(), nullable=False),
        sa.Column("harsh_cornering", sa.Integer(), nullable=False),
        sa.Column("speeding_s", sa.Float(), nullable=False),
        sa.Column("night_s", sa.Float(), nullable=False),
        sa.Column("night_km", sa.Float(), nullable=False),
        sa.Column("max_speed_kmh", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("ubi_factor", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("ubi_reason", sa.String(length=24), nullable=True),
        sa.Column("hints", _json(), nullable=False),
        sa.Column("driver_age", sa.Integer(), nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        _vehicle_fk("telematics_driving_months"),
        sa.PrimaryKeyConstraint("vehicle_id", "month", name=op.f("pk_telematics_driving_months")),
    )
    op.create_table(
        "telematics_maintenance_records",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("odometer_km", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _vehicle_fk("telematics_maintenance_records"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telematics_maintenance_records")),
    )
    with op.batch_alter_table("telematics_maintenance_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_telematics_maintenance_records_vehicle", ["vehicle_id", "done_on"], unique=False
        )
    op.create_table(
        "telematics_maintenance_reminders",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("items", _json(), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _vehicle_fk("telematics_maintenance_reminders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telematics_maintenance_reminders")),
        sa.UniqueConstraint(
            "vehicle_id",
            "sent_on",
            name=op.f("uq_telematics_maintenance_reminders_vehicle_id_sent_on"),
        ),
    )


def downgrade() -> None:
    op.drop_table("telematics_maintenance_reminders")
    with op.batch_alter_table("telematics_maintenance_records", schema=None) as batch_op:
        batch_op.drop_index("ix_telematics_maintenance_records_vehicle")
    op.drop_table("telematics_maintenance_records")
    op.drop_table("telematics_driving_months")
    op.drop_table("telematics_trips")
    with op.batch_alter_table("telematics_vehicle_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telematics_vehicle_state_trip_last_at"))
        batch_op.drop_column("trip_last_at")
        batch_op.drop_column("trip_state")
