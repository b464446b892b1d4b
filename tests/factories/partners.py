"""Builders for partners with valid credit codes, real coordinates and admission paperwork."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy.orm import Session

from carecover.partners import service
from carecover.partners.enums import PartnerType, QualificationKind
from carecover.partners.models import Partner, PartnerLocation, Qualification
from carecover.partners.schemas import LocationCreate, PartnerCreate, QualificationCreate
from carecover.platform.auth.models import Organisation
from carecover.platform.context import Actor
from tests.factories.accounts import make_organisation

_serial = itertools.count(1)

# WGS-84 points of real places, for distance tests.
XUHUI = (31.188, 121.437)  # 上海市徐汇区虹漕路
PUDONG = (31.2215, 121.5447)  # 上海市浦东新区陆家嘴
PEOPLES_SQUARE = (31.2304, 121.4737)  # 上海市黄浦区人民广场
WEST_LAKE = (30.2590, 120.1480)  # 杭州市西湖区

ALWAYS_OPEN = {"always_open": True}
WEEKDAYS = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def credit_code(first17: str) -> str:
    """A unified social credit code with the right check character for ``first17``."""
    return first17 + service.credit_code_check_char(first17)


def unique_credit_code(region: str = "310104") -> str:
    """A valid, unique code of a company (9 1) registered in ``region``."""
    return credit_code(f"91{region}MA{next(_serial):07d}")


def make_location(
    session: Session,
    partner: Partner,
    *,
    point: tuple[float, float] = XUHUI,
    address: str = "上海市徐汇区虹漕路461号",
    adcode: str | None = None,
    name: str | None = None,
    capacity: int = 4,
    service_radius_km: int = 15,
    opening_hours: dict[str, object] | None = None,
) -> PartnerLocation:
    return service.add_location(
        session,
        Actor.system(),
        partner,
        LocationCreate(
            name=name or f"网点 {next(_serial)}",
            address=address,
            adcode=adcode,
            lat=point[0],
            lng=point[1],
            service_radius_km=service_radius_km,
            capacity=capacity,
            opening_hours=opening_hours or ALWAYS_OPEN,
        ),
    )


def make_qualification(
    session: Session,
    partner: Partner,
    kind: QualificationKind = QualificationKind.business_licence,
    *,
    brand: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    actor: Actor | None = None,
) -> Qualification:
    today = service.china_today()
    return service.add_qualification(
        session,
        actor or Actor.system(),
        partner,
        QualificationCreate(
            kind=kind,
            brand=brand,
            number=f"Q{next(_serial):08d}",
            valid_from=valid_from or today - timedelta(days=365),
            valid_until=valid_until or today + timedelta(days=730),
        ),
    )


def make_partner(
    session: Session,
    *,
    partner_type: PartnerType = PartnerType.repair_shop,
    city_adcode: str = "310100",
    organisation: Organisation | None = None,
    legal_name: str | None = None,
    contact_phone: str | None = None,
    location: tuple[float, float] | None = XUHUI,
    address: str = "上海市徐汇区虹漕路461号",
    active: bool = True,
) -> Partner:
    """A partner with one site; ``active`` adds the licences admission needs and admits it."""
    organisation = organisation or make_organisation(session)
    partner = service.register_partner(
        session,
        Actor.system(),
        PartnerCreate(
            organisation_id=organisation.id,
            partner_type=partner_type,
            legal_name=legal_name or organisation.name,
            unified_social_credit_code=unique_credit_code(),
            city_adcode=city_adcode,
            contact_phone=contact_phone,
        ),
    )
    if location is not None:
        make_location(session, partner, point=location, address=address)
    if active:
        make_qualification(session, partner)
        trade = service.TRADE_LICENCES.get(partner_type)
        if trade is not None:
            make_qualification(session, partner, min(trade[1]))
        service.activate(session, Actor.system(), partner)
    return partner
