"""Finding where a service can be booked: the offer at one location, or the nearest locations
offering it with their next open slots."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.bookings.enums import BOOKABLE
from carecover.bookings.errors import LocationNotFound, ServiceNotOffered
from carecover.bookings.models import BookableService
from carecover.bookings.service.slots import Slot, open_slots
from carecover.partners.enums import PartnerStatus
from carecover.partners.models import Partner, PartnerLocation
from carecover.partners.repository import WIDEST_RING_KM, bounding_box
from carecover.platform.geo import Point, haversine_km

FIRST_RING_KM = 10.0
"""The first search ring; it doubles until enough locations are found."""


@dataclass(frozen=True, slots=True)
class Offered:
    """A bookable service at an open location, with the distance and the open slots found."""

    service: BookableService
    location: PartnerLocation
    partner: Partner
    distance_km: float | None
    slots: list[Slot]


def _open() -> Select[BookableService, PartnerLocation, Partner]:
    return (
        select(BookableService, PartnerLocation, Partner)
        .join(PartnerLocation, PartnerLocation.id == BookableService.location_id)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            BookableService.is_active.is_(True),
            PartnerLocation.is_active.is_(True),
            Partner.status == PartnerStatus.active,
        )
    )


def offered(
    session: Session, location_id: uuid.UUID, service: ServiceType
) -> tuple[BookableService, PartnerLocation, Partner]:
    """The service as an open location offers it; ``LocationNotFound`` for a closed (or
    unknown) location, ``ServiceNotOffered`` when it does not offer that service in slots."""
    location = session.get(PartnerLocation, location_id)
    partner = session.get(Partner, location.partner_id) if location is not None else None
    if (
        location is None
        or partner is None
        or not location.is_active
        or partner.status is not PartnerStatus.active
    ):
        raise LocationNotFound()
    if service not in BOOKABLE:
        raise ServiceNotOffered()
    row = session.execute(
        _open().where(
            BookableService.location_id == location_id, BookableService.service == service
        )
    ).first()
    if row is None:
        raise ServiceNotOffered()
    return row[0], row[1], row[2]


def services_at(session: Session, location_id: uuid.UUID) -> list[BookableService]:
    """Every active bookable service of a location."""
    return list(
        session.scalars(
            select(BookableService)
            .where(BookableService.location_id == location_id, BookableService.is_active.is_(True))
            .order_by(BookableService.service)
        )
    )


def location_slots(
    session: Session,
    location_id: uuid.UUID,
    service: ServiceType,
    *,
    now: datetime,
    first_day: date | None = None,
    days: int = 7,
) -> Offered:
    """The open slots of one location's service over ``days`` Beijing days."""
    bookable, location, partner = offered(session, location_id, service)
    found = open_slots(session, [bookable], now=now, first_day=first_day, days=days)
    return Offered(bookable, location, partner, None, found[bookable.id])


def nearby(
    session: Session,
    service: ServiceType,
    point: Point,
    *,
    now: datetime,
    within_km: float | None = None,
    limit: int = 5,
    first_day: date | None = None,
    days: int = 7,
    per_location: int = 3,
) -> list[Offered]:
    """The ``limit`` open locations nearest ``point`` that offer ``service``, nearest first,
    each with its first ``per_location`` open slots over ``days`` Beijing days from
    ``first_day`` (today; possibly none)."""
    if service not in BOOKABLE:
        raise ServiceNotOffered()
    radius = within_km if within_km is not None else FIRST_RING_KM
    while True:
        box = bounding_box(point, radius)
        query = _open().where(
            BookableService.service == service, PartnerLocation.lat.between(*box.lat)
        )
        if box.lng is not None:
            query = query.where(PartnerLocation.lng.between(*box.lng))
        found = sorted(
            (
                (row[0], row[1], row[2], km)
                for row in session.execute(query)
                if (km := haversine_km(point, Point(row[1].lat, row[1].lng))) <= radius
            ),
            key=lambda r: (r[3], r[1].id),
        )
        if within_km is not None or len(found) >= limit or radius >= WIDEST_RING_KM:
            break
        radius *= 2
    chosen = found[:limit]
    slots = open_slots(
        session,
        [r[0] for r in chosen],
        now=now,
        first_day=first_day,
        days=days,
        per_service=per_location,
    )
    return [Offered(svc, site, partner, km, slots[svc.id]) for svc, site, partner, km in chosen]
