"""Service orders, their timeline, provider units and their positions, offers, rate cards."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderChannel, OrderStatus, UnitKind, UnitStatus
from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class ProviderUnit(IdMixin, TimestampMixin, Base):
    """A tow truck, service van, mobile charger or designated driver of a partner, with its live
    position. ``status`` changes only by a guarded UPDATE (available → busy), so one unit is never
    given two jobs, whoever asks at the same moment."""

    __tablename__ = "order_units"
    __table_args__ = (
        Index("ix_order_units_city_status_kind", "city_adcode", "status", "kind"),
        Index("ix_order_units_partner", "partner_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_in_range"),
    )

    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[UnitKind] = mapped_column(
        Enum(UnitKind, native_enum=False, length=20), nullable=False
    )
    call_sign: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    driver_name: Mapped[str] = mapped_column(String(60), nullable=False)
    driver_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    city_adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    status: Mapped[UnitStatus] = mapped_column(
        Enum(UnitStatus, native_enum=False, length=12), nullable=False
    )
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lng: Mapped[float] = mapped_column(Float, nullable=False)
    position_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    heading: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[float] = mapped_column(Float, default=4.5, nullable=False)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    """The order it holds an offer for or works on (set with ``busy``)."""


class RateCard(IdMixin, TimestampMixin, Base):
    """What the insurer pays a partner for one job of a service: a base fee plus a rate per km
    beyond the included distance (integer fen)."""

    __tablename__ = "order_rate_cards"
    __table_args__ = (
        UniqueConstraint("partner_id", "service"),
        CheckConstraint("base_fen >= 0 AND per_km_fen >= 0 AND included_km >= 0", name="rates"),
    )

    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    service: Mapped[ServiceType] = mapped_column(
        Enum(ServiceType, native_enum=False, length=40), nullable=False
    )
    base_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    per_km_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    included_km: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class ServiceOrder(IdMixin, TimestampMixin, Base):
    """One request for help: who, what, where, and every step with its time."""

    __tablename__ = "service_orders"
    __table_args__ = (
        Index("ix_service_orders_city_status", "city_adcode", "status"),
        Index("ix_service_orders_vehicle_requested", "vehicle_id", "requested_at"),
        Index("ix_service_orders_partner_status", "partner_id", "status"),
        CheckConstraint("price_fen >= 0 AND cost_fen >= 0", name="money_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="RESTRICT"), nullable=False
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), nullable=False
    )
    service: Mapped[ServiceType] = mapped_column(
        Enum(ServiceType, native_enum=False, length=40), nullable=False
    )
    channel: Mapped[OrderChannel] = mapped_column(
        Enum(OrderChannel, native_enum=False, length=20), nullable=False
    )
    status: Mapped[OrderStatus] = mapped_column(
        Enum(OrderStatus, native_enum=False, length=20), nullable=False
    )
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lng: Mapped[float] = mapped_column(Float, nullable=False)
    city_adcode: Mapped[str] = mapped_column(String(6), nullable=False)
    tier: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    """vehicle + service + minute: a second tap within the minute finds the first order."""
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    source_ref: Mapped[str | None] = mapped_column(String(80))
    """The alert, care request or charging failure it came from."""
    electric: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    premium: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    covered: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """What the customer pays (0 when the package covers it)."""
    entitlement_ref: Mapped[str | None] = mapped_column(String(80))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partners.id", ondelete="RESTRICT")
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("order_units.id", ondelete="SET NULL")
    )
    fallback_location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_locations.id", ondelete="SET NULL")
    )
    """No unit near: the nearest network shop sends someone on site within 2 hours (C2)."""
    beyond_circle: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """No unit could reach the car within 15 minutes when it was dispatched."""
    eta_s: Mapped[int | None] = mapped_column(Integer)
    km: Mapped[float | None] = mapped_column(Float)
    cost_fen: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    """What the insurer owes the partner, from its rate card."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    replacement_offered: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    final_reason: Mapped[str | None] = mapped_column(String(200))
    rating_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrderEvent(IdMixin, Base):
    """The order's timeline: each change with who made it and why."""

    __tablename__ = "service_order_events"
    __table_args__ = (Index("ix_service_order_events_order_at", "order_id", "at"),)

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_orders.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[OrderStatus] = mapped_column(
        Enum(OrderStatus, native_enum=False, length=20), nullable=False
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)


class Offer(IdMixin, Base):
    """A job offered to one unit (or, as the 2-hour fallback, to a shop) until it expires."""

    __tablename__ = "service_order_offers"
    __table_args__ = (
        Index("ix_service_order_offers_outcome_expires", "outcome", "expires_at"),
        Index("ix_service_order_offers_order", "order_id"),
        Index("ix_service_order_offers_partner_outcome", "partner_id", "outcome"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_orders.id", ondelete="CASCADE"), nullable=False
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("order_units.id", ondelete="SET NULL")
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_locations.id", ondelete="SET NULL")
    )
    outcome: Mapped[OfferOutcome] = mapped_column(
        Enum(OfferOutcome, native_enum=False, length=12), nullable=False
    )
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    eta_s: Mapped[int] = mapped_column(Integer, nullable=False)
    km: Mapped[float] = mapped_column(Float, nullable=False)
    cost_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))
