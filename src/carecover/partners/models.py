"""Partner profiles (one per partner organisation), their locations and qualifications."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.partners.enums import PartnerStatus, PartnerType, QualificationKind
from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class Partner(IdMixin, TimestampMixin, Base):
    """A service business in the network (服务商)."""

    __tablename__ = "partners"
    __table_args__ = (
        Index("ix_partners_city_adcode", "city_adcode"),
        Index("ix_partners_type_status", "partner_type", "status"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id", ondelete="RESTRICT"), unique=True, nullable=False
    )
    partner_type: Mapped[PartnerType] = mapped_column(
        Enum(PartnerType, native_enum=False, length=30), nullable=False
    )
    status: Mapped[PartnerStatus] = mapped_column(
        Enum(PartnerStatus, native_enum=False, length=20),
        default=PartnerStatus.applicant,
        nullable=False,
    )
    legal_name: Mapped[str] = mapped_column(String(200), nullable=False)
    unified_social_credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    city_adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)


class PartnerLocation(IdMixin, TimestampMixin, Base):
    """A site a partner works from: a shop, a tow-truck depot, a charging station …"""

    __tablename__ = "partner_locations"
    __table_args__ = (
        Index("ix_partner_locations_city_adcode", "city_adcode"),
        # The nearest-location search narrows by a latitude band first.
        Index("ix_partner_locations_lat_lng", "lat", "lng"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("service_radius_km > 0", name="service_radius_positive"),
    )

    partner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    # A business address, not personal data: stored in clear.
    address: Mapped[str] = mapped_column(Text, nullable=False)
    adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    city_adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lng: Mapped[float] = mapped_column(Float, nullable=False)
    service_radius_km: Mapped[int] = mapped_column(Integer, default=15, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class Qualification(IdMixin, TimestampMixin, Base):
    """A licence or authorisation with its validity; revoking keeps the row as history."""

    __tablename__ = "partner_qualifications"
    __table_args__ = (
        Index("ix_partner_qualifications_partner_kind", "partner_id", "kind"),
        Index("ix_partner_qualifications_valid_until", "valid_until"),
        CheckConstraint("valid_until >= valid_from", name="valid_until_after_valid_from"),
    )

    partner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[QualificationKind] = mapped_column(
        Enum(QualificationKind, native_enum=False, length=40), nullable=False
    )
    brand: Mapped[str | None] = mapped_column(String(60))
    number: Mapped[str] = mapped_column(String(60), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
