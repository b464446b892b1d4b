"""Partner registry: partners, locations, qualifications.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:59:09.418345
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "partner_type",
            sa.Enum(
                "repair_shop",
                "rescue",
                "car_wash",
                "charging_operator",
                "parking",
                "designated_driver",
                "merchant",
                name="partnertype",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "applicant",
                "active",
                "suspended",
                "terminated",
                name="partnerstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("unified_social_credit_code", sa.String(length=18), nullable=True),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column("contact_phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_partners_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_partners_organisation_id")),
        sa.UniqueConstraint(
            "unified_social_credit_code", name=op.f("uq_partners_unified_social_credit_code")
        ),
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.create_index("ix_partners_city_adcode", ["city_adcode"], unique=False)
        batch_op.create_index("ix_partners_type_status", ["partner_type", "status"], unique=False)

    op.create_table(
        "partner_locations",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("adcode", sa.String(length=6), nullable=False),
        sa.Column("city_adcode", sa.String(length=6), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("service_radius_km", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "opening_hours",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "capacity >= 0", name=op.f("ck_partner_locations_capacity_not_negative")
        ),
        sa.CheckConstraint(
            "service_radius_km > 0", name=op.f("ck_partner_locations_service_radius_positive")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_locations_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_locations")),
    )
    with op.batch_alter_table("partner_locations", schema=None) as batch_op:
        batch_op.create_index("ix_partner_locations_city_adcode", ["city_adcode"], unique=False)
        batch_op.create_index("ix_partner_locations_lat_lng", ["lat", "lng"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_locations_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "partner_qualifications",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "business_licence",
                "repair_licence_class_1",
                "repair_licence_class_2",
                "nev_brand_authorisation",
                "oem_authorisation",
                "towing_licence",
                "charging_operation_permit",
                name="qualificationkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("brand", sa.String(length=60), nullable=True),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "valid_until >= valid_from",
            name=op.f("ck_partner_qualifications_valid_until_after_valid_from"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_qualifications_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_qualifications")),
    )
    with op.batch_alter_table("partner_qualifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_qualifications_partner_kind", ["partner_id", "kind"], unique=False
        )
        batch_op.create_index(
            "ix_partner_qualifications_valid_until", ["valid_until"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_qualifications", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_qualifications_valid_until")
        batch_op.drop_index("ix_partner_qualifications_partner_kind")

    op.drop_table("partner_qualifications")
    with op.batch_alter_table("partner_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_locations_partner_id"))
        batch_op.drop_index("ix_partner_locations_lat_lng")
        batch_op.drop_index("ix_partner_locations_city_adcode")

    op.drop_table("partner_locations")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_index("ix_partners_type_status")
        batch_op.drop_index("ix_partners_city_adcode")

    op.drop_table("partners")
