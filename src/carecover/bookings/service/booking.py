"""Booking and cancelling a slot, with the entitlement taken and given back in the same
transaction.

Booking: the place (guarded counter UPDATE), the entitlement (``benefits.service.use`` under the
reference ``booking:<id>``, in the period the slot falls in) and the booking row are written
together inside a savepoint: any refusal leaves nothing behind. Covered → price 0; not covered →
the location's price, and only when the owner accepted it (``accept_price``), else
``PriceNotAccepted`` says the price.

Cancelling (the owner, or staff for them) frees the place. The cancellation rule: up to
``CANCEL_CUTOFF`` (2 h) before the slot the entitlement is given back
(``benefits.service.give_back``: the wash or maintenance counts again); later than that the use
stays consumed, as a late cancellation. Once the slot has begun the booking cannot be cancelled:
the location checks the car in or marks a no-show.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.enums import ServiceType
from carecover.benefits.errors import NotEntitled, QuotaExhausted
from carecover.benefits.models import Grant, GrantItem
from carecover.bookings import permissions
from carecover.bookings.enums import BookingChannel, BookingStatus
from carecover.bookings.errors import (
    AlreadyCancelled,
    AlreadyStarted,
    PriceNotAccepted,
    SlotFull,
    SlotInPast,
    StatusRefused,
    VehicleAlreadyBooked,
)
from carecover.bookings.events import BookingCancelled, BookingMade
from carecover.bookings.models import Booking
from carecover.bookings.service import slots
from carecover.bookings.service.search import offered
from carecover.platform.audit import service as audit
from carecover.platform.auth.roles import Role
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.events import publish
from carecover.platform.ids import new_id

CANCEL_CUTOFF = timedelta(hours=2)
"""Cancelled at least this long before the slot, the entitlement is given back."""
HOLDING = (BookingStatus.booked, BookingStatus.checked_in, BookingStatus.completed)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_booking_no(now: datetime) -> str:
    """``BK`` + date + 6 characters: short enough to read out at the counter."""
    return f"BK{now:%y%m%d}" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def cancel_cutoff(booking: Booking) -> datetime:
    """Until when a cancellation gives the entitlement back."""
    return ensure_utc(booking.starts_at) - CANCEL_CUTOFF


def _overlapping(session: Session, vehicle_id: uuid.UUID, slot: slots.Slot) -> bool:
    """Whether the car already holds a place at a time that overlaps the slot."""
    found = session.scalars(
        select(Booking.id).where(
            Booking.vehicle_id == vehicle_id,
            Booking.held_start.is_not(None),
            Booking.status.in_(HOLDING),
            and_(Booking.starts_at < slot.ends_at, Booking.ends_at > slot.starts_at),
        )
    ).first()
    return found is not None


def _package_of(session: Session, item_id: uuid.UUID | None) -> str | None:
    if item_id is None:
        return None
    return session.scalar(
        select(Grant.package_code)
        .join(GrantItem, GrantItem.grant_id == Grant.id)
        .where(GrantItem.id == item_id)
    )


def _channel(actor: Actor, channel: BookingChannel | None) -> BookingChannel:
    if channel is not None:
        return channel
    return BookingChannel.app if actor.role is Role.owner else BookingChannel.phone


def book(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: uuid.UUID,
    location_id: uuid.UUID,
    service: ServiceType,
    starts_at: datetime,
    accept_price: bool = False,
    channel: BookingChannel | None = None,
    care_request_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book the slot starting at ``starts_at`` at the location for the car."""
    now = ensure_utc(now) if now else utc_now()
    vehicle = permissions.vehicle_for(session, actor, vehicle_id)
    bookable, location, _partner = offered(session, location_id, service)
    slot = slots.slot_at(session, bookable, starts_at)
    if slot.starts_at <= now:
        raise SlotInPast()
    if _overlapping(session, vehicle.id, slot):
        raise VehicleAlreadyBooked()
    booking_id = new_id()
    reference = f"booking:{booking_id}"
    try:
        with session.begin_nested():
            if not slots.take_place(session, slot):
                raise SlotFull()
            try:
                use = benefits.use(
                    session,
                    actor,
                    vehicle.id,
                    service,
                    reference=reference,
                    at=slot.starts_at,
                    allow_paid=accept_price,
                )
            except (NotEntitled, QuotaExhausted) as exc:
                raise PriceNotAccepted(bookable.price_fen, exc.code) from None
            covered = use.item_id is not None
            booking = Booking(
                id=booking_id,
                booking_no=new_booking_no(now),
                vehicle_id=vehicle.id,
                customer_id=vehicle.owner_id,
                location_id=location.id,
                service_id=bookable.id,
                service=service,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                held_start=slot.starts_at,
                status=BookingStatus.booked,
                channel=_channel(actor, channel),
                price_fen=0 if covered else bookable.price_fen,
                covered=covered,
                package_code=_package_of(session, use.item_id),
                use_reference=reference,
                booked_by=actor.user_id,
                care_request_id=care_request_id,
                created_at=now,
                updated_at=now,
            )
            session.add(booking)
            session.flush()
    except IntegrityError:
        if _overlapping(session, vehicle.id, slot):  # the same car, the same slot, at once
            raise VehicleAlreadyBooked() from None
        raise
    audit.record(
        session,
        actor,
        "bookings.booked",
        object_type="booking",
        object_id=booking.id,
        details={
            "booking_no": booking.booking_no,
            "vehicle_id": str(vehicle.id),
            "location_id": str(location.id),
            "service": service.value,
            "starts_at": slot.starts_at.isoformat(),
            "price_fen": booking.price_fen,
            "covered": covered,
            "channel": booking.channel.value,
        },
    )
    publish(
        session,
        BookingMade(
            booking_id=booking.id,
            vehicle_id=vehicle.id,
            location_id=location.id,
            service=service.value,
            starts_at=slot.starts_at,
            price_fen=booking.price_fen,
        ),
        request_id=actor.request_id,
    )
    return booking


