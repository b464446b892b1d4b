"""Partner queries (SELECTs only), including the nearest-location search."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerStatus, PartnerType, QualificationKind
from carecover.partners.models import Partner, PartnerLocation, Qualification
from carecover.platform.db.paging import fetch_page
from carecover.platform.geo import EARTH_RADIUS_KM, Point, city_by_adcode, haversine_km

#: The first search ring when no radius is given; it doubles until enough sites are found.
FIRST_RING_KM = 25.0
#: Wider than mainland China from any point in it, so the last ring finds every site.
WIDEST_RING_KM = 6400.0
# About 100 m of slack, so floating-point rounding never drops a site on the box's edge.
_MARGIN_DEG = 0.001


def get(session: Session, partner_id: uuid.UUID) -> Partner | None:
    return session.get(Partner, partner_id)


def get_by_organisation(session: Session, organisation_id: uuid.UUID) -> Partner | None:
    return session.scalars(
        select(Partner).where(Partner.organisation_id == organisation_id)
    ).first()


def get_by_credit_code(session: Session, code: str) -> Partner | None:
    return session.scalars(
        select(Partner).where(Partner.unified_social_credit_code == code)
    ).first()


def list_partners(
    session: Session,
    *,
    partner_type: PartnerType | None = None,
    status: PartnerStatus | None = None,
    city_adcode: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Partner], int]:
    query = select(Partner)
    if partner_type is not None:
        query = query.where(Partner.partner_type == partner_type)
    if status is not None:
        query = query.where(Partner.status == status)
    if city_adcode:
        query = query.where(Partner.city_adcode == city_adcode)
    return fetch_page(
        session, query.order_by(Partner.created_at, Partner.id), limit=limit, offset=offset
    )


def locations(
    session: Session, partner_id: uuid.UUID, *, active_only: bool = False
) -> Sequence[PartnerLocation]:
    query = select(PartnerLocation).where(PartnerLocation.partner_id == partner_id)
    if active_only:
        query = query.where(PartnerLocation.is_active.is_(True))
    return session.scalars(query.order_by(PartnerLocation.created_at, PartnerLocation.id)).all()


def qualifications(session: Session, partner_id: uuid.UUID) -> Sequence[Qualification]:
    return session.scalars(
        select(Qualification)
        .where(Qualification.partner_id == partner_id)
        .order_by(Qualification.kind, Qualification.valid_until)
    ).all()


def get_qualification(
    session: Session, partner_id: uuid.UUID, qualification_id: uuid.UUID
) -> Qualification | None:
    found = session.get(Qualification, qualification_id)
    return found if found is not None and found.partner_id == partner_id else None


def qualifications_in_force(
    session: Session, partner_id: uuid.UUID, on: date, kind: QualificationKind | None = None
) -> Sequence[Qualification]:
    """Verified, unrevoked qualifications whose validity includes ``on``."""
    query = select(Qualification).where(
        Qualification.partner_id == partner_id,
        Qualification.verified_at.is_not(None),
        Qualification.revoked_at.is_(None),
        Qualification.valid_from <= on,
        Qualification.valid_until >= on,
    )
    if kind is not None:
        query = query.where(Qualification.kind == kind)
    return session.scalars(query).all()


def partners_holding(
    session: Session, kind: QualificationKind, on: date, brand: str | None = None
) -> set[uuid.UUID]:
    """Partners holding a verified, unrevoked ``kind`` (of ``brand``) in force ``on``: one
    query, for filtering many candidate sites at once."""
    query = select(Qualification.partner_id).where(
        Qualification.kind == kind,
        Qualification.verified_at.is_not(None),
        Qualification.revoked_at.is_(None),
        Qualification.valid_from <= on,
        Qualification.valid_until >= on,
    )
    if brand is not None:
        query = query.where(func.lower(func.trim(Qualification.brand)) == brand.strip().casefold())
    return set(session.scalars(query))


def qualifications_ending(session: Session, start: date, end: date) -> Sequence[Qualification]:
    """Unrevoked qualifications whose last valid day falls within [start, end], soonest first."""
    return session.scalars(
        select(Qualification)
        .where(
            Qualification.revoked_at.is_(None),
            Qualification.valid_until >= start,
            Qualification.valid_until <= end,
        )
        .order_by(Qualification.valid_until, Qualification.id)
    ).all()


@dataclass(frozen=True, slots=True)
class Box:
    """Limits holding every point within a radius; ``lng`` None means no longitude limit."""

    lat: tuple[float, float]
    lng: tuple[float, float] | None


def bounding_box(point: Point, radius_km: float) -> Box:
    """The box around a spherical cap, with the exact longitude spread at its widest latitude."""
    angle = radius_km / EARTH_RADIUS_KM
    spread = math.degrees(angle) + _MARGIN_DEG
    lat = (max(-90.0, point.lat - spread), min(90.0, point.lat + spread))
    cos_lat = math.cos(math.radians(point.lat))
    if angle >= math.pi / 2 or math.sin(angle) >= cos_lat:
        return Box(lat, None)  # the circle reaches a pole: every longitude is inside
    lng_spread = math.degrees(math.asin(math.sin(angle) / cos_lat)) + _MARGIN_DEG
    low, high = point.lng - lng_spread, point.lng + lng_spread
    if low < -180.0 or high > 180.0:
        return Box(lat, None)  # crossing the 180° meridian; never happens for mainland points
    return Box(lat, (low, high))


def _candidates(
    point: Point,
    radius_km: float,
    *,
    partner_type: PartnerType | None,
    city_adcode: str | None,
    active_only: bool,
) -> Select[PartnerLocation]:
    """Sites inside the box around the circle: plain numeric comparisons, any database."""
    box = bounding_box(point, radius_km)
    query = select(PartnerLocation).where(PartnerLocation.lat.between(*box.lat))
    if box.lng is not None:
        query = query.where(PartnerLocation.lng.between(*box.lng))
    if partner_type is not None or active_only:
        query = query.join(Partner, Partner.id == PartnerLocation.partner_id)
    if partner_type is not None:
        query = query.where(Partner.partner_type == partner_type)
    if active_only:
        query = query.where(
            Partner.status == PartnerStatus.active, PartnerLocation.is_active.is_(True)
        )
    if city_adcode:
        query = query.where(PartnerLocation.city_adcode == city_adcode)
    return query


def nearest_locations(
    session: Session,
    point: Point,
    *,
    partner_type: PartnerType | None = None,
    city_adcode: str | None = None,
    limit: int = 10,
    within_km: float | None = None,
    active_only: bool = True,
) -> list[tuple[PartnerLocation, float]]:
    """The sites nearest ``point`` with their great-circle distance in km, nearest first."""
    # The database narrows by a box, the exact distance is computed here. Without within_km the
    # ring doubles until it holds ``limit`` sites: every site within a ring's radius is inside
    # its box, so the nearest ``limit`` of them are the nearest overall.
    radius = within_km if within_km is not None else FIRST_RING_KM
    while True:
        query = _candidates(
            point,
            radius,
            partner_type=partner_type,
            city_adcode=city_adcode,
            active_only=active_only,
        )
        found = sorted(
            (
                (site, distance)
                for site in session.scalars(query)
                if (distance := haversine_km(point, Point(site.lat, site.lng))) <= radius
            ),
            key=lambda pair: (pair[1], pair[0].id),
        )
        if within_km is not None or len(found) >= limit or radius >= WIDEST_RING_KM:
            return found[:limit]
        radius *= 2


def map_sites(
    session: Session,
    *,
    partner_type: PartnerType | None,
    status: PartnerStatus | None,
    city_adcode: str | None,
    limit: int,
) -> list[tuple[PartnerLocation, Partner]]:
    """Active sites of the partners matching the filters, oldest partners first."""
    query = (
        select(PartnerLocation, Partner)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(PartnerLocation.is_active.is_(True))
    )
    if partner_type is not None:
        query = query.where(Partner.partner_type == partner_type)
    if status is not None:
        query = query.where(Partner.status == status)
    if city_adcode:
        query = query.where(Partner.city_adcode == city_adcode)
    query = query.order_by(Partner.created_at, Partner.id, PartnerLocation.id)
    return [(site, partner) for site, partner in session.execute(query.limit(limit))]


def active_site_counts(session: Session, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not partner_ids:
        return {}
    rows = session.execute(
        select(PartnerLocation.partner_id, func.count())
        .where(PartnerLocation.partner_id.in_(partner_ids), PartnerLocation.is_active.is_(True))
        .group_by(PartnerLocation.partner_id)
    )
    return {partner_id: int(count) for partner_id, count in rows}


def partner_cities(session: Session) -> list[tuple[str, str]]:
    """The cities partners are registered in, as (adcode, name), by adcode."""
    codes = session.scalars(select(Partner.city_adcode).distinct()).all()
    return [(code, city.name if (city := city_by_adcode(code)) else code) for code in sorted(codes)]
