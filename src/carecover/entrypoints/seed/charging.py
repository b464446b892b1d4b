"""Demo chargers: every charging operator of the demo world gets an OCPI party, two tariffs and
its stations as OCPI 2.2.1 Locations — its partner site and a few more stations around the city
— pushed through the registry's own receiver path (validation, ordering, status history).

The mix is China's: most stations are GB/T DC fast chargers of 60 to 180 kW, some mixed with
7 kW GB/T AC posts, a few residential AC-only ones; most points are free or charging and a few
are out of order. Prices are peak / flat / valley (峰平谷) electricity plus service fee per kWh.
The parties are ``simulated``: ``charging.demo`` restates their statuses so "available" stays
trustworthy while the demo runs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from carecover.charging.models import (
    ChargingFailure,
    ChargingLocation,
    ChargingParty,
    Connector,
    Evse,
    EvseStatusChange,
    Tariff,
)
from carecover.charging.service import parties, registry, tariffs
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform.context import Actor
from carecover.platform.geo import City, city_by_adcode

EXTRA_STATIONS = 3
"""Stations per operator besides its partner site."""
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DC_KW = (60, 60, 120, 120, 120, 160, 180)
STATION_WORDS = (
    "万达广场",
    "科技园",
    "高铁站",
    "体育中心",
    "社区",
    "物流园",
    "会展中心",
    "公交枢纽",
)
CHARGING_TABLES = (
    ChargingFailure,
    EvseStatusChange,
    Connector,
    Evse,
    ChargingLocation,
    Tariff,
    ChargingParty,
)


@dataclass(frozen=True, slots=True)
class DemoCharging:
    parties: int
    locations: int
    evses: int
    dc: int
    ac: int
    out_of_order: int

    def summary(self) -> dict[str, object]:
        return {
            "parties": self.parties,
            "locations": self.locations,
            "evses": self.evses,
            "dc": self.dc,
            "ac": self.ac,
            "out_of_order": self.out_of_order,
        }


def party_id(n: int) -> str:
    """D00, D01 … DZZ: 1,296 demo parties."""
    return "D" + BASE36[(n // 36) % 36] + BASE36[n % 36]


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _tariff(
    pid: str, suffix: str, peak: str, flat: str, valley: str, now: datetime
) -> dict[str, Any]:
    """峰/平/谷 per kWh (electricity plus service fee), local time."""

    def element(price: str, start: str | None, end: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "price_components": [{"type": "ENERGY", "price": price, "step_size": 1}]
        }
        if start is not None:
            out["restrictions"] = {"start_time": start, "end_time": end}
        return out

    return {
        "country_code": "CN",
        "party_id": pid,
        "id": f"{pid}-{suffix}",
        "currency": "CNY",
        "type": "REGULAR",
        "tariff_alt_text": [
            {"language": "zh", "text": f"峰 {peak} / 平 {flat} / 谷 {valley} 元/度（含服务费）"},
            {"language": "en", "text": f"peak {peak} / flat {flat} / valley {valley} CNY per kWh"},
        ],
        "elements": [
            element(peak, "10:00", "15:00"),
            element(peak, "18:00", "21:00"),
            element(valley, "23:00", "07:00"),
            element(flat, None, None),
        ],
        "last_updated": _stamp(now),
    }


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return "OUTOFORDER"
    if roll < 0.08:
        return "BLOCKED"
    return "CHARGING" if roll < 0.40 else "AVAILABLE"


def _evse(
    pid: str, station: int, n: int, kind: str, kw: int, rng: random.Random, now: datetime
) -> dict[str, Any]:
    uid = f"{pid}{station:04d}{n:02d}"
    at = _stamp(now)
    if kind == "DC":
        volts = 1000 if kw >= 160 else 750
        connector = {
            "id": "1",
            "standard": "GBT_DC",
            "format": "CABLE",
            "power_type": "DC",
            "max_voltage": volts,
            "max_amperage": -(-kw * 1000 // volts),
            "max_electric_power": kw * 1000,
            "tariff_ids": [f"{pid}-DC"],
            "last_updated": at,
        }
    else:
        connector = {
            "id": "1",
            "standard": "GBT_AC",
            "format": "SOCKET",
            "power_type": "AC_1_PHASE",
            "max_voltage": 220,
            "max_amperage": 32,
            "max_electric_power": 7000,
            "tariff_ids": [f"{pid}-AC"],
            "last_updated": at,
        }
    return {
        "uid": uid,
        "evse_id": f"CN*{pid}*E{uid}",
        "status": _status(rng),
        "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER"],
        "connectors": [connector],
        "physical_reference": f"{n:02d}",
        "last_updated": at,
    }


def _evses(pid: str, station: int, rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    roll = rng.random()
    if roll < 0.55:  # a fast-charging hub
        plan = [("DC", rng.choice(DC_KW)) for _ in range(rng.randint(4, 10))]
    elif roll < 0.85:  # a car park with both
        plan = [("DC", rng.choice(DC_KW)) for _ in range(rng.randint(2, 4))]
        plan += [("AC", 7) for _ in range(rng.randint(2, 6))]
    else:  # a residential compound's slow posts
        plan = [("AC", 7) for _ in range(rng.randint(4, 8))]
    return [_evse(pid, station, n + 1, kind, kw, rng, now) for n, (kind, kw) in enumerate(plan)]


def _location(
    pid: str,
    station: int,
    name: str,
    address: str,
    city: City,
    lat: float,
    lng: float,
    rng: random.Random,
    now: datetime,
) -> dict[str, Any]:
    return {
        "country_code": "CN",
        "party_id": pid,
        "id": f"{pid}-{station:04d}",
        "publish": True,
        "name": name[:255],
        "address": address[:45],
        "city": city.name[:45],
        "state": city.province[:20],
        "country": "CHN",
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lng:.6f}"},
        "parking_type": rng.choice(["PARKING_LOT", "PARKING_GARAGE", "UNDERGROUND_GARAGE"]),
        "evses": _evses(pid, station, rng, now),
        "operator": {"name": name.split("（")[0][:100]},
        "time_zone": "Asia/Shanghai",
        "opening_times": {"twentyfourseven": True},
        "last_updated": _stamp(now),
    }


def seed_demo_charging(session: Session, *, now: datetime, seed: int) -> DemoCharging | None:
    """Chargers for the demo world's charging operators (once: nothing happens while any
    charging location exists). Returns what was made, or None if it had been done."""
    if session.scalar(select(func.count()).select_from(ChargingLocation)):
        return None
    rng = random.Random(f"{seed}:charging")
    actor = Actor.system("seed")
    operators = session.scalars(
        select(Partner)
        .where(
            Partner.partner_type == PartnerType.charging_operator,
            Partner.status == PartnerStatus.active,
        )
        .order_by(Partner.city_adcode, Partner.legal_name, Partner.id)
    ).all()
    made: list[ChargingLocation] = []
    for n, partner in enumerate(operators[: len(BASE36) ** 2]):
        pid = party_id(n)
        parties.register_party(session, actor, partner, "CN", pid, simulated=True)
        tariffs.upsert_tariff(
            session,
            actor,
            "CN",
            pid,
            f"{pid}-DC",
            _tariff(pid, "DC", "1.65", "1.25", "0.75", now),
            now=now,
        )
        tariffs.upsert_tariff(
            session,
            actor,
            "CN",
            pid,
            f"{pid}-AC",
            _tariff(pid, "AC", "1.20", "0.95", "0.60", now),
            now=now,
        )
        city = city_by_adcode(partner.city_adcode)
        if city is None:
            continue
        sites = session.scalars(
            select(PartnerLocation)
            .where(PartnerLocation.partner_id == partner.id, PartnerLocation.is_active.is_(True))
            .order_by(PartnerLocation.created_at, PartnerLocation.id)
        ).all()
        stations: list[tuple[str, str, float, float, PartnerLocation | None]] = [
            (site.name, site.address, site.lat, site.lng, site) for site in sites
        ]
        short = re.sub(r"\d+号店$", "", partner.legal_name)
        for _ in range(EXTRA_STATIONS):
            word = rng.choice(STATION_WORDS)
            lat = city.point.lat + rng.uniform(-0.1, 0.1)
            lng = city.point.lng + rng.uniform(-0.12, 0.12)
            stations.append(
                (
                    f"{short}（{word}站）",
                    f"{city.name}{word}{rng.randrange(1, 300)}号",
                    lat,
                    lng,
                    None,
                )
            )
        for station, (name, address, lat, lng, site) in enumerate(stations, start=1):
            doc = _location(pid, station, name, address, city, lat, lng, rng, now)
            written = registry.upsert_location(
                session,
                actor,
                "CN",
                pid,
                doc["id"],
                doc,
                now=now,
                partner_location_id=site.id if site is not None else None,
            )
            made.append(written.location)
    counts = session.execute(
        select(Connector.power_type, Evse.status, func.count())
        .join(Evse, Evse.id == Connector.evse_pk)
        .group_by(Connector.power_type, Evse.status)
    ).all()
    dc = sum(c for ptype, _, c in counts if ptype.value == "DC")
    ac = sum(c for ptype, _, c in counts if ptype.value != "DC")
    broken = sum(c for _, status, c in counts if status.value == "OUTOFORDER")
    return DemoCharging(len(operators), len(made), dc + ac, dc, ac, broken)


def clear_demo_charging(session: Session) -> None:
    """Remove every charging row (before the world's partners go)."""
    for model in CHARGING_TABLES:
        session.execute(delete(model))
