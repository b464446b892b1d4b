"""Errors raised by booking use cases (each becomes an RFC 9457 problem document)."""

from __future__ import annotations

from typing import Any, ClassVar

from carecover.platform.errors import AppError, Conflict, NotFound


class Unprocessable(AppError):
    """Well-formed but impossible to book (422)."""

    status_code: ClassVar[int] = 422
    code: ClassVar[str] = "booking_unprocessable"


class BookingNotFound(NotFound):
    """No such booking, or not one the caller may see (someone else's booking)."""

    code = "booking_not_found"


class VehicleNotFound(NotFound):
    """No such car, or not the caller's (someone else's car is as if it did not exist)."""

    code = "booking_vehicle_not_found"


class LocationNotFound(NotFound):
    """No such location, or one that is closed or whose partner is out of the network."""

    code = "booking_location_not_found"


class OfferNotFound(NotFound):
    code = "booking_offer_not_found"


class ServiceNotOffered(Unprocessable):
    """The location does not offer this service in slots (or not any more)."""

    code = "booking_service_not_offered"


class SlotInPast(Unprocessable):
    """The slot has already begun."""

    code = "booking_slot_in_past"


class SlotUnknown(Unprocessable):
    """No slot starts at that time in the location's opening hours."""

    code = "booking_slot_unknown"


class SlotFull(Conflict):
    """Every place in the slot is taken."""

    code = "booking_slot_full"


class VehicleAlreadyBooked(Conflict):
    """The car already holds a place in this slot (one booking per car per slot)."""

    code = "booking_vehicle_already_booked"


class PriceNotAccepted(Conflict):
    """No package covers the service: the owner must accept the location's price first."""

    code = "booking_price_not_accepted"

    def __init__(self, price_fen: int, reason: str) -> None:
        super().__init__(None, yuan=f"{price_fen / 100:.2f}")
        self.price_fen = price_fen
        self.reason = reason

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"price_fen": self.price_fen, "entitlement": self.reason}


class AlreadyCancelled(Conflict):
    code = "booking_already_cancelled"


class StatusRefused(Conflict):
    """The booking's status does not allow this step (checking in a cancelled booking …)."""

    code = "booking_status_refused"

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(None)
        self.current = current
        self.wanted = wanted

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"current_status": self.current, "wanted_status": self.wanted}


class AlreadyStarted(Conflict):
    """The slot has begun: the booking can no longer be cancelled (the location marks it)."""

    code = "booking_already_started"


class TooEarly(Conflict):
    """Check-in opens an hour before the slot; a no-show can be marked 15 minutes after it
    begins."""

    code = "booking_too_early"
