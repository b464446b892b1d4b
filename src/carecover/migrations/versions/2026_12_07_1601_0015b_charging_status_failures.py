"""charging evidence: EVSE status history and owners' charging-failure reports

Revision ID: 0015b
Revises: 0015
Create Date: 2026-12-07 16:01:30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from carecover.platform.db.types import UTCDateTime

revision: str = "0015b"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charging_evse_status_changes",
        sa.Column("evse_pk", sa.Uuid(), nullable=False),
        sa.Column(
            "previous",
            sa.Enum(
                "AVAILABLE",
                "BLOCKED",
                "CHARGING",
                "INOPERATIVE",
                "OUTOFORDER",
                "PLANNED",
                "REMOVED",
                "RESERVED",
                "UNKNOWN",
                name="evsestatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "AVAILABLE",
                "BLOCKED",
                "CHARGING",
                "INOPERATIVE",
                "OUTOFORDER",
                "PLANNED",
                "REMOVED",
                "RESERVED",
                "UNKNOWN",
                name="evsestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evse_pk"],
            ["charging_evses.id"],
            name=op.f("fk_charging_evse_status_changes_evse_pk_charging_evses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_evse_status_changes")),
    )
    op.create_index(
        "ix_charging_evse_status_changes_evse_at",
        "charging_evse_status_changes",
        ["evse_pk", "changed_at"],
        unique=False,
    )
    op.create_table(
        "charging_failures",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("evse_pk", sa.Uuid(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "charger_fault",
                "no_power",
                "session_stopped",
                "connector_stuck",
                "payment_failed",
                "incompatible",
                "bay_blocked",
                "other",
                name="failurereason",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reporter_user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "lat >= -90 AND lat <= 90", name=op.f("ck_charging_failures_lat_in_range")
        ),
        sa.CheckConstraint(
            "lng >= -180 AND lng <= 180", name=op.f("ck_charging_failures_lng_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["evse_pk"],
            ["charging_evses.id"],
            name=op.f("fk_charging_failures_evse_pk_charging_evses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_locations.id"],
            name=op.f("fk_charging_failures_location_id_charging_locations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"],
            ["users.id"],
            name=op.f("fk_charging_failures_reporter_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_charging_failures_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_failures")),
    )
    op.create_index(
        op.f("ix_charging_failures_location_id"), "charging_failures", ["location_id"], unique=False
    )
    op.create_index(
        "ix_charging_failures_vehicle_reported",
        "charging_failures",
        ["vehicle_id", "reported_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_charging_failures_vehicle_reported", table_name="charging_failures")
    op.drop_index(op.f("ix_charging_failures_location_id"), table_name="charging_failures")
    op.drop_table("charging_failures")
    op.drop_index(
        "ix_charging_evse_status_changes_evse_at", table_name="charging_evse_status_changes"
    )
