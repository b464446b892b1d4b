"""Entitlement grants, their quota buckets and every use."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.benefits.enums import QuotaPeriod, ServiceType
from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, JSONType, UTCDateTime


class Grant(IdMixin, Base):
    """A package granted to one vehicle for a validity window."""

    __tablename__ = "benefit_grants"
    __table_args__ = (Index("ix_benefit_grants_vehicle_valid", "vehicle_id", "valid_until"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    package_code: Mapped[str] = mapped_column(String(40), nullable=False)
    policy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)


class GrantItem(IdMixin, Base):
    """One service within a grant, with its quota and rules."""

    __tablename__ = "benefit_grant_items"
    __table_args__ = (Index("ix_benefit_grant_items_grant_service", "grant_id", "service"),)

    grant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("benefit_grants.id", ondelete="CASCADE"), nullable=False
    )
    service: Mapped[ServiceType] = mapped_column(
        Enum(ServiceType, native_enum=False, length=40), nullable=False
    )
    quota: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[QuotaPeriod] = mapped_column(
        Enum(QuotaPeriod, native_enum=False, length=20), nullable=False
    )
    rules: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)


class QuotaCounter(Base):
    """Uses so far of one grant item in one period; the guarded UPDATE on this row is what makes
    two concurrent uses of the last unit end with exactly one winner."""

    __tablename__ = "benefit_quota_counters"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)

    item_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("benefit_grant_items.id", ondelete="CASCADE"), primary_key=True
    )
    period_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Use(IdMixin, Base):
    """One use of an entitlement (or a paid use, with its price)."""

    __tablename__ = "benefit_uses"
    __table_args__ = (Index("ix_benefit_uses_vehicle_used_at", "vehicle_id", "used_at"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("benefit_grant_items.id", ondelete="SET NULL")
    )
    service: Mapped[ServiceType] = mapped_column(
        Enum(ServiceType, native_enum=False, length=40), nullable=False
    )
    period_key: Mapped[str | None] = mapped_column(String(80))
    reference: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    price_fen: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the use was given back (an order or booking cancelled in time): its unit went back
    to the quota counter. None while the use stands."""
    return_reason: Mapped[str | None] = mapped_column(String(200))
