"""Demo bookings over a small demo world: every shop and wash offers slots within its hours, the
demo owners have upcoming, finished and cancelled bookings, the demo shop has a day of work, the
slot counters agree with the bookings, and it all happens once per world."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.accounts.demo import REPAIR_SHOP, seed_demo_accounts
from carecover.bookings.enums import BookingStatus
from carecover.bookings.models import BookableService, Booking, OpeningHours, SlotCounter
from carecover.bookings.service import slots
from carecover.customers.models import Customer
from carecover.entrypoints.seed.bookings import clear_demo_bookings, seed_demo_bookings
from carecover.entrypoints.seed.world import WorldSpec, clear_world, link_demo_owners, seed_world
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.auth.models import Organisation
from carecover.platform.context import Actor

NOW = datetime(2026, 12, 9, 6, 0, tzinfo=UTC)  # a Wednesday, 14:00 in Beijing


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_demo_world_gets_slots_and_bookings_once(session: Session) -> None:
    seed_demo_accounts(session, Actor.system())
    seed_world(session, WorldSpec(customers=60, cities=2, seed=5, now=NOW))
    link_demo_owners(session)
    made = seed_demo_bookings(session, now=NOW, seed=5)
    assert made == count(session, Booking) >= 10
    sites = session.execute(
        select(PartnerLocation.id, Partner.partner_type)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(Partner.partner_type.in_((PartnerType.repair_shop, PartnerType.car_wash)))
    ).all()
    offering = set(session.scalars(select(BookableService.location_id)))
    assert {site for site, _ in sites} == offering
    assert count(session, OpeningHours) >= 7 * len(offering)
    owner_statuses = Counter(
        session.scalars(
            select(Booking.status)
            .join(Customer, Customer.id == Booking.customer_id)
            .where(Customer.customer_no == "C0000000001")
        )
    )
    assert owner_statuses == {
        BookingStatus.completed: 1,
        BookingStatus.booked: 2,
        BookingStatus.cancelled: 1,
    }
    shop_day = session.scalars(
        select(Booking)
        .join(PartnerLocation, PartnerLocation.id == Booking.location_id)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .join(Organisation, Organisation.id == Partner.organisation_id)
        .where(Organisation.name == REPAIR_SHOP)
    ).all()
    today = [b for b in shop_day if slots.local_day(b.starts_at) == slots.local_day(NOW)]
    assert len(today) >= 6
    assert {b.status for b in today} >= {BookingStatus.booked, BookingStatus.completed}
    holding = Counter(
        (b.service_id, b.starts_at)
        for b in session.scalars(select(Booking).where(Booking.status != BookingStatus.cancelled))
    )
    counters = {
        (c.service_id, c.starts_at): c.booked
        for c in session.scalars(select(SlotCounter)) if c.booked
    }  # fmt: skip
    assert counters == dict(holding)
    assert seed_demo_bookings(session, now=NOW, seed=5) == 0
    clear_demo_bookings(session)
    clear_world(session)
    assert count(session, BookableService) == count(session, PartnerLocation) == 0
