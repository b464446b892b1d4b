"""Booking enumerations: where a booking stands, how it came in, what can be booked."""

from __future__ import annotations

from enum import StrEnum

from carecover.benefits.enums import ServiceType


class BookingStatus(StrEnum):
    """A booking's lifecycle: booked → checked_in → completed, or cancelled / no_show."""

    booked = "booked"
    """A place in the slot is held (and the entitlement used, or the price accepted)."""
    checked_in = "checked_in"
    """The car arrived at the location."""
    completed = "completed"
    """The work is done: ready for the owner's rating (``completed_at``)."""
    cancelled = "cancelled"
    """Cancelled by the owner or staff; the place is free again."""
    no_show = "no_show"
    """The car never came; the location marked it after the slot began."""

    @property
    def is_final(self) -> bool:
        return self in (BookingStatus.completed, BookingStatus.cancelled, BookingStatus.no_show)


class BookingChannel(StrEnum):
    """How the booking came in."""

    app = "app"
    """The owner, in the app or on the web."""
    phone = "phone"
    """Staff booking for the customer on the phone."""
    reminder = "reminder"
    """The owner confirmed a slot offered for a maintenance reminder (telematics care request)."""


BOOKABLE: tuple[ServiceType, ...] = (
    ServiceType.car_wash,
    ServiceType.basic_maintenance,
    ServiceType.inspection,
    ServiceType.battery_health_check,
    ServiceType.tyre_replacement,
)
"""The services done at a partner location in a time slot."""
