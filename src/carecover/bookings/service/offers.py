"""Booking from a maintenance reminder. When the owner taps "book" on a reminder, telematics
records a ``CareRequest`` (kind maintenance, with the shop) and publishes ``CareRequested``; the
bookings handler answers with the nearest open maintenance slots at that shop, offered, not held.

Offered rather than booked tentatively: a tentative booking would take a place and a maintenance
from the owner's package before they chose a time, and would need an expiry to give both back.
An offer costs nothing; the owner confirms one of its slots (or any other) on the booking page
and that books it like any booking (channel ``reminder``, linked to the care request). An offer
whose slots filled up in the meantime still lets the owner pick the next open ones.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.bookings import permissions
from carecover.bookings.enums import BookingChannel, BookingStatus
from carecover.bookings.errors import OfferNotFound
from carecover.bookings.events import SlotsOffered
from carecover.bookings.models import BookableService, Booking, SlotOffer
from carecover.bookings.service import booking as bookings
from carecover.bookings.service.search import Offered, location_slots
from carecover.platform.audit import service as audit
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import AppError
from carecover.platform.events import publish
from carecover.telematics.models import CareRequest
from carecover.vehicles.models import Vehicle

OFFERED_SLOTS = 3
OFFER_DAYS = 14
CARE_SERVICE = ServiceType.basic_maintenance


def offer_for(
    session: Session, request: CareRequest, *, now: datetime | None = None
) -> SlotOffer | None:
    """The offer for a maintenance care request at a shop that takes bookings (once per
    request); None when the request names no such shop or the shop has no open slot."""
    if request.kind != "maintenance" or request.location_id is None:
        return None
    existing = session.scalars(
        select(SlotOffer).where(SlotOffer.care_request_id == request.id)
    ).first()
    if existing is not None:
        return existing
    now = ensure_utc(now) if now else utc_now()
    try:
        found = location_slots(session, request.location_id, CARE_SERVICE, now=now, days=OFFER_DAYS)
    except AppError:  # the shop takes no maintenance bookings (or closed): nothing to offer
        return None
    chosen = found.slots[:OFFERED_SLOTS]
    if not chosen:
        return None
    offer = SlotOffer(
        care_request_id=request.id,
        vehicle_id=request.vehicle_id,
        service_id=found.service.id,
        slots=[
            {"starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat()} for s in chosen
        ],
    )
    try:
        with session.begin_nested():
            session.add(offer)
            session.flush()
    except IntegrityError:  # the event delivered twice at once: the first offer stands
        return session.scalars(
            select(SlotOffer).where(SlotOffer.care_request_id == request.id)
        ).first()
    audit.record(
        session,
        Actor.system(),
        "bookings.slots_offered",
        object_type="care_request",
        object_id=request.id,
        details={"location_id": str(request.location_id), "slots": len(chosen)},
    )
    publish(session, SlotsOffered(offer_id=offer.id, vehicle_id=request.vehicle_id))
    return offer


def get_for(session: Session, actor: Actor, offer_id: uuid.UUID) -> SlotOffer:
    """The offer, for the car's owner (or staff); anyone else finds nothing."""
    offer = session.get(SlotOffer, offer_id)
    if offer is None:
        raise OfferNotFound()
    try:
        permissions.vehicle_for(session, actor, offer.vehicle_id)
    except AppError:
        raise OfferNotFound() from None
    return offer


def open_for_owner(session: Session, actor: Actor) -> list[SlotOffer]:
    """The signed-in owner's offers not yet taken up, newest first."""
    owner = permissions.customer_of(session, actor)
    if owner is None:
        return []
    return list(
        session.scalars(
            select(SlotOffer)
            .join(Vehicle, Vehicle.id == SlotOffer.vehicle_id)
            .where(Vehicle.owner_id == owner.id, SlotOffer.booking_id.is_(None))
            .order_by(SlotOffer.created_at.desc())
            .limit(10)
        )
    )


def current_slots(session: Session, offer: SlotOffer, *, now: datetime | None = None) -> Offered:
    """The shop's open maintenance slots now (the offer's own first, when still open)."""
    bookable = session.get(BookableService, offer.service_id)
    assert bookable is not None  # the foreign key cascades
    return location_slots(
        session, bookable.location_id, bookable.service, now=now or utc_now(), days=OFFER_DAYS
    )


def confirm(
    session: Session,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    starts_at: datetime,
    accept_price: bool = False,
    now: datetime | None = None,
) -> Booking:
    """Book a slot of the offer's shop for the offer's car; the offer points at the booking."""
    offer = get_for(session, actor, offer_id)
    done = session.get(Booking, offer.booking_id) if offer.booking_id is not None else None
    if done is not None and done.status is not BookingStatus.cancelled:
        return done  # confirmed already (a second tap)
    bookable = session.get(BookableService, offer.service_id)
    assert bookable is not None
    made = bookings.book(
        session,
        actor,
        vehicle_id=offer.vehicle_id,
        location_id=bookable.location_id,
        service=bookable.service,
        starts_at=starts_at,
        accept_price=accept_price,
        channel=BookingChannel.reminder,
        care_request_id=offer.care_request_id,
        now=now,
    )
    offer.booking_id = made.id
    session.flush()
    return made


def has_offer(session: Session, care_request_id: uuid.UUID) -> bool:
    found = session.scalars(
        select(SlotOffer.id).where(SlotOffer.care_request_id == care_request_id)
    ).first()
    return found is not None


def slot_start(entry: dict[str, Any]) -> datetime:
    """The start of one offered slot (stored as ISO text)."""
    return ensure_utc(datetime.fromisoformat(str(entry["starts_at"])))
