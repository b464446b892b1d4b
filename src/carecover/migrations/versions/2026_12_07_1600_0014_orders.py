"""service orders, provider units, offers and rate cards

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "order_rate_cards",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
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
        sa.Column("base_fen", sa.Integer(), nullable=False),
        sa.Column("per_km_fen", sa.Integer(), nullable=False),
        sa.Column("included_km", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "base_fen >= 0 AND per_km_fen >= 0 AND included_km >= 0",
            name=op.f("ck_order_rate_cards_rates"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_order_rate_cards_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_rate_cards")),
        sa.UniqueConstraint(
            "partner_id", "service", name=op.f("uq_order_rate_cards_partner_id_service")
        ),
    )
    op.create_table(
        "order_units",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "flatbed",
                "wheel_lift",
                "service_van",
                "mobile_charger",
                "designated_driver",
                name="unitkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("call_sign", sa.String(length=40), nullable=False),
        sa.Column("driver_name", sa.String(length=60), nullable=False),
        sa.Column("driver_phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "available", "busy", "offline", name="unitstatus", native_enum=False, length=12
            ),
            nullable=False,
        ),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("position_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating >= 1 AND rating <= 5", name=op.f("ck_order_units_rating_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_order_units_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_units")),
        sa.UniqueConstraint("call_sign", name=op.f("uq_order_units_call_sign")),
    )
    op.create_index(
        "ix_order_units_city_status_kind",
        "order_units",
        ["city_adcode", "status", "kind"],
        unique=False,
    )
    op.create_index("ix_order_units_partner", "order_units", ["partner_id"], unique=False)
    op.create_table(
        "service_orders",
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
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
        sa.Column(
            "channel",
            sa.Enum(
                "app",
                "alert",
                "phone",
                "charging_failure",
                name="orderchannel",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "offered",
                "accepted",
                "en_route",
                "on_site",
                "completed",
                "cancelled",
                "no_show",
                "gone_on_arrival",
                name="orderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("source_ref", sa.String(length=80), nullable=True),
        sa.Column("electric", sa.Boolean(), nullable=False),
        sa.Column("premium", sa.Boolean(), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("entitlement_ref", sa.String(length=80), nullable=True),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("fallback_location_id", sa.Uuid(), nullable=True),
        sa.Column("beyond_circle", sa.Boolean(), nullable=False),
        sa.Column("eta_s", sa.Integer(), nullable=True),
        sa.Column("km", sa.Float(), nullable=True),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("replacement_offered", sa.Boolean(), nullable=False),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("offered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("en_route_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("final_reason", sa.String(length=200), nullable=True),
        sa.Column("rating_requested_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "price_fen >= 0 AND cost_fen >= 0", name=op.f("ck_service_orders_money_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_service_orders_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["fallback_location_id"],
            ["partner_locations.id"],
            name=op.f("fk_service_orders_fallback_location_id_partner_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_service_orders_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["order_units.id"],
            name=op.f("fk_service_orders_unit_id_order_units"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_service_orders_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_orders")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_service_orders_dedupe_key")),
        sa.UniqueConstraint("number", name=op.f("uq_service_orders_number")),
    )
    op.create_index(
        "ix_service_orders_city_status", "service_orders", ["city_adcode", "status"], unique=False
    )
    op.create_index(
        "ix_service_orders_partner_status", "service_orders", ["partner_id", "status"], unique=False
    )
    op.create_index(
        "ix_service_orders_vehicle_requested",
        "service_orders",
        ["vehicle_id", "requested_at"],
        unique=False,
    )
    op.create_table(
        "service_order_events",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "offered",
                "accepted",
                "en_route",
                "on_site",
                "completed",
                "cancelled",
                "no_show",
                "gone_on_arrival",
                name="orderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_orders.id"],
            name=op.f("fk_service_order_events_order_id_service_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_order_events")),
    )
    op.create_index(
        "ix_service_order_events_order_at", "service_order_events", ["order_id", "at"], unique=False
    )
    op.create_table(
        "service_order_offers",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("location_id", sa.Uuid(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                "expired",
                "withdrawn",
                name="offeroutcome",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("offered_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("eta_s", sa.Integer(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["partner_locations.id"],
            name=op.f("fk_service_order_offers_location_id_partner_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["service_orders.id"],
            name=op.f("fk_service_order_offers_order_id_service_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_service_order_offers_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["order_units.id"],
            name=op.f("fk_service_order_offers_unit_id_order_units"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_order_offers")),
    )
    op.create_index(
        "ix_service_order_offers_order", "service_order_offers", ["order_id"], unique=False
    )
    op.create_index(
        "ix_service_order_offers_outcome_expires",
        "service_order_offers",
        ["outcome", "expires_at"],
        unique=False,
    )
    op.create_index(
        "ix_service_order_offers_partner_outcome",
        "service_order_offers",
        ["partner_id", "outcome"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "service_order_offers",
        "service_order_events",
        "service_orders",
        "order_units",
        "order_rate_cards",
    ):
        op.drop_table(table)
