"""Demo bookings: every repair shop and car wash of the demo world offers its services in slots
within its opening hours (car washes every 30 minutes, shops their maintenance, inspection, tyre
and, where NEV-qualified, battery checks), and a few bookings go through the real booking
service — the demo owners' upcoming, finished and cancelled ones, and a day of work at the demo
repair shop, so the owner's "my bookings" and the partner's day are not empty."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecover.accounts.demo import REPAIR_SHOP
from carecover.benefits.enums import ServiceType
from carecover.bookings import service
from carecover.bookings.enums import BookingChannel
from carecover.bookings.models import (
    BookableService,
    Booking,
    OpeningHours,
    SlotCounter,
    SlotOffer,
)
from carecover.bookings.service import slots
from carecover.bookings.service.setup import minutes
from carecover.customers.models import Customer
from carecover.partners.enums import PartnerStatus, PartnerType, QualificationKind
from carecover.partners.models import Partner, PartnerLocation, Qualification
from carecover.platform.auth.models import Organisation, User
from carecover.platform.context import Actor
from carecover.platform.db.bulk import BulkWriter, row_of
from carecover.platform.errors import AppError
from carecover.platform.geo import Point, city_by_adcode
from carecover.vehicles.models import Vehicle

S = ServiceType
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = [["08:00", "20:00"]]
#: service → (slot minutes, job minutes, price range in fen, places per slot range)
MENU: dict[ServiceType, tuple[int, int, tuple[int, int], tuple[int, int]]] = {
    S.car_wash: (30, 30, (3_000, 4_500), (2, 4)),
    S.basic_maintenance: (120, 90, (39_800, 68_800), (1, 3)),
    S.inspection: (60, 60, (29_900, 49_900), (1, 2)),
    S.tyre_replacement: (60, 45, (59_900, 89_900), (1, 2)),
    S.battery_health_check: (60, 45, (15_000, 25_000), (1, 2)),
}
SHOP_MENU = (S.basic_maintenance, S.inspection, S.tyre_replacement)
DEMO_OWNERS = ("C0000000001", "C0000000002")
BOOKING_TABLES = (SlotOffer, Booking, SlotCounter, OpeningHours, BookableService)
"""Children first."""


def clear_demo_bookings(session: Session) -> None:
    """Remove every booking row (before the world's partner tables go)."""
    for model in BOOKING_TABLES:
        session.execute(delete(model))


def _windows(hours: dict[str, Any]) -> Iterator[tuple[int, int, int]]:
    """(weekday, opens, closes) in minutes from a location's opening hours."""
    for weekday, day in enumerate(DAYS):
        spans = ALWAYS if hours.get("always_open") else hours.get(day) or []
        for start, end in spans:
            yield weekday, minutes(start), minutes(end)


def _rows(
    rng: random.Random, site: PartnerLocation, menu: tuple[ServiceType, ...]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in menu:
        slot_min, job_min, (low, high), (few, many) = MENU[kind]
        bookable = BookableService(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            location_id=site.id,
            service=kind,
            duration_min=job_min,
            price_fen=rng.randrange(low, high + 1, 100),
            capacity=rng.randint(few, many),
            is_active=True,
        )
        yield BookableService.__tablename__, row_of(bookable)
        for weekday, opens, closes in _windows(site.opening_hours):
            if closes - opens < slot_min:
                continue
            busy = kind is S.car_wash and weekday >= 5  # weekends: one more bay at the wash
            window = OpeningHours(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                service_id=bookable.id,
                weekday=weekday,
                opens_min=opens,
                closes_min=closes,
                slot_min=slot_min,
                capacity=bookable.capacity + 1 if busy else None,
            )
            yield OpeningHours.__tablename__, row_of(window)


def _offer_everywhere(session: Session, rng: random.Random) -> None:
    nev_shops = set(
        session.scalars(
            select(Qualification.partner_id).where(
                Qualification.kind == QualificationKind.nev_brand_authorisation,
                Qualification.revoked_at.is_(None),
            )
        )
    )
    sites = session.execute(
        select(PartnerLocation, Partner.partner_type, Partner.organisation_id)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            Partner.partner_type.in_((PartnerType.repair_shop, PartnerType.car_wash)),
            Partner.status == PartnerStatus.active,
            PartnerLocation.is_active.is_(True),
        )
        .order_by(PartnerLocation.id)
    ).all()
    demo_org = session.scalar(select(Organisation.id).where(Organisation.name == REPAIR_SHOP))

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        for site, kind, org_id in sites:
            if kind is PartnerType.car_wash:
                menu: tuple[ServiceType, ...] = (S.car_wash,)
            elif org_id == demo_org:
                menu = (*SHOP_MENU, S.battery_health_check, S.car_wash)
            else:
                menu = SHOP_MENU + (
                    (S.battery_health_check,) if site.partner_id in nev_shops else ()
                )
            yield from _rows(rng, site, menu)

    BulkWriter(session).write_rows(rows())


def _slot_on(
    session: Session, location_id: uuid.UUID, kind: ServiceType, day_offset: int, now: datetime,
    pick: int = 0,
) -> datetime | None:  # fmt: skip
    """The ``pick``-th slot of a location's service ``day_offset`` days from today."""
    bookable, _site, _partner = service.offered(session, location_id, kind)
    day = slots.local_day(now) + timedelta(days=day_offset)
    hours = slots.hours_of(session, [bookable.id])[bookable.id]
    found = slots.day_slots(bookable, hours, day)
    return found[min(pick, len(found) - 1)].starts_at if found else None


def _book(
    session: Session, actor: Actor, car: Vehicle, location_id: uuid.UUID, kind: ServiceType,
    at: datetime | None, *, booked_at: datetime, channel: BookingChannel | None = None,
) -> Booking | None:  # fmt: skip
    if at is None:
        return None
    try:
        return service.book(
            session, actor, vehicle_id=car.id, location_id=location_id, service=kind,
            starts_at=at, accept_price=True, channel=channel, now=booked_at,
        )  # fmt: skip
    except AppError:  # a full slot or a car already booked then: the demo does without it
        return None


def _owner(session: Session, customer_no: str) -> tuple[Actor, Customer, Vehicle] | None:
    customer = session.scalars(select(Customer).where(Customer.customer_no == customer_no)).first()
    user = session.get(User, customer.user_id) if customer and customer.user_id else None
    car = (
        session.scalars(
            select(Vehicle).where(Vehicle.owner_id == customer.id).order_by(Vehicle.created_at)
        ).first()
        if customer
        else None
    )
    if customer is None or user is None or car is None:
        return None
    return Actor(user.id, user.role, None), customer, car


def _nearest(
    session: Session, customer: Customer, kind: ServiceType, now: datetime
) -> uuid.UUID | None:
    city = city_by_adcode(customer.city_adcode) if customer.city_adcode else None
    where = city.point if city else Point(31.2304, 121.4737)
    found = service.nearby(session, kind, where, now=now, limit=1, per_location=1)
    return found[0].location.id if found else None


def _owner_bookings(
    session: Session, customer_no: str, shop: uuid.UUID | None, now: datetime
) -> int:
    """Upcoming, finished and cancelled bookings of one demo owner."""
    owner = _owner(session, customer_no)
    if owner is None:
        return 0
    actor, customer, car = owner
    wash = _nearest(session, customer, S.car_wash, now)
    made = 0
    if wash is not None:
        done = _book(
            session,
            actor,
            car,
            wash,
            S.car_wash,
            _slot_on(session, wash, S.car_wash, -5, now, 4),
            booked_at=now - timedelta(days=7),
        )
        if done is not None:
            service.check_in(
                session, Actor.system(), done.id, now=done.starts_at - timedelta(minutes=5)
            )
            service.complete(
                session, Actor.system(), done.id, now=done.starts_at + timedelta(minutes=35)
            )
        upcoming = _book(
            session,
            actor,
            car,
            wash,
            S.car_wash,
            _slot_on(session, wash, S.car_wash, 1, now, 6),
            booked_at=now,
        )
        dropped = _book(
            session,
            actor,
            car,
            wash,
            S.car_wash,
            _slot_on(session, wash, S.car_wash, 3, now, 8),
            booked_at=now,
        )
        if dropped is not None:
            service.cancel(session, actor, dropped.id, reason="plans_changed", now=now)
        made += sum(b is not None for b in (done, upcoming, dropped))
    if shop is not None:
        kind = S.battery_health_check if car.powertrain.is_nev else S.basic_maintenance
        visit = _book(
            session, actor, car, shop, kind, _slot_on(session, shop, kind, 4, now, 1), booked_at=now
        )
        made += visit is not None
    return made


def _shop_day(session: Session, shop: uuid.UUID, rng: random.Random, now: datetime) -> int:
    """Today at the demo repair shop: world customers' cars in the day's slots; the ones whose
    slot has passed were checked in and completed (or did not come)."""
    cars = session.scalars(
        select(Vehicle)
        .join(Customer, Customer.id == Vehicle.owner_id)
        .where(Customer.customer_no.not_in(DEMO_OWNERS))  # theirs are booked above
        .order_by(Vehicle.id)
        .limit(200)
    ).all()
    picked = rng.sample(list(cars), min(8, len(cars)))
    made = 0
    for n, car in enumerate(picked):
        kind = (S.basic_maintenance, S.inspection, S.car_wash, S.tyre_replacement)[n % 4]
        at = _slot_on(session, shop, kind, 0, now, n)
        booking = _book(
            session,
            Actor.system(),
            car,
            shop,
            kind,
            at,
            booked_at=(at or now) - timedelta(days=2),
            channel=BookingChannel.app,
        )
        if booking is None:
            continue
        made += 1
        start = booking.starts_at
        if start + timedelta(minutes=20) <= now and n % 5 == 4:
            service.no_show(
                session,
                Actor.system(),
                booking.id,
                reason="no answer",
                now=start + timedelta(minutes=20),
            )
        elif start - timedelta(minutes=10) <= now:
            service.check_in(session, Actor.system(), booking.id, now=min(now, start))
            if booking.ends_at <= now:
                service.complete(session, Actor.system(), booking.id, now=booking.ends_at)
    return made


def seed_demo_bookings(session: Session, *, now: datetime, seed: int) -> int:
    """Offer the world's shop and wash services in slots and make the demo bookings (once per
    world); returns how many bookings were made."""
    if session.scalar(select(func.count()).select_from(BookableService)):
        return 0
    rng = random.Random(f"{seed}:bookings")
    _offer_everywhere(session, rng)
    shop = session.scalar(
        select(PartnerLocation.id)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .join(Organisation, Organisation.id == Partner.organisation_id)
        .where(Organisation.name == REPAIR_SHOP)
        .order_by(PartnerLocation.created_at)
    )
    made = sum(_owner_bookings(session, no, shop, now) for no in DEMO_OWNERS)
    if shop is not None:
        made += _shop_day(session, shop, rng, now)
    return made
