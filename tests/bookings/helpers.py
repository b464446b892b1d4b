"""Builders for bookings tests: a shop offering services in slots, an insured owner with a
package, and times in Beijing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.enums import ServiceType
from carecover.bookings.models import BookableService
from carecover.bookings.service import setup
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.auth.models import Organisation
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from tests.factories.claims import Insured, make_insured
from tests.factories.partners import XUHUI, make_partner

BEIJING = ZoneInfo("Asia/Shanghai")
SYSTEM = Actor.system()
WASH = ServiceType.car_wash
MAINTENANCE = ServiceType.basic_maintenance
#: A Monday, 09:30 in Beijing.
MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


def beijing(day: date, hhmm: str) -> datetime:
    """A Beijing wall-clock time as an aware UTC instant."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), BEIJING).astimezone(UTC)


def days_ahead(n: int) -> date:
    """The Beijing date ``n`` days after today (for tests that run at the real time)."""
    return (utc_now().astimezone(BEIJING) + timedelta(days=n)).date()


@dataclass
class Shop:
    partner: Partner
    location: PartnerLocation
    organisation: Organisation


def make_shop(
    session: Session,
    *,
    partner_type: PartnerType = PartnerType.repair_shop,
    point: tuple[float, float] = XUHUI,
    name: str | None = None,
) -> Shop:
    partner = make_partner(session, partner_type=partner_type, location=point, legal_name=name)
    location = session.scalars(
        select(PartnerLocation).where(PartnerLocation.partner_id == partner.id)
    ).one()
    organisation = session.get(Organisation, partner.organisation_id)
    assert organisation is not None
    return Shop(partner, location, organisation)


def offer(
    session: Session,
    shop: Shop,
    service: ServiceType = WASH,
    *,
    price_fen: int = 3_500,
    capacity: int = 2,
    opens: str = "08:00",
    closes: str = "18:00",
    slot_min: int = 60,
    duration_min: int = 30,
) -> BookableService:
    """The shop offers ``service`` every day from ``opens`` to ``closes`` in ``slot_min`` slots."""
    return setup.define(
        session,
        SYSTEM,
        shop.location.id,
        service,
        duration_min=duration_min,
        price_fen=price_fen,
        capacity=capacity,
        hours=setup.week(opens, closes, slot_min),
    )


def insured_with(
    session: Session,
    package_code: str | None = "FUEL_CARE_2026",
    *,
    username: str | None = None,
    starts_at: datetime | None = None,
) -> Insured:
    """An owner account with a car and, unless None, a package granted a month before ``NOW``
    (tests that run at the real time pass ``starts_at``)."""
    insured = make_insured(session, username=username)
    if package_code is not None:
        start = starts_at or NOW - timedelta(days=30)
        benefits.grant_package(
            session, SYSTEM, vehicle_id=insured.car.id, package_code=package_code, starts_at=start
        )
    return insured
