"""Booking request and response shapes."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from carecover.benefits.enums import ServiceType
from carecover.bookings.enums import BookingChannel, BookingStatus

HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
Time = Annotated[str, StringConstraints(pattern=HHMM.pattern)]


class SlotRead(BaseModel):
    starts_at: datetime
    ends_at: datetime
    capacity: int
    remaining: int


class LocationSlots(BaseModel):
    """A location that offers the service, with its price and open slots."""

    location_id: uuid.UUID
    location_name: str
    address: str
    lat: float
    lng: float
    partner_name: str
    distance_km: float | None = None
    service: ServiceType
    service_id: uuid.UUID
    duration_min: int
    price_fen: int
    slots: list[SlotRead]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vehicle_id: uuid.UUID
    location_id: uuid.UUID
    service: ServiceType
    starts_at: AwareDatetime
    accept_price: bool = False
    """The owner accepted the location's price in case no package covers the service."""


class OfferConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    accept_price: bool = False


class BookingCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class NoShowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class BookingRead(BaseModel):
    id: uuid.UUID
    booking_no: str
    vehicle_id: uuid.UUID
    customer_id: uuid.UUID
    location_id: uuid.UUID
    location_name: str
    service: ServiceType
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    channel: BookingChannel
    price_fen: int
    covered: bool
    package_code: str | None
    use_reference: str
    booked_at: datetime
    cancel_cutoff_at: datetime
    """Cancelled by then, the entitlement is given back; later, it stays used."""
    checked_in_at: datetime | None
    completed_at: datetime | None
    """Set when the work is done: the booking can be rated from then on."""
    cancelled_at: datetime | None
    cancel_reason: str | None
    entitlement_returned: bool
    no_show_at: datetime | None
    care_request_id: uuid.UUID | None


class OfferRead(BaseModel):
    id: uuid.UUID
    care_request_id: uuid.UUID
    vehicle_id: uuid.UUID
    location_id: uuid.UUID
    service: ServiceType
    offered: list[SlotRead]
    """The slots offered when the request came in (places may have gone since)."""
    open_now: list[SlotRead]
    booking_id: uuid.UUID | None


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")]
    opens: Time
    closes: Time
    slot_minutes: Annotated[int, Field(ge=5, le=1440)]
    capacity: Annotated[int, Field(ge=1, le=1000)] | None = None


class ServiceDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration_min: Annotated[int, Field(ge=1, le=1440)]
    price_fen: Annotated[int, Field(ge=0, le=100_000_000)]
    capacity: Annotated[int, Field(ge=1, le=1000)]
    hours: list[WindowIn]
    is_active: bool = True


class WindowRead(BaseModel):
    weekday: int
    opens: str
    closes: str
    slot_minutes: int
    capacity: int | None


class ServiceRead(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    service: ServiceType
    duration_min: int
    price_fen: int
    capacity: int
    is_active: bool
    hours: list[WindowRead]
