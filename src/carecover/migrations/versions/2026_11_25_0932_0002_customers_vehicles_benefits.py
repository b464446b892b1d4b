"""Customers with consents, vehicles with odometer readings, benefit grants and quota counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:32:16.328920
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_no", sa.String(length=20), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("mobile_enc", sa.LargeBinary(), nullable=False),
        sa.Column("mobile_bidx", sa.String(length=64), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_bidx", sa.String(length=64), nullable=True),
        sa.Column("address_detail_enc", sa.LargeBinary(), nullable=True),
        sa.Column("province", sa.String(length=40), nullable=True),
        sa.Column("city", sa.String(length=40), nullable=True),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("adcode", sa.String(length=6), nullable=True),
        sa.Column("city_adcode", sa.String(length=6), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_customers_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("customer_no", name=op.f("uq_customers_customer_no")),
        sa.UniqueConstraint("id_number_bidx", name=op.f("uq_customers_id_number_bidx")),
        sa.UniqueConstraint("user_id", name=op.f("uq_customers_user_id")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_city_adcode", ["city_adcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_mobile_bidx"), ["mobile_bidx"], unique=False)

    op.create_table(
        "customer_consents",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "service_delivery",
                "telematics",
                "marketing",
                "partner_sharing",
                "sensitive_data",
                name="consentpurpose",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_consents_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_consents")),
    )
    with op.batch_alter_table("customer_consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_consents_customer_purpose", ["customer_id", "purpose"], unique=False
        )

    op.create_table(
        "vehicles",
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("plate_enc", sa.LargeBinary(), nullable=True),
        sa.Column("plate_bidx", sa.String(length=64), nullable=True),
        sa.Column("plate_province", sa.String(length=2), nullable=True),
        sa.Column("is_green_plate", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("make", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("model_year", sa.Integer(), nullable=False),
        sa.Column(
            "powertrain",
            sa.Enum(
                "ice", "hev", "phev", "bev", "fcev", name="powertrain", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("battery_kwh", sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column(
            "usage",
            sa.Enum(
                "private",
                "ride_hailing",
                "fleet",
                "rental",
                name="usage",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("purchase_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "battery_kwh IS NULL OR battery_kwh > 0", name=op.f("ck_vehicles_battery_positive")
        ),
        sa.CheckConstraint(
            "purchase_price_fen >= 0", name=op.f("ck_vehicles_purchase_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["customers.id"],
            name=op.f("fk_vehicles_owner_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("plate_bidx", name=op.f("uq_vehicles_plate_bidx")),
        sa.UniqueConstraint("vin", name=op.f("uq_vehicles_vin")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "benefit_grants",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("package_code", sa.String(length=40), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_benefit_grants_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_grants")),
    )
    with op.batch_alter_table("benefit_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_benefit_grants_vehicle_valid", ["vehicle_id", "valid_until"], unique=False
        )

    op.create_table(
        "odometer_readings",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("km", sa.Integer(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "owner",
                "shop",
                "telematics",
                "inspection",
                name="odometersource",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("km >= 0", name=op.f("ck_odometer_readings_km_not_negative")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_odometer_readings_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_odometer_readings")),
    )
    with op.batch_alter_table("odometer_readings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_odometer_readings_vehicle_read_at", ["vehicle_id", "read_at"], unique=False
        )

    op.create_table(
        "benefit_grant_items",
        sa.Column("grant_id", sa.Uuid(), nullable=False),
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
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column(
            "period",
            sa.Enum(
                "month",
                "year",
                "term",
                "incident",
                name="quotaperiod",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["benefit_grants.id"],
            name=op.f("fk_benefit_grant_items_grant_id_benefit_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_grant_items")),
    )
    with op.batch_alter_table("benefit_grant_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_benefit_grant_items_grant_service", ["grant_id", "service"], unique=False
        )

    op.create_table(
        "benefit_quota_counters",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("period_key", sa.String(length=80), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.CheckConstraint("used >= 0", name=op.f("ck_benefit_quota_counters_used_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["benefit_grant_items.id"],
            name=op.f("fk_benefit_quota_counters_item_id_benefit_grant_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "period_key", name=op.f("pk_benefit_quota_counters")),
    )
    op.create_table(
        "benefit_uses",
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=True),
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
        sa.Column("period_key", sa.String(length=80), nullable=True),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["benefit_grant_items.id"],
            name=op.f("fk_benefit_uses_item_id_benefit_grant_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_benefit_uses_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_uses")),
        sa.UniqueConstraint("reference", name=op.f("uq_benefit_uses_reference")),
    )
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_benefit_uses_vehicle_used_at", ["vehicle_id", "used_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_uses_vehicle_used_at")

    op.drop_table("benefit_uses")
    op.drop_table("benefit_quota_counters")
    with op.batch_alter_table("benefit_grant_items", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_grant_items_grant_service")

    op.drop_table("benefit_grant_items")
    with op.batch_alter_table("odometer_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_odometer_readings_vehicle_read_at")

    op.drop_table("odometer_readings")
    with op.batch_alter_table("benefit_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_grants_vehicle_valid")

    op.drop_table("benefit_grants")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_owner_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("customer_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_consents_customer_purpose")

    op.drop_table("customer_consents")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_mobile_bidx"))
        batch_op.drop_index("ix_customers_city_adcode")

    op.drop_table("customers")
