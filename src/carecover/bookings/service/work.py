"""The location's side of a booking: its day, check-in, completion and no-show; and the lists
owners and staff read.

Check-in opens ``CHECK_IN_EARLY`` (1 h) before the slot; completion follows a check-in and makes
the booking ready for the owner's rating (``completed_at``); a no-show can be marked from
``NO_SHOW_GRACE`` (15 min) after the slot began, and the entitlement stays consumed. Every step is
a guarded UPDATE on the booking's status, so two clicks (or two users) never apply one twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.bookings import permissions
from carecover.bookings.enums import BookingStatus
from carecover.bookings.errors import StatusRefused, TooEarly
from carecover.bookings.events import BookingCompleted, BookingNoShow
from carecover.bookings.models import Booking
from carecover.bookings.service.slots import day_bounds
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.audit import service as audit
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.events import DomainEvent, publish

CHECK_IN_EARLY = timedelta(hours=1)
NO_SHOW_GRACE = timedelta(minutes=15)


def _step(
    session: Session,
    actor: Actor,
    booking: Booking,
    *,
    source: BookingStatus,
    target: BookingStatus,
    values: dict[str, Any],
    now: datetime,
) -> Booking:
    moved = session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == source)
        .values(status=target, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(booking)
    if getattr(moved, "rowcount", 0) != 1:
        raise StatusRefused(booking.status.value, target.value)
    audit.record(
        session,
        actor,
        f"bookings.{target.value}",
        object_type="booking",
        object_id=booking.id,
        details={"booking_no": booking.booking_no, **{k: str(v) for k, v in values.items()}},
    )
    return booking


def _publish(session: Session, actor: Actor, event: DomainEvent) -> None:
    publish(session, event, request_id=actor.request_id)


def check_in(
    session: Session, actor: Actor, booking_id: uuid.UUID, *, now: datetime | None = None
) -> Booking:
    """The car arrived."""
    now = ensure_utc(now) if now else utc_now()
    booking = permissions.booking_to_work(session, actor, booking_id)
    if booking.status is not BookingStatus.booked:
        raise StatusRefused(booking.status.value, BookingStatus.checked_in.value)
    if now < ensure_utc(booking.starts_at) - CHECK_IN_EARLY:
        raise TooEarly()
    return _step(
        session,
        actor,
        booking,
        source=BookingStatus.booked,
        target=BookingStatus.checked_in,
        values={"checked_in_at": now},
        now=now,
    )


def complete(
    session: Session, actor: Actor, booking_id: uuid.UUID, *, now: datetime | None = None
) -> Booking:
    """The work is done: the owner can rate it."""
    now = ensure_utc(now) if now else utc_now()
    booking = permissions.booking_to_work(session, actor, booking_id)
    if booking.status is not BookingStatus.checked_in:
        raise StatusRefused(booking.status.value, BookingStatus.completed.value)
    done = _step(
        session,
        actor,
        booking,
        source=BookingStatus.checked_in,
        target=BookingStatus.completed,
        values={"completed_at": now},
        now=now,
    )
    _publish(
        session,
        actor,
        BookingCompleted(
            booking_id=done.id, vehicle_id=done.vehicle_id, location_id=done.location_id
        ),
    )
    return done


def no_show(
    session: Session,
    actor: Actor,
    booking_id: uuid.UUID,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """The car never came (the entitlement stays consumed)."""
    now = ensure_utc(now) if now else utc_now()
    booking = permissions.booking_to_work(session, actor, booking_id)
    if booking.status is not BookingStatus.booked:
        raise StatusRefused(booking.status.value, BookingStatus.no_show.value)
    if now < ensure_utc(booking.starts_at) + NO_SHOW_GRACE:
        raise TooEarly()
    done = _step(
        session,
        actor,
        booking,
        source=BookingStatus.booked,
        target=BookingStatus.no_show,
        values={"no_show_at": now, "no_show_reason": (reason or "").strip()[:500] or None},
        now=now,
    )
    _publish(
        session,
        actor,
        BookingNoShow(booking_id=done.id, vehicle_id=done.vehicle_id, location_id=done.location_id),
    )
    return done


def location_day(
    session: Session, actor: Actor, location_id: uuid.UUID, day: date
) -> tuple[PartnerLocation, list[Booking]]:
    """A location's bookings on a Beijing day, by slot (cancelled ones included, last)."""
    location = permissions.location_to_read(session, actor, location_id)
    start, end = day_bounds(day)
    rows = session.scalars(
        select(Booking)
        .where(
            Booking.location_id == location.id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .order_by(Booking.starts_at, Booking.created_at)
    ).all()
    return location, _cancelled_last(rows)


def partner_day(session: Session, actor: Actor, day: date) -> list[tuple[Booking, PartnerLocation]]:
    """The signed-in partner's bookings at all its locations on a Beijing day."""
    if actor.organisation_id is None:
        return []
    start, end = day_bounds(day)
    rows = session.execute(
        select(Booking, PartnerLocation)
        .join(PartnerLocation, PartnerLocation.id == Booking.location_id)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            Partner.organisation_id == actor.organisation_id,
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .order_by(Booking.starts_at, PartnerLocation.name, Booking.created_at)
    ).all()
    pairs = [(b, site) for b, site in rows]
    return sorted(pairs, key=lambda p: p[0].status is BookingStatus.cancelled)


def _cancelled_last(rows: Sequence[Booking]) -> list[Booking]:
    return sorted(rows, key=lambda b: b.status is BookingStatus.cancelled)


def of_customer(session: Session, customer_id: uuid.UUID, *, limit: int = 100) -> list[Booking]:
    """A customer's bookings, the latest slot first."""
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.customer_id == customer_id)
            .order_by(Booking.starts_at.desc(), Booking.created_at.desc())
            .limit(limit)
        )
    )


def of_vehicle(session: Session, vehicle_id: uuid.UUID, *, limit: int = 100) -> list[Booking]:
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.vehicle_id == vehicle_id)
            .order_by(Booking.starts_at.desc(), Booking.created_at.desc())
            .limit(limit)
        )
    )


def mine(session: Session, actor: Actor, *, limit: int = 100) -> list[Booking]:
    """The signed-in owner's bookings (none for anyone else)."""
    owner = permissions.customer_of(session, actor)
    return of_customer(session, owner.id, limit=limit) if owner is not None else []
