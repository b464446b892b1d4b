"""Policies (交强险, 商业险, NEV clauses) and their coverage lines.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:42:22.617034
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from carecover.platform.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("policy_no", sa.String(length=24), nullable=False),
        sa.Column("product_code", sa.String(length=30), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("compulsory", "commercial", name="policykind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "quote",
                "bound",
                "active",
                "expired",
                "renewed",
                "cancelled",
                name="policystatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column("quote_valid_until", UTCDateTime(), nullable=True),
        sa.Column("bound_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column(
            "cancel_reason",
            sa.Enum(
                "vehicle_scrapped",
                "vehicle_transferred",
                "duplicate_policy",
                "customer_request",
                name="cancelreason",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("refund_fen", sa.BigInteger(), nullable=False),
        sa.Column("renewal_of_id", sa.Uuid(), nullable=True),
        sa.Column("renewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_policies_period_positive")),
        sa.CheckConstraint("premium_fen >= 0", name=op.f("ck_policies_premium_not_negative")),
        sa.CheckConstraint("refund_fen >= 0", name=op.f("ck_policies_refund_not_negative")),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["customers.id"],
            name=op.f("fk_policies_holder_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["renewal_of_id"], ["policies.id"], name=op.f("fk_policies_renewal_of_id_policies")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_policies_vehicle_id_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("policy_no", name=op.f("uq_policies_policy_no")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            "ix_policies_vehicle_kind_status", ["vehicle_id", "kind", "status"], unique=False
        )

    op.create_table(
        "policy_coverages",
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column(
            "coverage",
            sa.Enum(
                "compulsory_liability",
                "vehicle_damage",
                "third_party_liability",
                "driver_seat",
                "passenger_seat",
                "medical_outside_insurance",
                "body_scratch",
                "repair_period_compensation",
                "holiday_limit_double",
                "nev_external_grid_fault",
                "nev_charging_pile_loss",
                "nev_charging_pile_liability",
                name="coverage",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("limit_fen", sa.BigInteger(), nullable=True),
        sa.Column("deductible_fen", sa.BigInteger(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "limit_fen IS NULL OR limit_fen >= 0",
            name=op.f("ck_policy_coverages_limit_not_negative"),
        ),
        sa.CheckConstraint(
            "premium_fen >= 0", name=op.f("ck_policy_coverages_premium_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_policy_coverages_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_coverages")),
    )
    with op.batch_alter_table("policy_coverages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_coverages_policy_id"), ["policy_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_coverages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_coverages_policy_id"))

    op.drop_table("policy_coverages")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index("ix_policies_vehicle_kind_status")
        batch_op.drop_index(batch_op.f("ix_policies_holder_id"))

    op.drop_table("policies")
