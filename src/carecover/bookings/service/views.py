"""Read shapes shared by the API and the pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.bookings.models import BookableService, Booking, SlotOffer
from carecover.bookings.schemas import (
    BookingRead,
    LocationSlots,
    OfferRead,
    ServiceRead,
    SlotRead,
    WindowRead,
)
from carecover.bookings.service import offers
from carecover.bookings.service.booking import cancel_cutoff
from carecover.bookings.service.search import Offered
from carecover.bookings.service.setup import hhmm, windows_of
from carecover.bookings.service.slots import BEIJING, Slot
from carecover.partners.models import PartnerLocation
from carecover.platform.clock import ensure_utc
from carecover.platform.errors import AppError


def local(at: datetime | None) -> str:
    """An instant as Beijing wall-clock time, for pages."""
    return f"{ensure_utc(at).astimezone(BEIJING):%Y-%m-%d %H:%M}" if at else "—"


def slot_read(slot: Slot) -> SlotRead:
    return SlotRead(
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        capacity=slot.capacity,
        remaining=slot.remaining,
    )


def location_slots_read(found: Offered) -> LocationSlots:
    return LocationSlots(
        location_id=found.location.id,
        location_name=found.location.name,
        address=found.location.address,
        lat=found.location.lat,
        lng=found.location.lng,
        partner_name=found.partner.legal_name,
        distance_km=round(found.distance_km, 2) if found.distance_km is not None else None,
        service=found.service.service,
        service_id=found.service.id,
        duration_min=found.service.duration_min,
        price_fen=found.service.price_fen,
        slots=[slot_read(s) for s in found.slots],
    )


def location_names(session: Session, bookings: Iterable[Booking]) -> dict[object, str]:
    ids = {b.location_id for b in bookings}
    if not ids:
        return {}
    rows = session.execute(
        select(PartnerLocation.id, PartnerLocation.name).where(PartnerLocation.id.in_(ids))
    )
    return {site_id: name for site_id, name in rows}


def booking_read(booking: Booking, location_name: str) -> BookingRead:
    return BookingRead(
        id=booking.id,
        booking_no=booking.booking_no,
        vehicle_id=booking.vehicle_id,
        customer_id=booking.customer_id,
        location_id=booking.location_id,
        location_name=location_name,
        service=booking.service,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status=booking.status,
        channel=booking.channel,
        price_fen=booking.price_fen,
        covered=booking.covered,
        package_code=booking.package_code,
        use_reference=booking.use_reference,
        booked_at=booking.created_at,
        cancel_cutoff_at=cancel_cutoff(booking),
        checked_in_at=booking.checked_in_at,
        completed_at=booking.completed_at,
        cancelled_at=booking.cancelled_at,
        cancel_reason=booking.cancel_reason,
        entitlement_returned=booking.entitlement_returned_at is not None,
        no_show_at=booking.no_show_at,
        care_request_id=booking.care_request_id,
    )


def bookings_read(session: Session, rows: Iterable[Booking]) -> list[BookingRead]:
    listed = list(rows)
    names = location_names(session, listed)
    return [booking_read(b, names.get(b.location_id, "")) for b in listed]


def offer_read(session: Session, offer: SlotOffer, *, now: datetime) -> OfferRead:
    found = offers.current_slots(session, offer, now=now)
    capacity = found.service.capacity
    offered = [
        SlotRead(
            starts_at=offers.slot_start(s),
            ends_at=datetime.fromisoformat(str(s["ends_at"])),
            capacity=capacity,
            remaining=next(
                (o.remaining for o in found.slots if o.starts_at == offers.slot_start(s)), 0
            ),
        )
        for s in offer.slots
    ]
    return OfferRead(
        id=offer.id,
        care_request_id=offer.care_request_id,
        vehicle_id=offer.vehicle_id,
        location_id=found.location.id,
        service=found.service.service,
        offered=offered,
        open_now=[slot_read(s) for s in found.slots[:10]],
        booking_id=offer.booking_id,
    )


def offers_read(
    session: Session, rows: Iterable[SlotOffer], *, now: datetime
) -> list[tuple[SlotOffer, OfferRead]]:
    """Each offer with its read shape; offers whose shop stopped taking these bookings drop out."""
    found = []
    for offer in rows:
        try:
            found.append((offer, offer_read(session, offer, now=now)))
        except AppError:
            continue
    return found


def service_read(session: Session, bookable: BookableService) -> ServiceRead:
    return ServiceRead(
        id=bookable.id,
        location_id=bookable.location_id,
        service=bookable.service,
        duration_min=bookable.duration_min,
        price_fen=bookable.price_fen,
        capacity=bookable.capacity,
        is_active=bookable.is_active,
        hours=[
            WindowRead(
                weekday=w.weekday,
                opens=hhmm(w.opens_min),
                closes=hhmm(w.closes_min),
                slot_minutes=w.slot_min,
                capacity=w.capacity,
            )
            for w in windows_of(session, bookable.id)
        ],
    )
