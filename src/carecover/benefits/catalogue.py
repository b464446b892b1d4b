"""The packages CareCover sells or bundles, as data (MISSION.md B3, D1, D7–D9, E1).

A package is a list of items: a service, a quota over a period, and rules (distance caps,
discounts). Market prices are what a service costs without an entitlement; packages that sell at a
discount say so. Prices are integer fen. Changing a package means adding a new code: grants keep
the code they were issued under.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carecover.benefits.enums import Audience, QuotaPeriod, ServiceType

S = ServiceType
P = QuotaPeriod


@dataclass(frozen=True, slots=True)
class PackageItem:
    service: ServiceType
    quota: int | None
    """Uses per period; None means unlimited within the validity."""
    period: QuotaPeriod
    rules: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PackageDefinition:
    code: str
    audience: Audience
    validity_months: int
    items: tuple[PackageItem, ...]
    price_fen: int = 0
    """What the customer pays for the package (0 when bundled with a policy)."""

    def item_for(self, service: ServiceType) -> PackageItem | None:
        return next((i for i in self.items if i.service is service), None)


MARKET_PRICE_FEN: dict[ServiceType, int] = {
    S.tow: 30_000,
    S.jump_start: 15_000,
    S.tyre_change: 12_000,
    S.emergency_charging: 25_000,
    S.lockout: 20_000,
    S.replacement_car: 25_000,
    S.designated_driver: 8_000,
    S.car_wash: 4_000,
    S.basic_maintenance: 60_000,
    S.parking_voucher: 2_000,
    S.battery_health_check: 20_000,
    S.inspection: 50_000,
    S.plate_registration: 30_000,
    S.extended_warranty: 300_000,
    S.tyre_replacement: 80_000,
    S.priority_repair: 0,
    S.green_channel: 0,
    S.income_loss_cover: 0,
    S.oem_parts_discount: 0,
    S.battery_warranty: 0,
}
"""Reference market prices (fen) for paid use; per use, per day for a replacement car."""

PACKAGES: dict[str, PackageDefinition] = {
    p.code: p
    for p in (
        PackageDefinition(
            "FUEL_CARE_2026",
            Audience.fuel,
            12,
            (
                PackageItem(S.basic_maintenance, 1, P.year),
                PackageItem(S.priority_repair, None, P.term),
                PackageItem(S.tow, 1, P.incident, {"max_km": 50}),
                PackageItem(S.jump_start, 2, P.year),
                PackageItem(S.tyre_change, 2, P.year),
                PackageItem(S.car_wash, 2, P.month),
            ),
        ),
        PackageDefinition(
            "NEV_CARE_2026",
            Audience.nev,
            12,
            (
                PackageItem(S.battery_health_check, 1, P.month),
                PackageItem(S.green_channel, None, P.term),
                PackageItem(S.tow, 1, P.incident, {"max_km": 100, "flatbed": True}),
                PackageItem(S.emergency_charging, 3, P.year),
                PackageItem(S.car_wash, 2, P.month),
            ),
        ),
        PackageDefinition(
            "NEW_CAR_2026",
            Audience.new_car,
            12,
            (
                PackageItem(S.basic_maintenance, 1, P.term),
                PackageItem(S.oem_parts_discount, None, P.term, {"discount_percent": 10}),
                PackageItem(S.plate_registration, 1, P.term),
            ),
        ),
        PackageDefinition(
            "USED_CAR_2026",
            Audience.used_car,
            12,
            (
                PackageItem(
                    S.inspection, 1, P.term, {"refund_if": ["major_accident", "flood_damage"]}
                ),
                PackageItem(S.extended_warranty, 1, P.term, {"months": 12}),
            ),
        ),
        PackageDefinition(
            "RIDE_HAILING_2026",
            Audience.ride_hailing,
            12,
            (
                PackageItem(S.priority_repair, None, P.term),
                PackageItem(S.tyre_replacement, 2, P.year),
                PackageItem(
                    S.income_loss_cover,
                    1,
                    P.incident,
                    {"percent_of_daily_income": 80, "max_days": 10},
                ),
                PackageItem(S.tow, 1, P.incident, {"max_km": 50}),
            ),
        ),
        PackageDefinition(
            "WASH_MONTHLY_2026",
            Audience.fuel,
            12,
            (PackageItem(S.car_wash, 4, P.month),),
            # 4 washes a month for 12 months, 15% below the market price of 48 washes.
            price_fen=MARKET_PRICE_FEN[S.car_wash] * 48 * 85 // 100,
        ),
        PackageDefinition(
            "OEM_BUNDLE_2026",
            Audience.oem,
            36,
            (
                PackageItem(S.basic_maintenance, 2, P.year),
                PackageItem(S.battery_warranty, None, P.term, {"lifetime": True}),
                PackageItem(S.tow, 1, P.incident, {"max_km": 100}),
            ),
        ),
    )
}


def package(code: str) -> PackageDefinition:
    try:
        return PACKAGES[code]
    except KeyError:
        raise LookupError(f"unknown package {code!r}") from None
