"""The demo world's rescue fleet: units around every rescue and designated-driver partner's
sites with rate cards, and a month of finished rescue orders so the KPIs, the coverage map and
the cost dashboard have something to show."""

from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import kinds_for
from carecover.orders.enums import OfferOutcome, OrderChannel, OrderStatus, UnitKind, UnitStatus
from carecover.orders.models import Offer, ProviderUnit, RateCard, ServiceOrder
from carecover.orders.service.dispatching import TRAVEL, cost_fen
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.crypto import FieldRef, get_cipher
from carecover.platform.geo import city_by_adcode
from carecover.vehicles.models import Vehicle

K = UnitKind
S = ServiceType
FLEET: dict[PartnerType, tuple[tuple[UnitKind, int], ...]] = {
    PartnerType.rescue: (
        (K.flatbed, 2),
        (K.wheel_lift, 1),
        (K.service_van, 2),
        (K.mobile_charger, 1),
    ),
    PartnerType.designated_driver: ((K.designated_driver, 4),),
}
RATES: dict[ServiceType, tuple[int, int, int]] = {
    S.tow: (20_000, 800, 5),
    S.jump_start: (9_000, 300, 10),
    S.tyre_change: (9_000, 300, 10),
    S.lockout: (12_000, 300, 10),
    S.emergency_charging: (18_000, 500, 10),
    S.designated_driver: (5_000, 300, 10),
}
HISTORY_MIX = (
    (S.tow, 0.35),
    (S.jump_start, 0.25),
    (S.tyre_change, 0.2),
    (S.lockout, 0.1),
    (S.emergency_charging, 0.1),
)
SURNAMES = "张王李赵刘陈杨黄周吴"


def _jitter(rng: random.Random, lat: float, lng: float, km: float) -> tuple[float, float]:
    r = km * math.sqrt(rng.random())
    a = rng.random() * 2 * math.pi
    return lat + r * math.cos(a) / 111.32, lng + r * math.sin(a) / (
        111.32 * math.cos(math.radians(lat))
    )


def seed_demo_orders(
    session: Session, now: datetime, *, seed: int = 2026, history_per_city: int = 60
) -> dict[str, int]:
    """Units, rate cards and a month of history (once; an existing fleet is left alone)."""
    if session.scalar(select(func.count()).select_from(ProviderUnit)):
        return {"units": 0, "orders": 0}
    rng = random.Random(seed)
    cipher = get_cipher()
    made_units: list[ProviderUnit] = []
    sites = session.execute(
        select(Partner, PartnerLocation)
        .join(PartnerLocation, PartnerLocation.partner_id == Partner.id)
        .where(Partner.partner_type.in_(list(FLEET)), Partner.status == PartnerStatus.active)
        .order_by(Partner.id, PartnerLocation.id)
    ).all()
    carded: set[uuid.UUID] = set()
    for partner, site in sites:
        if partner.id not in carded:
            carded.add(partner.id)
            for service, (base, per_km, included) in RATES.items():
                session.add(
                    RateCard(
                        partner_id=partner.id,
                        service=service,
                        base_fen=base,
                        per_km_fen=per_km,
                        included_km=included,
                    )
                )
        for kind, count in FLEET[partner.partner_type]:
            for _ in range(count):
                lat, lng = _jitter(rng, site.lat, site.lng, 8.0)
                unit = ProviderUnit(
                    id=uuid.uuid4(),
                    partner_id=partner.id,
                    kind=kind,
                    call_sign=f"{kind.value[:2].upper()}-{len(made_units) + 1:05d}",
                    driver_name=f"{rng.choice(SURNAMES)}师傅",
                    city_adcode=site.city_adcode,
                    status=UnitStatus.available if rng.random() < 0.85 else UnitStatus.offline,
                    lat=lat,
                    lng=lng,
                    position_at=now,
                    heading=rng.random() * 360,
                    rating=round(rng.uniform(3.8, 5.0), 1),
                )
                phone = f"13{rng.randint(100_000_000, 999_999_999)}"
                unit.driver_phone_enc = cipher.encrypt(
                    phone, FieldRef("order_units", "driver_phone", str(unit.id))
                )
                made_units.append(unit)
    session.add_all(made_units)
    session.flush()
    orders = _history(session, rng, made_units, now, history_per_city)
    return {"units": len(made_units), "orders": orders}


