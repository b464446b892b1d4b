"""The partner's side: a location's day of bookings, check-in, completion, no-show; and what a
location offers in slots (read by anyone signed in, defined by network management or the
partner's admin)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from carecover.benefits.enums import ServiceType
from carecover.bookings import service
from carecover.bookings.schemas import BookingRead, NoShowBody, ServiceDefinition, ServiceRead
from carecover.bookings.service import search, setup, views
from carecover.bookings.service.slots import local_day
from carecover.platform.clock import utc_now
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of

router = APIRouter()


@router.get("/partner-locations/{location_id}/bookings", response_model=list[BookingRead])
def location_day(
    location_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> list[BookingRead]:
    """The location's bookings on a Beijing day (today by default), by slot."""
    _site, rows = service.location_day(
        session, actor_of(principal, info), location_id, day or local_day(utc_now())
    )
    return views.bookings_read(session, rows)


@router.post("/bookings/{booking_id}/check-in", response_model=BookingRead)
def check_in(
    booking_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> BookingRead:
    """The car arrived (from an hour before its slot)."""
    done = service.check_in(session, actor_of(principal, info), booking_id)
    return views.bookings_read(session, [done])[0]


@router.post("/bookings/{booking_id}/complete", response_model=BookingRead)
def complete(
    booking_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> BookingRead:
    """The work is done; the booking is ready for the owner's rating (``completed_at``)."""
    done = service.complete(session, actor_of(principal, info), booking_id)
    return views.bookings_read(session, [done])[0]


@router.post("/bookings/{booking_id}/no-show", response_model=BookingRead)
def no_show(
    booking_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: NoShowBody | None = None,
) -> BookingRead:
    """The car never came (from 15 minutes after the slot began); the entitlement stays used."""
    done = service.no_show(
        session, actor_of(principal, info), booking_id, reason=body.reason if body else None
    )
    return views.bookings_read(session, [done])[0]


@router.get("/partner-locations/{location_id}/bookable-services", response_model=list[ServiceRead])
def offered_services(
    location_id: uuid.UUID, session: DbSession, _principal: ApiPrincipal
) -> list[ServiceRead]:
    return [views.service_read(session, s) for s in search.services_at(session, location_id)]


@router.put(
    "/partner-locations/{location_id}/bookable-services/{service_type}",
    response_model=ServiceRead,
)
def define_service(
    location_id: uuid.UUID,
    service_type: Annotated[ServiceType, Path()],
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: ServiceDefinition,
) -> ServiceRead:
    """Offer (or change) a service in slots: price, places per slot, weekly windows in Beijing
    time. Replaces the windows; bookings already made keep their slots."""
    defined = setup.define(
        session,
        actor_of(principal, info),
        location_id,
        service_type,
        duration_min=body.duration_min,
        price_fen=body.price_fen,
        capacity=body.capacity,
        hours=[
            setup.Window(
                w.weekday,
                setup.minutes(w.opens),
                setup.minutes(w.closes),
                w.slot_minutes,
                w.capacity,
            )
            for w in body.hours
        ],
        is_active=body.is_active,
    )
    return views.service_read(session, defined)
