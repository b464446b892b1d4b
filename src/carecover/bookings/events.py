"""Events the bookings domain publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BookingMade(DomainEvent):
    """A car got a place in a slot."""

    event_type = "bookings.booked"
    booking_id: uuid.UUID
    vehicle_id: uuid.UUID
    location_id: uuid.UUID
    service: str
    starts_at: datetime
    price_fen: int


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(DomainEvent):
    """A booking was cancelled; ``entitlement_returned`` says whether it was in time."""

    event_type = "bookings.cancelled"
    booking_id: uuid.UUID
    vehicle_id: uuid.UUID
    entitlement_returned: bool


@dataclass(frozen=True, kw_only=True)
class BookingCompleted(DomainEvent):
    """The location finished the work: the owner can rate it."""

    event_type = "bookings.completed"
    booking_id: uuid.UUID
    vehicle_id: uuid.UUID
    location_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class BookingNoShow(DomainEvent):
    """The car never came."""

    event_type = "bookings.no_show"
    booking_id: uuid.UUID
    vehicle_id: uuid.UUID
    location_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class SlotsOffered(DomainEvent):
    """Slots were offered to the owner for a maintenance care request."""

    event_type = "bookings.slots_offered"
    offer_id: uuid.UUID
    vehicle_id: uuid.UUID