def cancel(
    session: Session,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    reason: str,
    now: datetime | None = None,
) -> Booking:
    """Cancel a booking before its slot begins (see the module's rule for the entitlement)."""
    now = ensure_utc(now) if now else utc_now()
    booking = permissions.booking_to_cancel(session, actor, booking_id)
    if booking.status is BookingStatus.cancelled:
        raise AlreadyCancelled()
    if booking.status is not BookingStatus.booked:
        raise StatusRefused(booking.status.value, BookingStatus.cancelled.value)
    if now >= ensure_utc(booking.starts_at):
        raise AlreadyStarted()
    in_time = now <= cancel_cutoff(booking)
    note = reason.strip()[:500] or "-"
    with session.begin_nested():
        moved = session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == BookingStatus.booked)
            .values(
                status=BookingStatus.cancelled,
                held_start=None,
                cancelled_at=now,
                cancelled_by=actor.user_id,
                cancel_reason=note,
                entitlement_returned_at=now if in_time else None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(moved, "rowcount", 0) != 1:  # a concurrent cancel (or check-in) came first
            current = session.scalar(select(Booking.status).where(Booking.id == booking.id))
            if current is BookingStatus.cancelled:
                raise AlreadyCancelled()
            raise StatusRefused(str(current), BookingStatus.cancelled.value)
        slots.free_place(session, booking.service_id, booking.starts_at)
        if in_time:
            benefits.give_back(
                session,
                actor,
                reference=booking.use_reference,
                at=now,
                reason=f"booking {booking.booking_no} cancelled",
            )
    session.refresh(booking)
    audit.record(
        session,
        actor,
        "bookings.cancelled",
        object_type="booking",
        object_id=booking.id,
        details={
            "booking_no": booking.booking_no,
            "reason": note,
            "entitlement_returned": in_time,
            "late": not in_time,
        },
    )
    publish(
        session,
        BookingCancelled(
            booking_id=booking.id, vehicle_id=booking.vehicle_id, entitlement_returned=in_time
        ),
        request_id=actor.request_id,
    )
    return booking
