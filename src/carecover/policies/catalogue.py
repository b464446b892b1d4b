"""Insurance products and the demo tariff, as data.

The tariff is a transparent illustration, not an actuarial rate: every line of a quote says how
its premium was computed. Amounts are integer fen; rates are Decimal and results round half up to
the fen. Compulsory-insurance limits follow the 2020 reform (200,000 CNY per accident: 180,000
death and disability, 18,000 medical, 2,000 property damage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from carecover.policies.enums import Coverage, PolicyKind
from carecover.vehicles.enums import Powertrain, Usage

C = Coverage
YUAN = 100


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    kind: PolicyKind
    nev_only: bool
    """True: only for NEVs; False: only for non-NEVs; compulsory products take every vehicle."""
    allowed: frozenset[Coverage]
    required: frozenset[Coverage]


PRODUCTS: dict[str, Product] = {
    p.code: p
    for p in (
        Product(
            "CTPL_2020",
            PolicyKind.compulsory,
            nev_only=False,
            allowed=frozenset({C.compulsory_liability}),
            required=frozenset({C.compulsory_liability}),
        ),
        Product(
            "COMM_2020",
            PolicyKind.commercial,
            nev_only=False,
            allowed=frozenset(
                {
                    C.vehicle_damage,
                    C.third_party_liability,
                    C.driver_seat,
                    C.passenger_seat,
                    C.medical_outside_insurance,
                    C.body_scratch,
                    C.repair_period_compensation,
                    C.holiday_limit_double,
                }
            ),
            required=frozenset(),
        ),
        Product(
            "NEV_COMM_2021",
            PolicyKind.commercial,
            nev_only=True,
            allowed=frozenset(
                {
                    C.vehicle_damage,
                    C.third_party_liability,
                    C.driver_seat,
                    C.passenger_seat,
                    C.medical_outside_insurance,
                    C.body_scratch,
                    C.nev_external_grid_fault,
                    C.nev_charging_pile_loss,
                    C.nev_charging_pile_liability,
                }
            ),
            required=frozenset(),
        ),
    )
}

COMPULSORY_LIMIT_FEN = 200_000 * YUAN
COMPULSORY_BASE_FEN = {Usage.private: 950 * YUAN, Usage.ride_hailing: 1_800 * YUAN}
COMPULSORY_OTHER_FEN = 1_100 * YUAN
THIRD_PARTY_FEN = {  # limit → premium, private cars
    500_000 * YUAN: 900 * YUAN,
    1_000_000 * YUAN: 1_100 * YUAN,
    1_500_000 * YUAN: 1_200 * YUAN,
    2_000_000 * YUAN: 1_300 * YUAN,
    3_000_000 * YUAN: 1_450 * YUAN,
    5_000_000 * YUAN: 1_650 * YUAN,
}
USAGE_FACTOR = {
    Usage.private: Decimal("1.0"),
    Usage.ride_hailing: Decimal("1.8"),
    Usage.fleet: Decimal("1.2"),
    Usage.rental: Decimal("1.5"),
}
MONTHLY_DEPRECIATION = Decimal("0.006")  # private cars: 0.6% of the new price per month
MAX_DEPRECIATION = Decimal("0.8")
DAMAGE_BASE_FEN = 600 * YUAN
DAMAGE_RATE = {False: Decimal("0.012"), True: Decimal("0.015")}  # NEV: battery, motor, e-control
SEAT_RATE = {C.driver_seat: Decimal("0.003"), C.passenger_seat: Decimal("0.002")}
RIDER_FIXED_FEN = {
    C.medical_outside_insurance: 150 * YUAN,
    C.body_scratch: 400 * YUAN,
    C.repair_period_compensation: 300 * YUAN,
    C.holiday_limit_double: 80 * YUAN,
    C.nev_external_grid_fault: 60 * YUAN,
    C.nev_charging_pile_loss: 120 * YUAN,
    C.nev_charging_pile_liability: 100 * YUAN,
}
DEDUCTIBLE_DISCOUNT = {
    0: Decimal("1.0"),
    30_000: Decimal("0.9"),
    50_000: Decimal("0.85"),
    100_000: Decimal("0.8"),
}
"""Absolute deductible on vehicle damage (fen) → premium factor."""


def fen(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def actual_value_fen(purchase_price_fen: int, purchase_date: date | None, on: date) -> int:
    """The vehicle's actual value for vehicle-damage cover: new price less monthly depreciation."""
    if purchase_date is None:
        return purchase_price_fen
    months = max(0, (on.year - purchase_date.year) * 12 + on.month - purchase_date.month)
    depreciation = min(MAX_DEPRECIATION, MONTHLY_DEPRECIATION * months)
    return fen(Decimal(purchase_price_fen) * (1 - depreciation))


def product_fits(product: Product, powertrain: Powertrain) -> bool:
    if product.kind is PolicyKind.compulsory:
        return True
    return product.nev_only == powertrain.is_nev
