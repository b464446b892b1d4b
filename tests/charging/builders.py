"""Builders for the charging tests: a charging operator with its OCPI party and a partner user,
and OCPI 2.2.1 documents shaped as a Chinese operator sends them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from carecover.charging.models import ChargingParty
from carecover.charging.service import parties
from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.platform.auth.models import Organisation, User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from tests.factories.accounts import make_user
from tests.factories.partners import XUHUI, make_partner

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Operator:
    partner: Partner
    party: ChargingParty
    user: User

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.user.role, self.user.organisation_id)


def make_operator(
    session: Session,
    party_id: str = "TLD",
    *,
    point: tuple[float, float] = XUHUI,
    username: str | None = None,
) -> Operator:
    partner = make_partner(session, partner_type=PartnerType.charging_operator, location=point)
    party = parties.register_party(session, Actor.system(), partner, "CN", party_id)
    org = session.get(Organisation, partner.organisation_id)
    user = make_user(session, role=Role.partner_admin, organisation=org, username=username)
    return Operator(partner, party, user)


def connector_doc(
    connector_id: str = "1",
    *,
    standard: str = "GBT_DC",
    power_type: str = "DC",
    volts: int = 750,
    amps: int = 250,
    watts: int | None = 120_000,
    tariff_ids: list[str] | None = None,
    at: datetime = NOW,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": connector_id,
        "standard": standard,
        "format": "CABLE",
        "power_type": power_type,
        "max_voltage": volts,
        "max_amperage": amps,
        "tariff_ids": tariff_ids if tariff_ids is not None else ["DC-STD"],
        "last_updated": stamp(at),
    }
    if watts is not None:
        doc["max_electric_power"] = watts
    return doc


def dc_evse(
    uid: str, *, status: str = "AVAILABLE", kw: int = 120, at: datetime = NOW, party: str = "TLD"
) -> dict[str, Any]:
    return {
        "uid": uid,
        "evse_id": f"CN*{party}*E{uid.replace('-', '')}",
        "status": status,
        "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER"],
        "connectors": [connector_doc(watts=kw * 1000, at=at)],
        "floor_level": "B1",
        "physical_reference": uid[-4:],
        "last_updated": stamp(at),
    }


def ac_evse(
    uid: str, *, status: str = "AVAILABLE", at: datetime = NOW, party: str = "TLD"
) -> dict[str, Any]:
    return {
        "uid": uid,
        "evse_id": f"CN*{party}*E{uid.replace('-', '')}",
        "status": status,
        "connectors": [
            connector_doc(
                standard="GBT_AC",
                power_type="AC_1_PHASE",
                volts=220,
                amps=32,
                watts=7000,
                tariff_ids=["AC-STD"],
                at=at,
            )
        ],
        "last_updated": stamp(at),
    }


def location_doc(
    ocpi_id: str = "SH-XH-0001",
    *,
    party: str = "TLD",
    lat: float = XUHUI[0],
    lng: float = XUHUI[1],
    evses: list[dict[str, Any]] | None = None,
    at: datetime = NOW,
    name: str = "徐汇虹漕路充电站",
    publish: bool = True,
) -> dict[str, Any]:
    return {
        "country_code": "CN",
        "party_id": party,
        "id": ocpi_id,
        "publish": publish,
        "name": name,
        "address": "虹漕路461号",
        "city": "上海市",
        "postal_code": "200233",
        "state": "上海市",
        "country": "CHN",
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lng:.6f}"},
        "parking_type": "PARKING_LOT",
        "evses": evses
        if evses is not None
        else [
            dc_evse(f"{ocpi_id}-1", at=at, party=party),
            ac_evse(f"{ocpi_id}-2", at=at, party=party),
        ],
        "directions": [{"language": "zh", "text": "园区东门进入，地面停车场"}],
        "operator": {"name": "示例充电服务有限公司", "website": "https://charge.example.cn"},
        "facilities": ["PARKING_LOT", "CAFE"],
        "time_zone": "Asia/Shanghai",
        "opening_times": {"twentyfourseven": True},
        "charging_when_closed": True,
        "last_updated": stamp(at),
    }


def tariff_doc(
    tariff_id: str = "DC-STD",
    *,
    party: str = "TLD",
    energy: Any = "1.15",
    at: datetime = NOW,
    elements: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "country_code": "CN",
        "party_id": party,
        "id": tariff_id,
        "currency": "CNY",
        "type": "REGULAR",
        "tariff_alt_text": [
            {"language": "zh", "text": f"电费+服务费 {energy} 元/度"},
            {"language": "en", "text": f"{energy} CNY per kWh, electricity and service"},
        ],
        "elements": elements
        or [
            {
                "price_components": [
                    {"type": "ENERGY", "price": energy, "vat": 13, "step_size": 1},
                    {"type": "PARKING_TIME", "price": 5, "step_size": 900},
                ]
            }
        ],
        "last_updated": stamp(at),
    }


def later(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)
