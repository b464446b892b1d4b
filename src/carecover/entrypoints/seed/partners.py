"""Partners of the demo world: density by city tier, real city centres, valid credit codes,
qualifications in force. The two demo partner organisations get full profiles too."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.demo import PARTS_SUPPLIER, REPAIR_SHOP, RESCUE_FIRM
from carecover.partners.enums import PartnerStatus, PartnerType, QualificationKind
from carecover.partners.models import Partner, PartnerLocation, Qualification
from carecover.partners.service import credit_code_check_char
from carecover.platform.auth.models import Organisation, OrganisationKind
from carecover.platform.db import Base
from carecover.platform.db.bulk import row_of
from carecover.platform.geo import City, city_by_name

Row = tuple[str, dict[str, Any]]
T = PartnerType
Q = QualificationKind

# Partners per city by tier (1 = 北上广深 … 4 = the rest): the network is densest where the
# cars are; a thin network is where the 2-hour on-site fallback matters (MISSION.md C2).
DENSITY: dict[PartnerType, tuple[int, int, int, int]] = {
    T.repair_shop: (40, 25, 14, 6),
    T.rescue: (12, 8, 5, 2),
    T.car_wash: (15, 10, 6, 3),
    T.charging_operator: (8, 5, 3, 1),
    T.parking: (5, 3, 2, 1),
    T.designated_driver: (3, 2, 1, 1),
    T.merchant: (6, 4, 2, 1),
    T.parts_supplier: (2, 1, 1, 1),
}
TRADE_LICENCE = {
    T.repair_shop: Q.repair_licence_class_2,
    T.rescue: Q.towing_licence,
    T.charging_operator: Q.charging_operation_permit,
}
NEV_BRANDS = ("比亚迪", "特斯拉", "蔚来", "小鹏", "理想", "广汽埃安")
NAME_PARTS = {
    T.repair_shop: "汽车维修",
    T.rescue: "道路救援",
    T.car_wash: "洗车美容",
    T.charging_operator: "充电服务",
    T.parking: "停车场",
    T.designated_driver: "代驾服务",
    T.merchant: "汽车用品",
    T.parts_supplier: "汽配供应",
}
BRAND_WORDS = [
    "安",
    "顺",
    "捷",
    "达",
    "通",
    "众",
    "诚",
    "信",
    "恒",
    "泰",
    "宏",
    "盛",
    "鑫",
    "福",
    "瑞",
    "祥",
    "华",
    "新",
    "佳",
    "优",
]
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def credit_code(rng: random.Random, city: City) -> str:
    body = "91" + city.adcode + "".join(rng.choice(CREDIT_CHARS) for _ in range(9))
    return body + credit_code_check_char(body)


def hours(partner_type: PartnerType) -> dict[str, Any]:
    if partner_type in (T.rescue, T.charging_operator, T.parking):
        return {"always_open": True}
    return {day: [["08:30", "20:00"]] for day in WEEK}


def _partner_objects(
    rng: random.Random, city: City, partner_type: PartnerType, name: str, now: datetime
) -> list[Base]:
    org = Organisation(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        name=name,
        kind=OrganisationKind.partner,
        is_active=True,
    )
    partner = Partner(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        organisation_id=org.id,
        partner_type=partner_type,
        status=PartnerStatus.active,
        legal_name=name,
        unified_social_credit_code=credit_code(rng, city),
        city_adcode=city.adcode,
    )
    # Within about 12 km of the city centre (0.1° of latitude ≈ 11 km).
    lat = city.point.lat + rng.uniform(-0.11, 0.11)
    lng = city.point.lng + rng.uniform(-0.13, 0.13)
    location = PartnerLocation(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        partner_id=partner.id,
        name=f"{name}（总店）",
        address=f"{city.name}{rng.choice(BRAND_WORDS)}华路{rng.randrange(1, 500)}号",
        adcode=city.adcode,
        city_adcode=city.adcode,
        lat=round(lat, 6),
        lng=round(lng, 6),
        service_radius_km=25 if partner_type is T.rescue else 15,
        capacity=rng.randrange(2, 20),
        opening_hours=hours(partner_type),
        is_active=True,
    )
    start = now.date() - timedelta(days=rng.randrange(100, 1500))
    kinds: list[tuple[QualificationKind, str | None]] = [(Q.business_licence, None)]
    if partner_type in TRADE_LICENCE:
        kinds.append((TRADE_LICENCE[partner_type], None))
    if partner_type is T.repair_shop and rng.random() < 0.3:
        kinds.append((Q.nev_brand_authorisation, rng.choice(NEV_BRANDS)))
    quals: list[Base] = [
        Qualification(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            partner_id=partner.id,
            kind=kind,
            brand=brand,
            number=f"{kind.value[:3].upper()}{rng.randrange(10**8):08d}",
            valid_from=start,
            valid_until=date(start.year + 6, start.month, 1),
            verified_at=now,
        )
        for kind, brand in kinds
    ]
    return [org, partner, location, *quals]


def partner_rows(cities: list[City], seed: int, now: datetime) -> Iterator[Row]:
    """Every partner row for the chosen cities, deterministic for the seed."""
    rng = random.Random(f"{seed}:partners")
    for city in cities:
        tier = min(max(city.tier, 1), 4)
        for partner_type, per_tier in DENSITY.items():
            for k in range(per_tier[tier - 1]):
                brand = "".join(rng.sample(BRAND_WORDS, 2))
                name = f"{city.name.removesuffix('市')}{brand}{NAME_PARTS[partner_type]}{k + 1}号店"
                for obj in _partner_objects(rng, city, partner_type, name, now):
                    yield obj.__tablename__, row_of(obj)


DEMO_PROFILES = (
    (REPAIR_SHOP, T.repair_shop, "上海市"),
    (RESCUE_FIRM, T.rescue, "杭州市"),
    (PARTS_SUPPLIER, T.parts_supplier, "上海市"),
)


def link_demo_partners(session: Session, now: datetime) -> None:
    """The demo partner organisations get an active partner profile (once)."""
    rng = random.Random("demo-partners")
    for org_name, partner_type, city_name in DEMO_PROFILES:
        org = session.scalars(select(Organisation).where(Organisation.name == org_name)).first()
        city = city_by_name(city_name)
        if org is None or city is None:
            continue
        if session.scalars(select(Partner.id).where(Partner.organisation_id == org.id)).first():
            continue
        objects = _partner_objects(rng, city, partner_type, org_name, now)[1:]
        partner = objects[0]
        assert isinstance(partner, Partner)
        partner.organisation_id = org.id
        if partner_type is T.repair_shop:  # the demo shop repairs every NEV brand of the world
            held = {q.brand for q in objects if isinstance(q, Qualification)}
            objects += [
                Qualification(
                    partner_id=partner.id,
                    kind=Q.nev_brand_authorisation,
                    brand=brand,
                    number=f"NEV{n:08d}",
                    valid_from=now.date() - timedelta(days=200),
                    valid_until=now.date() + timedelta(days=900),
                    verified_at=now,
                )
                for n, brand in enumerate(NEV_BRANDS)
                if brand not in held
            ]
        session.add_all(objects)
    session.flush()
