"""Setting up what a location offers in slots: the service, its price, places per slot and its
weekly opening windows (Beijing time). Defining a service again replaces its windows; bookings
already made keep their slots."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.bookings.enums import BOOKABLE
from carecover.bookings.errors import LocationNotFound
from carecover.bookings.models import BookableService, OpeningHours
from carecover.partners import permissions as partner_permissions
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.audit import service as audit
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields

MIN_SLOT = 5


@dataclass(frozen=True, slots=True)
class Window:
    """Slots of ``slot_min`` minutes from ``opens_min`` until ``closes_min`` on ``weekday``."""

    weekday: int
    opens_min: int
    closes_min: int
    slot_min: int
    capacity: int | None = None


def week(opens: str, closes: str, slot_min: int, *, days: Sequence[int] = range(7)) -> list[Window]:
    """The same window on several weekdays: ``week("08:30", "20:00", 30)``."""
    return [Window(d, minutes(opens), minutes(closes), slot_min) for d in days]


def minutes(hhmm: str) -> int:
    hours, _, mins = hhmm.partition(":")
    return int(hours) * 60 + int(mins)


def hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def check_windows(hours: Sequence[Window]) -> None:
    """Each window inside the day, at least one slot long, none overlapping on a weekday."""
    problems: list[FieldProblem] = []
    for n, w in enumerate(hours):
        if not 0 <= w.weekday <= 6:
            problems.append(FieldProblem(f"hours.{n}.weekday", "booking.weekday"))
        if w.slot_min < MIN_SLOT or w.slot_min > 24 * 60:
            problems.append(FieldProblem(f"hours.{n}.slot_minutes", "booking.slot_length"))
        if not 0 <= w.opens_min < w.closes_min <= 24 * 60:
            problems.append(FieldProblem(f"hours.{n}.closes", "booking.window"))
        elif w.closes_min - w.opens_min < w.slot_min:
            problems.append(FieldProblem(f"hours.{n}.slot_minutes", "booking.slot_too_long"))
        if w.capacity is not None and w.capacity < 1:
            problems.append(FieldProblem(f"hours.{n}.capacity", "booking.capacity"))
    by_day = sorted(enumerate(hours), key=lambda p: (p[1].weekday, p[1].opens_min))
    for (_, a), (n, b) in itertools.pairwise(by_day):
        if a.weekday == b.weekday and b.opens_min < a.closes_min:
            problems.append(FieldProblem(f"hours.{n}.opens", "booking.windows_overlap"))
    if problems:
        raise InvalidFields(*problems)


def define(
    session: Session,
    actor: Actor,
    location_id: uuid.UUID,
    service: ServiceType,
    *,
    duration_min: int,
    price_fen: int,
    capacity: int,
    hours: Sequence[Window],
    is_active: bool = True,
) -> BookableService:
    """Offer (or change) a service at a location: network management or the partner's admin."""
    location = session.get(PartnerLocation, location_id)
    partner = session.get(Partner, location.partner_id) if location is not None else None
    if location is None or partner is None:
        raise LocationNotFound()
    partner_permissions.ensure_can_manage(actor, partner)
    problems = []
    if service not in BOOKABLE:
        problems.append(FieldProblem("service", "booking.service_not_bookable"))
    if duration_min < 1:
        problems.append(FieldProblem("duration_min", "booking.duration"))
    if price_fen < 0:
        problems.append(FieldProblem("price_fen", "booking.price"))
    if capacity < 1:
        problems.append(FieldProblem("capacity", "booking.capacity"))
    if problems:
        raise InvalidFields(*problems)
    check_windows(hours)
    bookable = session.scalars(
        select(BookableService).where(
            BookableService.location_id == location.id, BookableService.service == service
        )
    ).first()
    if bookable is None:
        bookable = BookableService(location_id=location.id, service=service)
        session.add(bookable)
    bookable.duration_min = duration_min
    bookable.price_fen = price_fen
    bookable.capacity = capacity
    bookable.is_active = is_active
    session.flush()
    session.execute(delete(OpeningHours).where(OpeningHours.service_id == bookable.id))
    session.add_all(
        OpeningHours(
            service_id=bookable.id,
            weekday=w.weekday,
            opens_min=w.opens_min,
            closes_min=w.closes_min,
            slot_min=w.slot_min,
            capacity=w.capacity,
        )
        for w in hours
    )
    session.flush()
    audit.record(
        session,
        actor,
        "bookings.service_defined",
        object_type="partner_location",
        object_id=location.id,
        details={
            "service": service.value,
            "price_fen": price_fen,
            "capacity": capacity,
            "windows": len(hours),
            "active": is_active,
        },
    )
    return bookable


def windows_of(session: Session, service_id: uuid.UUID) -> list[OpeningHours]:
    return list(
        session.scalars(
            select(OpeningHours)
            .where(OpeningHours.service_id == service_id)
            .order_by(OpeningHours.weekday, OpeningHours.opens_min)
        )
    )
