"""Bookable services at partner locations, their weekly opening hours, per-slot counters, the
bookings, and the slots offered for a maintenance reminder.

Slots are computed from the weekly hours, not stored: a location's week is a handful of rows
whatever the horizon. A slot gets a counter row only when its first place is taken; the guarded
UPDATE on that row (``booked < capacity``) is what makes two sessions booking the last place end
with exactly one winner, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from carecover.benefits.enums import ServiceType
from carecover.bookings.enums import BookingChannel, BookingStatus
from carecover.platform.db import Base, IdMixin, JSONType, TimestampMixin, UTCDateTime


class BookableService(IdMixin, TimestampMixin, Base):
    """A service a partner location offers in time slots, with its price and default places."""

    __tablename__ = "booking_services"
    __table_args__ = (
        UniqueConstraint("location_id", "service"),
        Index("ix_booking_services_service_active", "service", "is_active"),
        CheckConstraint("duration_min > 0", name="duration_positive"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    location_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("partner_locations.id", ondelete="CASCADE"), nullable=False
    )
    service: Mapped[ServiceType] = mapped_column(
        Enum(ServiceType, native_enum=False, length=40), nullable=False
    )
    duration_min: Mapped[int] = mapped_column(Integer, nullable=False)
    """How long the job takes (a wash 30 min, a maintenance 90 min)."""
    price_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    """What the owner pays here when no package covers the service."""
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    """Places per slot unless the day's hours say otherwise (bays, technicians)."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class OpeningHours(IdMixin, Base):
    """One opening window of a bookable service on one weekday (Beijing time), cut into slots."""

    __tablename__ = "booking_opening_hours"
    __table_args__ = (
        Index("ix_booking_opening_hours_service_weekday", "service_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "opens_min >= 0 AND opens_min < closes_min AND closes_min <= 1440", name="window"
        ),
        CheckConstraint("slot_min > 0", name="slot_positive"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("booking_services.id", ondelete="CASCADE"), nullable=False
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    """0 = Monday … 6 = Sunday."""
    opens_min: Mapped[int] = mapped_column(Integer, nullable=False)
    """Minutes after local midnight when the first slot starts."""
    closes_min: Mapped[int] = mapped_column(Integer, nullable=False)
    """Minutes after local midnight by which the last slot ends."""
    slot_min: Mapped[int] = mapped_column(Integer, nullable=False)
    """Slot length; slots start every ``slot_min`` minutes from ``opens_min``."""
    capacity: Mapped[int | None] = mapped_column(Integer)
    """Places per slot in this window; None: the service's capacity."""


class SlotCounter(Base):
    """Places taken in one slot of one service (made at the slot's first booking)."""

    __tablename__ = "booking_slot_counters"
    __table_args__ = (CheckConstraint("booked >= 0", name="booked_not_negative"),)

    service_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("booking_services.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Booking(IdMixin, TimestampMixin, Base):
    """A car's place in a slot at a location; ``created_at`` is when it was booked."""

    __tablename__ = "bookings"
    __table_args__ = (
        # One booking per car per slot: ``held_start`` is the slot start while the booking holds
        # its place and NULL once cancelled (NULLs never collide, on either database).
        UniqueConstraint("vehicle_id", "held_start"),
        Index("ix_bookings_location_starts", "location_id", "starts_at"),
        Index("ix_bookings_vehicle_starts", "vehicle_id", "starts_at"),
        Index("ix_bookings_customer_starts", "customer_id", "starts_at"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    booking_no: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    location_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("partner_locations.id", ondelete="RESTRICT"), nullable=False
    )
    service_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("booking_services.id", ondelete="RESTRICT"), nullable=False
    )
    service: Mapped[ServiceType] = mapped_column(
        Enum(ServiceType, native_enum=False, length=40), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    held_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=20),
        default=BookingStatus.booked,
        nullable=False,
    )
    channel: Mapped[BookingChannel] = mapped_column(
        Enum(BookingChannel, native_enum=False, length=20), nullable=False
    )
    price_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    """What the owner pays at the location: 0 when a package covers it."""
    covered: Mapped[bool] = mapped_column(Boolean, nullable=False)
    package_code: Mapped[str | None] = mapped_column(String(40))
    """The package whose quota covered it."""
    use_reference: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    """The entitlement use (``benefits.Use.reference``) recorded with the booking."""
    booked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    care_request_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("telematics_care_requests.id", ondelete="SET NULL")
    )
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the work was done: the booking can be rated from then on."""
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    entitlement_returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set when a cancellation before the cutoff gave the entitlement use back."""
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    no_show_reason: Mapped[str | None] = mapped_column(Text)


class SlotOffer(IdMixin, TimestampMixin, Base):
    """The nearest open slots at the shop a maintenance care request named, offered to the owner
    (nothing is held: the owner confirms one, which books it like any other booking)."""

    __tablename__ = "booking_offers"

    care_request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(),
        ForeignKey("telematics_care_requests.id", ondelete="CASCADE"),
        unique=True,
        nullable=False,
    )
    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("vehicles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    service_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("booking_services.id", ondelete="CASCADE"), nullable=False
    )
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    """The slots offered: ``{"starts_at": ISO, "ends_at": ISO}``, soonest first."""
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("bookings.id", ondelete="SET NULL")
    )
