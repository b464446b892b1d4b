"""Errors raised by service-order use cases (each becomes problem+json)."""

from __future__ import annotations

import uuid
from typing import Any

from carecover.platform.errors import AppError, Conflict, Forbidden, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"


class UnitNotFound(NotFound):
    code = "unit_not_found"


class OfferNotFound(NotFound):
    code = "offer_not_found"


class OutsideServiceArea(AppError):
    """The point is in the sea, abroad, or in a city without the insurer's network."""

    status_code = 422
    code = "order_outside_service_area"

    def __init__(self, lat: float, lng: float, city_adcode: str | None = None) -> None:
        super().__init__(None, lat=lat, lng=lng)
        self.lat, self.lng, self.city = lat, lng, city_adcode

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"lat": self.lat, "lng": self.lng, "city_adcode": self.city}


class NotDispatched(AppError):
    """The service is booked at a location or issued at once, not sent to the roadside."""

    status_code = 422
    code = "order_service_not_dispatched"

    def __init__(self, service: str) -> None:
        super().__init__(None, service=service)
        self.service = service

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"service": self.service}


class DuplicateOrder(Conflict):
    """The same car asked for the same help within the minute: the first order stands."""

    code = "order_duplicate"

    def __init__(self, order_id: uuid.UUID, number: str) -> None:
        super().__init__(None, number=number)
        self.order_id, self.number = order_id, number

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"order_id": str(self.order_id), "number": self.number}


class PriceNotAccepted(Conflict):
    """Not covered by a package: the customer must accept the price first."""

    code = "order_price_not_accepted"

    def __init__(self, price_fen: int, reason: str) -> None:
        super().__init__(None, price=f"{price_fen / 100:.2f}")
        self.price_fen, self.reason = price_fen, reason

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"price_fen": self.price_fen, "reason": self.reason}


class TransitionRefused(Conflict):
    """The order's current status does not allow this step."""

    code = "order_transition_refused"

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(None, current=current, wanted=wanted)
        self.current, self.wanted = current, wanted

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"current_status": self.current, "wanted_status": self.wanted}


class OfferNotYours(Forbidden):
    """The offer was made to another partner (or to no one you work for)."""

    code = "order_offer_not_yours"


class OfferClosed(Conflict):
    """The offer has expired, or was already answered or withdrawn."""

    code = "order_offer_closed"

    def __init__(self, outcome: str) -> None:
        super().__init__(None, outcome=outcome)
        self.outcome = outcome

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"outcome": self.outcome}


class UnitUnavailable(Conflict):
    """The unit is busy, off duty, or was just given another job."""

    code = "order_unit_unavailable"


class UnitNotSuitable(Conflict):
    """The unit cannot do this job (an electric car needs a flatbed, charging a charger van)."""

    code = "order_unit_not_suitable"


class StalePosition(AppError):
    """A position older than the unit's last one, or far in the future, is not taken."""

    status_code = 422
    code = "order_stale_position"
