"""Owners (and staff on the phone for them): open slots near a point or at a location, book,
cancel, the owner's bookings, and the slots offered for a maintenance reminder."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from carecover.benefits.enums import ServiceType
from carecover.bookings import permissions, service
from carecover.bookings.schemas import (
    BookingCancel,
    BookingCreate,
    BookingRead,
    LocationSlots,
    OfferConfirm,
    OfferRead,
)
from carecover.bookings.service import offers, views
from carecover.bookings.service.slots import HORIZON_DAYS
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.errors import Forbidden
from carecover.platform.geo import Point
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of

router = APIRouter()

ServiceParam = Annotated[ServiceType, Query(alias="service")]
Days = Annotated[int, Query(ge=1, le=HORIZON_DAYS)]


@router.get("/bookable-services/nearby", response_model=list[LocationSlots])
def nearby(
    session: DbSession,
    _principal: ApiPrincipal,
    service_type: ServiceParam,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lng: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    within_km: Annotated[float | None, Query(gt=0, le=3000, allow_inf_nan=False)] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
    first_day: Annotated[date | None, Query(alias="from")] = None,
    days: Days = 7,
    per_location: Annotated[int, Query(ge=1, le=20)] = 3,
) -> list[LocationSlots]:
    """The open locations nearest a point (WGS-84) that offer the service, each with its price
    and first open slots over ``days`` Beijing days from ``from`` (today)."""
    found = service.nearby(
        session,
        service_type,
        Point(lat, lng),
        now=utc_now(),
        within_km=within_km,
        limit=limit,
        first_day=first_day,
        days=days,
        per_location=per_location,
    )
    return [views.location_slots_read(f) for f in found]


@router.get("/partner-locations/{location_id}/slots", response_model=LocationSlots)
def location_slots(
    location_id: uuid.UUID,
    session: DbSession,
    _principal: ApiPrincipal,
    service_type: ServiceParam,
    first_day: Annotated[date | None, Query(alias="from")] = None,
    days: Days = 7,
) -> LocationSlots:
    """A location's open slots for the service over ``days`` Beijing days from ``from``."""
    found = service.location_slots(
        session, location_id, service_type, now=utc_now(), first_day=first_day, days=days
    )
    return views.location_slots_read(found)


@router.post("/bookings", response_model=BookingRead, status_code=201)
def book(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, body: BookingCreate
) -> BookingRead:
    """Book a slot for a car: its owner, or customer staff on the phone. The entitlement is used
    with the booking (covered → price 0); otherwise 409 ``booking_price_not_accepted`` gives the
    location's price until ``accept_price`` is true."""
    made = service.book(
        session,
        actor_of(principal, info),
        vehicle_id=body.vehicle_id,
        location_id=body.location_id,
        service=body.service,
        starts_at=body.starts_at,
        accept_price=body.accept_price,
    )
    return views.bookings_read(session, [made])[0]


@router.get("/bookings", response_model=list[BookingRead])
def bookings(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    vehicle_id: uuid.UUID | None = None,
) -> list[BookingRead]:
    """The owner's bookings (optionally one car's); staff give the car."""
    actor = actor_of(principal, info)
    if principal.role is Role.owner:
        rows = service.mine(session, actor)
        if vehicle_id is not None:
            rows = [b for b in rows if b.vehicle_id == vehicle_id]
        return views.bookings_read(session, rows)
    if not permissions.is_staff(actor) or vehicle_id is None:
        raise Forbidden()
    return views.bookings_read(session, service.of_vehicle(session, vehicle_id))


@router.get("/bookings/{booking_id}", response_model=BookingRead)
def booking(
    booking_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> BookingRead:
    found = permissions.booking_to_read(session, actor_of(principal, info), booking_id)
    return views.bookings_read(session, [found])[0]


@router.post("/bookings/{booking_id}/cancel", response_model=BookingRead)
def cancel(
    booking_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: BookingCancel,
) -> BookingRead:
    """Cancel before the slot begins; 2 h or more ahead the entitlement is given back."""
    done = service.cancel(session, actor_of(principal, info), booking_id, reason=body.reason)
    return views.bookings_read(session, [done])[0]


@router.get("/booking-offers", response_model=list[OfferRead])
def my_offers(session: DbSession, principal: ApiPrincipal, info: ReqInfo) -> list[OfferRead]:
    """Slots offered to the owner for maintenance reminders, not yet confirmed."""
    found = offers.open_for_owner(session, actor_of(principal, info))
    return [read for _offer, read in views.offers_read(session, found, now=utc_now())]


@router.get("/booking-offers/{offer_id}", response_model=OfferRead)
def offer(
    offer_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> OfferRead:
    found = offers.get_for(session, actor_of(principal, info), offer_id)
    return views.offer_read(session, found, now=utc_now())


@router.post("/booking-offers/{offer_id}/confirm", response_model=BookingRead, status_code=201)
def confirm(
    offer_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: OfferConfirm,
) -> BookingRead:
    """Book one of the shop's slots for the offer's car (channel ``reminder``)."""
    made = offers.confirm(
        session,
        actor_of(principal, info),
        offer_id,
        starts_at=body.starts_at,
        accept_price=body.accept_price,
    )
    return views.bookings_read(session, [made])[0]
