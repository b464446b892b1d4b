"""Customer (party) records and consents. Personal fields are ciphertext; exact lookups go
through blind indexes; coarse location (province/city/district) stays in clear for statistics."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from carecover.customers.enums import ConsentPurpose
from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, TimestampMixin, UTCDateTime


class Customer(IdMixin, TimestampMixin, Base):
    """A policyholder or insured person."""

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_city_adcode", "city_adcode"),)

    customer_no: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    mobile_enc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    mobile_bidx: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    address_detail_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    province: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(40))
    adcode: Mapped[str | None] = mapped_column(String(6))
    city_adcode: Mapped[str | None] = mapped_column(String(6))
    language: Mapped[str] = mapped_column(String(10), default="zh-CN", nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )


class Consent(IdMixin, Base):
    """One grant of consent for one purpose; withdrawing sets ``withdrawn_at`` (kept as history)."""

    __tablename__ = "customer_consents"
    __table_args__ = (Index("ix_customer_consents_customer_purpose", "customer_id", "purpose"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    purpose: Mapped[ConsentPurpose] = mapped_column(
        Enum(ConsentPurpose, native_enum=False, length=30), nullable=False
    )
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    channel: Mapped[str] = mapped_column(String(30), nullable=False, default="app")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
