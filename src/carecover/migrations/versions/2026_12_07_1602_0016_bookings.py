"""bookings: bookable services at partner locations, their weekly hours, per-slot counters,
bookings and the slots offered for maintenance reminders; benefit uses can be given back

Revision ID: 0016
Revises: 0015b
Create Date: 2026-12-07 16:02:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.String(length=200), nullable=True))
    op.create_table(
        "booking_services",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column(
            "service",
            sa.Enum(
                "tow",
                "jump_start",
                "tyre_change",
                "emergency_charging",
                "lockout",
                "replacement_car",
                "designated_driver",
                "car_wash",
                "basic_maintenance",
                "parking_voucher",
                "battery_health_check",
                "inspection",
                "plate_registration",
                "extended_warranty",
                "tyre_replacement",
                "priority_repair",
                "green_channel",
                "income_loss_cover",
                "oem_parts_discount",
                "battery_warranty",
                name="servicetype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_booking_services_capacity_positive")),
        sa.CheckConstraint("duration_min > 0", name=op.f("ck_booking_services_duration_positive")),
        sa.CheckConstraint("price_fen >= 0", name=op.f("ck_booking_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["partner_locations.id"],
            name=op.f("fk_booking_services_location_id_partner_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_services")),
        sa.UniqueConstraint(
            "location_id", "service", name=op.f("uq_booking_services_location_id_service")
        ),
    )
    with op.batch_alter_table("booking_services", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_services_service_active", ["service", "is_active"], unique=False
        )

    op.create_table(
        "booking_opening_hours",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens_min", sa.Integer(), nullable=False),
        sa.Column("closes_min", sa.Integer(), nullable=False),
        sa.Column("slot_min", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0",
            name=op.f("ck_booking_opening_hours_capacity_positive"),
        ),
        sa.CheckConstraint(
            "opens_min >= 0 AND opens_min < closes_min AND closes_min <= 1440",
            name=op.f("ck_booking_opening_hours_window"),
        ),
        sa.CheckConstraint("slot_min > 0", name=op.f("ck_booking_opening_hours_slot_positive")),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_booking_opening_hours_weekday_range")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["booking_services.id"],
            name=op.f("fk_booking_opening_hours_service_id_booking_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_opening_hours")),
    )
    with op.batch_alter_table("booking_opening_hours", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_opening_hours_service_weekday", ["service_id", "weekday"], unique=False
        )

    op.create_table(
        "booking_slot_counters",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0", name=op.f("ck_booking_slot_counters_booked_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["booking_services.id"],
            name=op.f("fk_booking_slot_counters_service_id_booking_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "starts_at", name=op.f("pk_booking_slot_counters")),
    )
    op.create_table(
        "bookings",
        sa.Column("booking_no", sa.String(length=20), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column(
            "service",
            sa.Enum(
                "tow",
                "jump_start",
                "tyre_change",
                "emergency_charging",
                "lockout",
                "replacement_car",
                "designated_driver",
                "car_wash",
                "basic_maintenance",
                "parking_voucher",
                "battery_health_check",
                "inspection",
                "plate_registration",
                "extended_warranty",
                "tyre_replacement",
                "priority_repair",
                "green_channel",
                "income_loss_cover",
                "oem_parts_discount",
                "battery_warranty",
                name="servicetype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("held_start", UTCDateTime(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "checked_in",
                "completed",
                "cancelled",
                "no_show",
                name="bookingstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "app", "phone", "reminder", name="bookingchannel", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.Column("package_code", sa.String(length=40), nullable=True),
        sa.Column("use_reference", sa.String(length=80), nullable=False),
        sa.Column("booked_by", sa.Uuid(), nullable=True),
        sa.Column("care_request_id", sa.Uuid(), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("entitlement_returned_at", UTCDateTime(), nullable=True),
        sa.Column("no_show_at", UTCDateTime(), nullable=True),
        sa.Column("no_show_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bookings_ends_after_start")),
        sa.CheckConstraint("price_fen >= 0", name=op.f("ck_bookings_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["care_request_id"],
            ["telematics_care_requests.id"],
            name=op.f("fk_bookings_care_request_id_telematics_care_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_bookings_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["partner_locations.id"],
            name=op.f("fk_bookings_location_id_partner_locations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["booking_services.id"],
            name=op.f("fk_bookings_service_id_booking_services"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_bookings_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("booking_no", name=op.f("uq_bookings_booking_no")),
        sa.UniqueConstraint("use_reference", name=op.f("uq_bookings_use_reference")),
        sa.UniqueConstraint(
            "vehicle_id", "held_start", name=op.f("uq_bookings_vehicle_id_held_start")
        ),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_customer_starts", ["customer_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            "ix_bookings_location_starts", ["location_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            "ix_bookings_vehicle_starts", ["vehicle_id", "starts_at"], unique=False
        )

    op.create_table(
        "booking_offers",
        sa.Column("care_request_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("slots", _json(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_offers_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["care_request_id"],
            ["telematics_care_requests.id"],
            name=op.f("fk_booking_offers_care_request_id_telematics_care_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["booking_services.id"],
            name=op.f("fk_booking_offers_service_id_booking_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_booking_offers_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_offers")),
        sa.UniqueConstraint("care_request_id", name=op.f("uq_booking_offers_care_request_id")),
    )
    with op.batch_alter_table("booking_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_offers_vehicle_id"), ["vehicle_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_offers_vehicle_id"))
    op.drop_table("booking_offers")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_vehicle_starts")
        batch_op.drop_index("ix_bookings_location_starts")
        batch_op.drop_index("ix_bookings_customer_starts")
    op.drop_table("bookings")
    op.drop_table("booking_slot_counters")
    with op.batch_alter_table("booking_opening_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_opening_hours_service_weekday")
    op.drop_table("booking_opening_hours")
    with op.batch_alter_table("booking_services", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_services_service_active")
    op.drop_table("booking_services")
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returned_at")
