"""OCPI Tariffs: PUT by their operator, kept in integer fen, and the price in force now.

OCPI prices are decimals (1.25 CNY per kWh); they are converted with ``Decimal`` — exactly — and
a price that is not a whole number of fen (0.855) is refused rather than rounded, since any
rounding would bill the owner a different amount than the operator published.

The price "now" follows OCPI's reading of a tariff: for each dimension (ENERGY, FLAT, TIME,
PARKING_TIME) the first element whose time-of-day, weekday and date restrictions hold at that
moment, in the location's time zone (peak and valley rates, 峰谷电价). Restrictions that depend on
the session (kWh, power, duration) and reservation elements do not apply to a price shown before
charging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from carecover.charging import permissions, repository
from carecover.charging.enums import TariffDimensionType
from carecover.charging.errors import StaleUpdate
from carecover.charging.models import Tariff
from carecover.charging.schemas import Price, TariffIn
from carecover.charging.service.validation import (
    not_future,
    raise_if,
    same_key,
    to_fen,
    validate,
)
from carecover.platform import audit
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem

CURRENCY = "CNY"
"""Fen are CNY's minor unit; the registry keeps no other currency."""
_NUMERIC = ("min_kwh", "max_kwh", "min_current", "max_current", "min_power", "max_power")
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _price(price: Price | None, where: str, problems: list[FieldProblem]) -> dict[str, int] | None:
    if price is None:
        return None
    out = {"excl_vat_fen": to_fen(price.excl_vat, f"{where}.excl_vat", problems)}
    if price.incl_vat is not None:
        out["incl_vat_fen"] = to_fen(price.incl_vat, f"{where}.incl_vat", problems)
    return out


def _elements(body: TariffIn, problems: list[FieldProblem]) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    for i, element in enumerate(body.elements):
        components = [
            {
                "type": pc.type.value,
                "price_fen": to_fen(pc.price, f"elements.{i}.price_components.{j}.price", problems),
                "vat": format(pc.vat, "f") if pc.vat is not None else None,
                "step_size": pc.step_size,
            }
            for j, pc in enumerate(element.price_components)
        ]
        restrictions = None
        if element.restrictions is not None:
            restrictions = element.restrictions.model_dump(mode="json", exclude_none=True)
            for key in _NUMERIC:
                if key in restrictions:
                    restrictions[key] = float(restrictions[key])
        elements.append({"price_components": components, "restrictions": restrictions})
    return elements


def upsert_tariff(
    session: Session,
    actor: Actor,
    country_code: str,
    party_id: str,
    tariff_id: str,
    data: TariffIn | dict[str, Any],
    *,
    now: datetime | None = None,
) -> tuple[Tariff, bool]:
    """PUT an OCPI Tariff of the caller's party; returns it and whether it was new."""
    now = now or utc_now()
    body = validate(TariffIn, data)
    problems: list[FieldProblem] = []
    same_key(
        (body.country_code, body.party_id, body.id), (country_code, party_id, tariff_id), problems
    )
    not_future(body.last_updated, now, "last_updated", problems)
    if body.currency != CURRENCY:
        problems.append(FieldProblem("currency", "charging.ocpi.currency_cny"))
    elements = _elements(body, problems)
    min_price = _price(body.min_price, "min_price", problems)
    max_price = _price(body.max_price, "max_price", problems)
    if body.start_date_time and body.end_date_time and body.end_date_time <= body.start_date_time:
        problems.append(FieldProblem("end_date_time", "charging.ocpi.period"))
    raise_if(problems)
    party = permissions.party_for_writer(session, actor, country_code, party_id)
    tariff = repository.tariff_by_key(session, party.country_code, party.party_id, body.id)
    if tariff is not None and body.last_updated < tariff.last_updated:
        raise StaleUpdate(tariff.last_updated, body.last_updated)
    created = tariff is None
    if tariff is None:
        tariff = Tariff(country_code=party.country_code, party_id=party.party_id, ocpi_id=body.id)
        session.add(tariff)
    tariff.currency = body.currency
    tariff.tariff_type = body.type.value if body.type else None
    tariff.min_price_fen = min_price["excl_vat_fen"] if min_price else None
    tariff.max_price_fen = max_price["excl_vat_fen"] if max_price else None
    tariff.elements = elements
    tariff.details = {
        k: v
        for k, v in {
            **body.model_dump(
                mode="json", include={"tariff_alt_text", "tariff_alt_url", "energy_mix"}
            ),
            "min_price": min_price,
            "max_price": max_price,
        }.items()
        if v is not None
    }
    tariff.start_date_time = body.start_date_time
    tariff.end_date_time = body.end_date_time
    tariff.last_updated = body.last_updated
    session.flush()
    audit.record(
        session,
        actor,
        "charging.tariff_put",
        object_type="charging_tariff",
        object_id=tariff.id,
        details={"ocpi": f"{party.country_code}*{party.party_id}*{body.id}", "created": created},
    )
    return tariff, created


@dataclass(frozen=True, slots=True)
class TariffSummary:
    """What charging costs at a moment: fen per kWh, per session, per hour (None: not charged)."""

    tariff_id: str
    currency: str
    energy_fen_per_kwh: int | None
    flat_fen: int | None
    time_fen_per_hour: int | None
    parking_fen_per_hour: int | None
    alt_text: dict[str, str]
    """tariff_alt_text by language."""


def _holds(restrictions: dict[str, Any] | None, local: datetime) -> bool:
    if not restrictions:
        return True
    if "reservation" in restrictions:
        return False
    clock = local.strftime("%H:%M")
    start, end = restrictions.get("start_time"), restrictions.get("end_time")
    if start is not None or end is not None:
        start, end = start or "00:00", end or "00:00"
        if end == "00:00":
            inside = clock >= start
        elif start <= end:
            inside = start <= clock < end
        else:  # wraps past midnight
            inside = clock >= start or clock < end
        if not inside:
            return False
    today = local.date().isoformat()
    if "start_date" in restrictions and today < restrictions["start_date"]:
        return False
    if "end_date" in restrictions and today >= restrictions["end_date"]:
        return False
    days = restrictions.get("day_of_week")
    return not days or _WEEKDAYS[local.weekday()] in days


def in_force(tariff: Tariff, at: datetime) -> bool:
    return (tariff.start_date_time is None or tariff.start_date_time <= at) and (
        tariff.end_date_time is None or at < tariff.end_date_time
    )


def price_at(tariff: Tariff, at: datetime, time_zone: str) -> TariffSummary:
    """The tariff's price per dimension at ``at`` (see the module docstring)."""
    local = at.astimezone(ZoneInfo(time_zone))
    found: dict[str, int] = {}
    for element in tariff.elements:
        if not _holds(element.get("restrictions"), local):
            continue
        for component in element["price_components"]:
            found.setdefault(component["type"], int(component["price_fen"]))
    texts = {t["language"]: t["text"] for t in tariff.details.get("tariff_alt_text") or []}
    return TariffSummary(
        tariff_id=tariff.ocpi_id,
        currency=tariff.currency,
        energy_fen_per_kwh=found.get(TariffDimensionType.ENERGY.value),
        flat_fen=found.get(TariffDimensionType.FLAT.value),
        time_fen_per_hour=found.get(TariffDimensionType.TIME.value),
        parking_fen_per_hour=found.get(TariffDimensionType.PARKING_TIME.value),
        alt_text=texts,
    )
