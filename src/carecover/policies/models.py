"""Policies and their coverage lines."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime
from carecover.policies.enums import CancelReason, Coverage, PolicyKind, PolicyStatus


class Policy(IdMixin, TimestampMixin, Base):
    """One policy (or quote) for one vehicle and one period."""

    __tablename__ = "policies"
    __table_args__ = (
        Index("ix_policies_vehicle_kind_status", "vehicle_id", "kind", "status"),
        CheckConstraint("ends_at > starts_at", name="period_positive"),
        CheckConstraint("premium_fen >= 0", name="premium_not_negative"),
        CheckConstraint("refund_fen >= 0", name="refund_not_negative"),
    )

    policy_no: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)
    product_code: Mapped[str] = mapped_column(String(30), nullable=False)
    kind: Mapped[PolicyKind] = mapped_column(
        Enum(PolicyKind, native_enum=False, length=20), nullable=False
    )
    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="RESTRICT"), nullable=False
    )
    holder_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("customers.id", ondelete="RESTRICT"), index=True, nullable=False
    )
    status: Mapped[PolicyStatus] = mapped_column(
        Enum(PolicyStatus, native_enum=False, length=20), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    premium_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    quote_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[CancelReason | None] = mapped_column(
        Enum(CancelReason, native_enum=False, length=30)
    )
    refund_fen: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    renewal_of_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("policies.id"))
    renewed_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())


class PolicyCoverage(IdMixin, Base):
    """One cover on a policy with its limit, deductible, premium and how the premium was made."""

    __tablename__ = "policy_coverages"
    __table_args__ = (
        CheckConstraint("premium_fen >= 0", name="premium_not_negative"),
        CheckConstraint("limit_fen IS NULL OR limit_fen >= 0", name="limit_not_negative"),
    )

    policy_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("policies.id", ondelete="CASCADE"), index=True, nullable=False
    )
    coverage: Mapped[Coverage] = mapped_column(
        Enum(Coverage, native_enum=False, length=40), nullable=False
    )
    limit_fen: Mapped[int | None] = mapped_column(BigInteger)
    deductible_fen: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    seats: Mapped[int | None] = mapped_column(Integer)
    premium_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONType, default=list, nullable=False
    )
