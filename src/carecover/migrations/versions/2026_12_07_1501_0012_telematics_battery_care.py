"""telematics battery reports and fleet care

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "telematics_battery_reports",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("soh_pct", sa.Float(), nullable=True),
        sa.Column("low_pct", sa.Float(), nullable=True),
        sa.Column("high_pct", sa.Float(), nullable=True),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("fast_share", sa.Float(), nullable=False),
        sa.Column("trend", _json(), nullable=True),
        sa.Column("anomalies", _json(), nullable=False),
        sa.Column("advice", _json(), nullable=False),
        sa.Column("capacity", _json(), nullable=False),
        sa.Column("shop", _json(), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_telematics_battery_reports_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telematics_battery_reports")),
        sa.UniqueConstraint(
            "vehicle_id", "month", name=op.f("uq_telematics_battery_reports_vehicle_id_month")
        ),
    )
    op.create_table(
        "telematics_care_requests",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("reminder_key", sa.String(length=80), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["telematics_alerts.id"],
            name=op.f("fk_telematics_care_requests_alert_id_telematics_alerts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_telematics_care_requests_claim_id_claims"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["partner_locations.id"],
            name=op.f("fk_telematics_care_requests_location_id_partner_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_telematics_care_requests_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telematics_care_requests")),
        sa.UniqueConstraint(
            "vehicle_id",
            "dedupe_key",
            name=op.f("uq_telematics_care_requests_vehicle_id_dedupe_key"),
        ),
    )
    with op.batch_alter_table("telematics_care_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_telematics_care_requests_vehicle_created",
            ["vehicle_id", "created_at"],
            unique=False,
        )
    with op.batch_alter_table("telematics_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliver_after", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_telematics_alerts_deliver_after"), ["deliver_after"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("telematics_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telematics_alerts_deliver_after"))
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("deliver_after")
    with op.batch_alter_table("telematics_care_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_telematics_care_requests_vehicle_created")
    op.drop_table("telematics_care_requests")
    op.drop_table("telematics_battery_reports")
