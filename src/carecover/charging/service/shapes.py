"""Stored registry rows back as OCPI 2.2.1 JSON objects (what a GET returns, what a round trip
compares): field names as OCPI has them, coordinates as strings, prices as decimals of CNY."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from carecover.charging import repository
from carecover.charging.errors import ocpi_timestamp
from carecover.charging.models import ChargingLocation, Connector, Evse, Tariff


def degrees(value: float) -> str:
    """OCPI's form of a coordinate: 5 to 7 decimals (as few as the value needs, at least 5)."""
    whole, _, fraction = f"{value:.7f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(5, '0')}"


def _coord(lat: float, lng: float) -> dict[str, str]:
    return {"latitude": degrees(lat), "longitude": degrees(lng)}


def _time(at: datetime) -> str:
    return ocpi_timestamp(at)


def yuan(fen: int) -> float:
    """Integer fen as the decimal CNY amount OCPI carries (a JSON number)."""
    return float(Decimal(fen) / 100)


def connector_json(row: Connector) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.connector_id,
        "standard": row.standard.value,
        "format": row.format.value,
        "power_type": row.power_type.value,
        "max_voltage": row.max_voltage,
        "max_amperage": row.max_amperage,
    }
    if row.max_electric_power is not None:
        out["max_electric_power"] = row.max_electric_power
    if row.tariff_ids:
        out["tariff_ids"] = list(row.tariff_ids)
    if row.terms_and_conditions:
        out["terms_and_conditions"] = row.terms_and_conditions
    out["last_updated"] = _time(row.last_updated)
    return out


def evse_json(evse: Evse, connectors: list[Connector]) -> dict[str, Any]:
    out: dict[str, Any] = {"uid": evse.uid}
    if evse.evse_id:
        out["evse_id"] = evse.evse_id
    out["status"] = evse.status.value
    if evse.details.get("status_schedule"):
        out["status_schedule"] = evse.details["status_schedule"]
    if evse.capabilities:
        out["capabilities"] = list(evse.capabilities)
    out["connectors"] = [connector_json(c) for c in connectors]
    if evse.floor_level is not None:
        out["floor_level"] = evse.floor_level
    if evse.lat is not None and evse.lng is not None:
        out["coordinates"] = _coord(evse.lat, evse.lng)
    if evse.physical_reference is not None:
        out["physical_reference"] = evse.physical_reference
    for key in ("directions", "parking_restrictions", "images"):
        if evse.details.get(key):
            out[key] = evse.details[key]
    out["last_updated"] = _time(evse.last_updated)
    return out


def location_json(session: Session, location: ChargingLocation) -> dict[str, Any]:
    evses = repository.evses_of(session, location.id)
    connectors = repository.connectors_of(session, [e.id for e in evses])
    details = location.details or {}
    out: dict[str, Any] = {
        "country_code": location.country_code,
        "party_id": location.party_id,
        "id": location.ocpi_id,
        "publish": location.publish,
    }
    if details.get("publish_allowed_to"):
        out["publish_allowed_to"] = details["publish_allowed_to"]
    for key in ("name", "address", "city", "postal_code", "state", "country"):
        value = getattr(location, key)
        if value is not None:
            out[key] = value
    out["coordinates"] = _coord(location.lat, location.lng)
    if details.get("related_locations"):
        out["related_locations"] = details["related_locations"]
    if location.parking_type:
        out["parking_type"] = location.parking_type
    out["evses"] = [evse_json(e, connectors.get(e.id, [])) for e in evses]
    for key in ("directions", "operator", "suboperator", "owner", "facilities"):
        if details.get(key):
            out[key] = details[key]
    out["time_zone"] = location.time_zone
    if location.opening_times is not None:
        out["opening_times"] = location.opening_times
    if location.charging_when_closed is not None:
        out["charging_when_closed"] = location.charging_when_closed
    for key in ("images", "energy_mix"):
        if details.get(key):
            out[key] = details[key]
    out["last_updated"] = _time(location.last_updated)
    return out


def _price_json(stored: dict[str, int] | None) -> dict[str, float] | None:
    if not stored:
        return None
    out = {"excl_vat": yuan(stored["excl_vat_fen"])}
    if "incl_vat_fen" in stored:
        out["incl_vat"] = yuan(stored["incl_vat_fen"])
    return out


def tariff_json(tariff: Tariff) -> dict[str, Any]:
    out: dict[str, Any] = {
        "country_code": tariff.country_code,
        "party_id": tariff.party_id,
        "id": tariff.ocpi_id,
        "currency": tariff.currency,
    }
    if tariff.tariff_type:
        out["type"] = tariff.tariff_type
    for key in ("tariff_alt_text", "tariff_alt_url"):
        if tariff.details.get(key):
            out[key] = tariff.details[key]
    for key in ("min_price", "max_price"):
        price = _price_json(tariff.details.get(key))
        if price is not None:
            out[key] = price
    out["elements"] = [
        {
            "price_components": [
                {
                    "type": pc["type"],
                    "price": yuan(pc["price_fen"]),
                    **({"vat": float(Decimal(pc["vat"]))} if pc.get("vat") is not None else {}),
                    "step_size": pc["step_size"],
                }
                for pc in element["price_components"]
            ],
            **({"restrictions": element["restrictions"]} if element.get("restrictions") else {}),
        }
        for element in tariff.elements
    ]
    if tariff.start_date_time:
        out["start_date_time"] = _time(tariff.start_date_time)
    if tariff.end_date_time:
        out["end_date_time"] = _time(tariff.end_date_time)
    if tariff.details.get("energy_mix"):
        out["energy_mix"] = tariff.details["energy_mix"]
    out["last_updated"] = _time(tariff.last_updated)
    return out