def _history(
    session: Session, rng: random.Random, fleet: list[ProviderUnit], now: datetime, per_city: int
) -> int:
    vehicles = list(session.execute(select(Vehicle.id, Vehicle.owner_id).limit(5_000)))
    if not vehicles:
        return 0
    by_city: dict[str, list[ProviderUnit]] = {}
    for unit in fleet:
        by_city.setdefault(unit.city_adcode, []).append(unit)
    cards = {(c.partner_id, c.service): c for c in session.scalars(select(RateCard))}
    made = 0
    offers: list[Offer] = []
    for city_code, units in sorted(by_city.items()):
        city = city_by_adcode(city_code)
        tier = city.tier if city is not None else 3
        centre = (
            (city.point.lat, city.point.lng) if city is not None else (units[0].lat, units[0].lng)
        )
        for n in range(per_city):
            service = rng.choices([s for s, _ in HISTORY_MIX], [w for _, w in HISTORY_MIX])[0]
            kinds = kinds_for(service, electric=False)
            able = [u for u in units if u.kind in kinds]
            if not able:
                continue
            lat, lng = _jitter(rng, centre[0], centre[1], 18.0)
            at = now - timedelta(days=rng.uniform(1, 30), minutes=rng.uniform(0, 600))
            etas = TRAVEL.seconds(
                np.array([u.lat for u in able]),
                np.array([u.lng for u in able]),
                lat,
                lng,
                at=at,
                tier=tier,
            )
            best = int(np.argmin(etas))
            unit, eta = able[best], float(etas[best])
            km = float(TRAVEL.km(np.array([unit.lat]), np.array([unit.lng]), lat, lng)[0])
            vehicle_id, owner_id = vehicles[rng.randrange(len(vehicles))]
            accepted = at + timedelta(seconds=rng.uniform(10, 50))
            on_site = accepted + timedelta(seconds=eta * rng.uniform(0.9, 1.3))
            order = ServiceOrder(
                id=uuid.uuid4(),
                number=f"SO{at:%Y%m%d}H{city_code}{n:04d}",
                vehicle_id=vehicle_id,
                customer_id=owner_id,
                service=service,
                channel=rng.choice(
                    [OrderChannel.app, OrderChannel.app, OrderChannel.phone, OrderChannel.alert]
                ),
                status=OrderStatus.completed,
                lat=lat,
                lng=lng,
                city_adcode=city_code,
                tier=tier,
                dedupe_key=f"history:{city_code}:{n}",
                covered=rng.random() < 0.8,
                partner_id=unit.partner_id,
                unit_id=unit.id,
                beyond_circle=eta > 900,
                eta_s=round(eta),
                km=round(km, 2),
                cost_fen=cost_fen(cards.get((unit.partner_id, service)), km, 0),
                attempts=1,
                requested_at=at,
                offered_at=at,
                accepted_at=accepted,
                en_route_at=accepted,
                on_site_at=on_site,
                finished_at=on_site + timedelta(minutes=rng.uniform(15, 60)),
                rating_requested_at=on_site,
            )
            order.price_fen = 0 if order.covered else 20_000
            session.add(order)
            offers.append(
                Offer(
                    order_id=order.id,
                    partner_id=unit.partner_id,
                    unit_id=unit.id,
                    outcome=OfferOutcome.accepted,
                    offered_at=at,
                    expires_at=at + timedelta(seconds=60),
                    answered_at=accepted,
                    eta_s=round(eta),
                    km=round(km, 2),
                    cost_fen=order.cost_fen,
                )
            )
            made += 1
    session.flush()  # the orders before their offers (no ORM relationship orders them)
    session.add_all(offers)
    session.flush()
    return made
