"""Tariffs: OCPI decimals become integer fen exactly (no float ever rounds them), a price that is
not a whole number of fen is refused, CNY only, ordered by last_updated; the price shown now
follows the peak and valley elements in the location's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.charging.errors import OcpiInvalid, StaleUpdate
from carecover.charging.models import Tariff
from carecover.charging.service import shapes
from carecover.charging.service.tariffs import price_at, upsert_tariff
from carecover.charging.service.validation import parse_json
from tests.charging.builders import later, make_operator, stamp


def wire(text: str) -> Any:
    """A body as it arrives: JSON text, numbers as the operator wrote them."""
    return parse_json(text.encode())


def tariff_json(energy: str, parking: str = "5", flat: str = "0.5") -> str:
    return f"""{{
      "country_code": "CN", "party_id": "TLD", "id": "DC-STD", "currency": "CNY",
      "type": "REGULAR",
      "tariff_alt_text": [{{"language": "zh", "text": "电费+服务费"}}],
      "min_price": {{"excl_vat": 0.29, "incl_vat": 0.33}},
      "elements": [{{"price_components": [
        {{"type": "ENERGY", "price": {energy}, "vat": 13.0, "step_size": 1}},
        {{"type": "FLAT", "price": {flat}, "step_size": 1}},
        {{"type": "PARKING_TIME", "price": {parking}, "step_size": 900}}
      ]}}],
      "last_updated": "2026-12-07T08:00:00Z"
    }}"""


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1.15", 115),  # 1.15 * 100 in binary floating point is 114.99999999999999
        ("0.29", 29),  # ... and 0.29 * 100 is 28.999999999999996
        ("1.10", 110),
        ("2", 200),
        ("0.8000", 80),
        ("1E+0", 100),
    ],
)
def test_decimal_prices_become_exact_fen(session: Session, text: str, fen: int) -> None:
    op = make_operator(session)
    tariff, created = upsert_tariff(
        session, op.actor, "CN", "TLD", "DC-STD", wire(tariff_json(text)), now=later(1)
    )
    assert created
    assert tariff.elements[0]["price_components"][0]["price_fen"] == fen
    assert [pc["price_fen"] for pc in tariff.elements[0]["price_components"][1:]] == [50, 500]
    assert tariff.min_price_fen == 29
    assert tariff.details["min_price"] == {"excl_vat_fen": 29, "incl_vat_fen": 33}
    back = shapes.tariff_json(tariff)
    assert Decimal(str(back["elements"][0]["price_components"][0]["price"])) * 100 == fen
    assert back["elements"][0]["price_components"][0]["vat"] == 13.0
    assert back["min_price"] == {"excl_vat": 0.29, "incl_vat": 0.33}


@pytest.mark.parametrize("text", ["0.855", "1.154", "0.001", "1.15000001"])
def test_a_price_with_a_fraction_of_a_fen_is_refused(session: Session, text: str) -> None:
    op = make_operator(session)
    with pytest.raises(OcpiInvalid) as refused:
        upsert_tariff(
            session, op.actor, "CN", "TLD", "DC-STD", wire(tariff_json(text)), now=later(1)
        )
    [problem] = refused.value.problems
    assert problem.field == "elements.0.price_components.0.price"
    assert problem.code == "charging.ocpi.fractional_fen"
    assert problem.params == {"value": text}
    assert session.scalar(select(func.count()).select_from(Tariff)) == 0


def test_negative_prices_and_other_currencies_are_refused(session: Session) -> None:
    op = make_operator(session)
    doc = wire(tariff_json("-1.00", parking="5.005"))
    doc["currency"] = "EUR"
    with pytest.raises(OcpiInvalid) as refused:
        upsert_tariff(session, op.actor, "CN", "TLD", "DC-STD", doc, now=later(1))
    assert {(p.field, p.code) for p in refused.value.problems} == {
        ("currency", "charging.ocpi.currency_cny"),
        ("elements.0.price_components.0.price", "charging.ocpi.negative_price"),
        ("elements.0.price_components.2.price", "charging.ocpi.fractional_fen"),
    }


def test_an_older_tariff_never_replaces_a_newer_one(session: Session) -> None:
    op = make_operator(session)
    newer = wire(tariff_json("1.20"))
    newer["last_updated"] = stamp(later(30))
    upsert_tariff(session, op.actor, "CN", "TLD", "DC-STD", newer, now=later(31))
    with pytest.raises(StaleUpdate):
        upsert_tariff(
            session, op.actor, "CN", "TLD", "DC-STD", wire(tariff_json("0.90")), now=later(31)
        )
    stored = session.scalars(select(Tariff)).one()
    assert stored.elements[0]["price_components"][0]["price_fen"] == 120


PEAK_VALLEY = """{
  "country_code": "CN", "party_id": "TLD", "id": "TOU", "currency": "CNY",
  "elements": [
    {"price_components": [{"type": "ENERGY", "price": 1.45, "step_size": 1}],
     "restrictions": {"start_time": "08:00", "end_time": "22:00",
                      "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}},
    {"price_components": [{"type": "ENERGY", "price": 0.65, "step_size": 1}],
     "restrictions": {"start_time": "22:00", "end_time": "08:00"}},
    {"price_components": [{"type": "ENERGY", "price": 1.05, "step_size": 1},
                          {"type": "TIME", "price": 2.40, "step_size": 60}]}
  ],
  "last_updated": "2026-12-07T00:00:00Z"
}"""


@pytest.mark.parametrize(
    ("at", "energy"),
    [
        (datetime(2026, 12, 7, 2, 0, tzinfo=UTC), 145),  # Monday 10:00 in Shanghai: peak
        (datetime(2026, 12, 7, 15, 0, tzinfo=UTC), 65),  # Monday 23:00: valley, wraps midnight
        (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), 65),  # Tuesday 07:30: still the valley
        (datetime(2026, 12, 12, 4, 0, tzinfo=UTC), 105),  # Saturday noon: no weekday peak
    ],
)
def test_the_price_now_follows_peak_and_valley_hours(
    session: Session, at: datetime, energy: int
) -> None:
    op = make_operator(session)
    tariff, _ = upsert_tariff(
        session, op.actor, "CN", "TLD", "TOU", wire(PEAK_VALLEY), now=later(1)
    )
    summary = price_at(tariff, at, "Asia/Shanghai")
    assert summary.energy_fen_per_kwh == energy
    assert summary.time_fen_per_hour == 240  # only the last element has TIME: it applies
    assert summary.flat_fen is None
