"""charging registry: OCPI parties, locations, EVSEs, connectors and tariffs

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:01:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "charging_tariffs",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("ocpi_id", sa.String(length=36), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tariff_type", sa.String(length=20), nullable=True),
        sa.Column("min_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("max_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("elements", _json(), nullable=False),
        sa.Column("details", _json(), nullable=False),
        sa.Column("start_date_time", UTCDateTime(), nullable=True),
        sa.Column("end_date_time", UTCDateTime(), nullable=True),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "max_price_fen IS NULL OR max_price_fen >= 0",
            name=op.f("ck_charging_tariffs_max_price_ok"),
        ),
        sa.CheckConstraint(
            "min_price_fen IS NULL OR min_price_fen >= 0",
            name=op.f("ck_charging_tariffs_min_price_ok"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_tariffs")),
        sa.UniqueConstraint(
            "country_code",
            "party_id",
            "ocpi_id",
            name=op.f("uq_charging_tariffs_country_code_party_id_ocpi_id"),
        ),
    )
    op.create_table(
        "charging_parties",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_charging_parties_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_parties")),
        sa.UniqueConstraint(
            "country_code", "party_id", name=op.f("uq_charging_parties_country_code_party_id")
        ),
    )
    op.create_index(
        op.f("ix_charging_parties_partner_id"), "charging_parties", ["partner_id"], unique=False
    )
    op.create_table(
        "charging_locations",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("party_id", sa.String(length=3), nullable=False),
        sa.Column("ocpi_id", sa.String(length=36), nullable=False),
        sa.Column("operator_partner_id", sa.Uuid(), nullable=False),
        sa.Column("partner_location_id", sa.Uuid(), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("city", sa.String(length=45), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("parking_type", sa.String(length=30), nullable=True),
        sa.Column("time_zone", sa.String(length=255), nullable=False),
        sa.Column("opening_times", _json(), nullable=True),
        sa.Column("charging_when_closed", sa.Boolean(), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.Column("layout_changed_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "lat >= -90 AND lat <= 90", name=op.f("ck_charging_locations_lat_in_range")
        ),
        sa.CheckConstraint(
            "lng >= -180 AND lng <= 180", name=op.f("ck_charging_locations_lng_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["operator_partner_id"],
            ["partners.id"],
            name=op.f("fk_charging_locations_operator_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partner_location_id"],
            ["partner_locations.id"],
            name=op.f("fk_charging_locations_partner_location_id_partner_locations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_locations")),
        sa.UniqueConstraint(
            "country_code",
            "party_id",
            "ocpi_id",
            name=op.f("uq_charging_locations_country_code_party_id_ocpi_id"),
        ),
    )
    op.create_index(
        "ix_charging_locations_lat_lng", "charging_locations", ["lat", "lng"], unique=False
    )
    op.create_index(
        "ix_charging_locations_layout_changed_at",
        "charging_locations",
        ["layout_changed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_charging_locations_operator_partner_id"),
        "charging_locations",
        ["operator_partner_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_charging_locations_partner_location_id"),
        "charging_locations",
        ["partner_location_id"],
        unique=False,
    )
    op.create_table(
        "charging_evses",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("evse_id", sa.String(length=48), nullable=True),
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
        sa.Column("status_changed_at", UTCDateTime(), nullable=False),
        sa.Column("status_reported_at", UTCDateTime(), nullable=False),
        sa.Column("capabilities", _json(), nullable=False),
        sa.Column("floor_level", sa.String(length=4), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("physical_reference", sa.String(length=16), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.Column("suspect_since", UTCDateTime(), nullable=True),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["charging_locations.id"],
            name=op.f("fk_charging_evses_location_id_charging_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_evses")),
        sa.UniqueConstraint("location_id", "uid", name=op.f("uq_charging_evses_location_id_uid")),
    )
    op.create_table(
        "charging_connectors",
        sa.Column("evse_pk", sa.Uuid(), nullable=False),
        sa.Column("connector_id", sa.String(length=36), nullable=False),
        sa.Column(
            "standard",
            sa.Enum(
                "CHADEMO",
                "CHAOJI",
                "DOMESTIC_A",
                "DOMESTIC_B",
                "DOMESTIC_C",
                "DOMESTIC_D",
                "DOMESTIC_E",
                "DOMESTIC_F",
                "DOMESTIC_G",
                "DOMESTIC_H",
                "DOMESTIC_I",
                "DOMESTIC_J",
                "DOMESTIC_K",
                "DOMESTIC_L",
                "DOMESTIC_M",
                "DOMESTIC_N",
                "DOMESTIC_O",
                "GBT_AC",
                "GBT_DC",
                "IEC_60309_2_single_16",
                "IEC_60309_2_three_16",
                "IEC_60309_2_three_32",
                "IEC_60309_2_three_64",
                "IEC_62196_T1",
                "IEC_62196_T1_COMBO",
                "IEC_62196_T2",
                "IEC_62196_T2_COMBO",
                "IEC_62196_T3A",
                "IEC_62196_T3C",
                "NEMA_5_20",
                "NEMA_6_30",
                "NEMA_6_50",
                "NEMA_10_30",
                "NEMA_10_50",
                "NEMA_14_30",
                "NEMA_14_50",
                "PANTOGRAPH_BOTTOM_UP",
                "PANTOGRAPH_TOP_DOWN",
                "TESLA_R",
                "TESLA_S",
                name="connectortype",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "format",
            sa.Enum("SOCKET", "CABLE", name="connectorformat", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "power_type",
            sa.Enum(
                "AC_1_PHASE",
                "AC_2_PHASE",
                "AC_2_PHASE_SPLIT",
                "AC_3_PHASE",
                "DC",
                name="powertype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("max_voltage", sa.Integer(), nullable=False),
        sa.Column("max_amperage", sa.Integer(), nullable=False),
        sa.Column("max_electric_power", sa.Integer(), nullable=True),
        sa.Column("tariff_ids", _json(), nullable=False),
        sa.Column("terms_and_conditions", sa.String(length=255), nullable=True),
        sa.Column("last_updated", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "max_amperage > 0", name=op.f("ck_charging_connectors_max_amperage_positive")
        ),
        sa.CheckConstraint(
            "max_electric_power IS NULL OR max_electric_power > 0",
            name=op.f("ck_charging_connectors_max_electric_power_positive"),
        ),
        sa.CheckConstraint(
            "max_voltage > 0", name=op.f("ck_charging_connectors_max_voltage_positive")
        ),
        sa.ForeignKeyConstraint(
            ["evse_pk"],
            ["charging_evses.id"],
            name=op.f("fk_charging_connectors_evse_pk_charging_evses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charging_connectors")),
        sa.UniqueConstraint(
            "evse_pk", "connector_id", name=op.f("uq_charging_connectors_evse_pk_connector_id")
        ),
    )
    op.create_index(
        op.f("ix_charging_connectors_evse_pk"), "charging_connectors", ["evse_pk"], unique=False
    )


def downgrade() -> None:
    op.drop_table("charging_evse_status_changes")
    op.drop_index(op.f("ix_charging_connectors_evse_pk"), table_name="charging_connectors")
    op.drop_table("charging_connectors")
    op.drop_table("charging_evses")
    op.drop_index(
        op.f("ix_charging_locations_partner_location_id"), table_name="charging_locations"
    )
    op.drop_index(
        op.f("ix_charging_locations_operator_partner_id"), table_name="charging_locations"
    )
    op.drop_index("ix_charging_locations_layout_changed_at", table_name="charging_locations")
    op.drop_index("ix_charging_locations_lat_lng", table_name="charging_locations")
    op.drop_table("charging_locations")
    op.drop_index(op.f("ix_charging_parties_partner_id"), table_name="charging_parties")
    op.drop_table("charging_parties")
    op.drop_table("charging_tariffs")
