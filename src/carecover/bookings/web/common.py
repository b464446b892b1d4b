"""What the booking pages share: the signed-in owner's customer and cars, where to search from,
error text, and parsing the slot a link or form names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from carecover.benefits.enums import ServiceType
from carecover.bookings import permissions
from carecover.bookings.enums import BOOKABLE
from carecover.customers.models import Customer
from carecover.platform.errors import AppError, FieldProblem, Forbidden, InvalidFields
from carecover.platform.geo import Point, city_by_adcode
from carecover.platform.web.deps import WebContext
from carecover.telematics.models import VehicleState
from carecover.vehicles.models import Vehicle


def customer(ctx: WebContext) -> Customer:
    """The signed-in owner's customer record (an owner without one books nothing)."""
    found = permissions.customer_of(ctx.session, ctx.actor())
    if found is None:
        raise Forbidden()
    return found


def cars_of(ctx: WebContext, owner: Customer) -> list[Vehicle]:
    return list(
        ctx.session.scalars(
            select(Vehicle).where(Vehicle.owner_id == owner.id).order_by(Vehicle.created_at)
        )
    )


def error_text(ctx: WebContext, exc: AppError) -> str:
    if isinstance(exc, InvalidFields):
        return " ".join(ctx.t(f"invalid.{p.code}", **p.params) for p in exc.problems)
    return ctx.t(exc.message_key, **exc.params)


def service_of(value: str | None) -> ServiceType | None:
    """A bookable service named by a query or form value; anything else means none chosen."""
    try:
        chosen = ServiceType(value or "")
    except ValueError:
        return None
    return chosen if chosen in BOOKABLE else None


def uuid_of(value: object, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        raise InvalidFields(FieldProblem(field, "booking.bad_id")) from None


def optional_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def slot_time(value: object) -> datetime:
    """A slot start as the epoch seconds the pages put in links and forms."""
    try:
        return datetime.fromtimestamp(int(str(value or "")), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidFields(FieldProblem("at", "booking.bad_time")) from None


def position(
    ctx: WebContext, car: Vehicle | None, owner: Customer, lat: float | None, lng: float | None
) -> tuple[Point | None, str | None]:
    """Where to look from, and why: the device's location when the owner shared it, else where
    the car last reported, else the centre of the owner's city."""
    if lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180:
        return Point(lat, lng), "device"
    state = ctx.session.get(VehicleState, car.id) if car is not None else None
    if state is not None and state.lat is not None and state.lng is not None:
        return Point(state.lat, state.lng), "car"
    city = city_by_adcode(owner.city_adcode) if owner.city_adcode else None
    if city is not None:
        return city.point, "city"
    return None, None
