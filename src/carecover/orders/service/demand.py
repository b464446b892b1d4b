"""Synthetic rescue demand and a demo fleet for a city-day, seeded and reproducible.

Breakdowns arrive as a Poisson process whose rate follows :data:`DEFAULT_HOURLY_PROFILE` (Beijing
hours): low at night, a morning and an evening peak with the commute traffic, a flat working day.
Each call draws a service from :data:`DEFAULT_MIX` and an electric or fuel car; a tow also draws
the repair shop it goes to. Locations cluster around the city centre (a 2-D normal with σ = half
the radius, cut at the radius), as built-up areas and traffic do.

The profile and mix are planning assumptions of this project, shaped after what roadside
operators publish in outline (breakdowns follow traffic volume; tows, flat batteries and tyres
are the bulk of call-outs); replace them with the platform's own order history when there is one.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import kinds_for
from carecover.orders.enums import UnitKind
from carecover.orders.service.fleet_index import UnitSnapshot
from carecover.orders.service.matching import DispatchRequest
from carecover.orders.service.travel import BEIJING
from carecover.platform.geo import DEFAULT_TIER, EARTH_RADIUS_KM, city_by_adcode

DEFAULT_HOURLY_PROFILE: tuple[float, ...] = (
    # 00    01    02    03    04    05    06    07    08    09    10    11
    0.012, 0.009, 0.007, 0.006, 0.007, 0.012, 0.028, 0.062, 0.075, 0.062, 0.055, 0.054,
    # 12    13    14    15    16    17    18    19    20    21    22    23
    0.052, 0.052, 0.053, 0.055, 0.063, 0.074, 0.078, 0.064, 0.044, 0.034, 0.024, 0.018,
)  # fmt: skip
"""Share of a day's calls in each Beijing hour (sums to 1)."""

DEFAULT_MIX: dict[ServiceType, float] = {
    ServiceType.tow: 0.38,
    ServiceType.jump_start: 0.22,
    ServiceType.tyre_change: 0.18,
    ServiceType.lockout: 0.08,
    ServiceType.emergency_charging: 0.14,
}
"""Service shares of rescue calls (emergency charging: electric cars only)."""

ELECTRIC_SHARE = 0.25
"""Share of electric cars among the other calls (their tows go on flatbeds)."""

RATE_CARDS: dict[UnitKind, tuple[int, int]] = {
    UnitKind.flatbed: (25_000, 1_200),
    UnitKind.wheel_lift: (20_000, 1_000),
    UnitKind.service_van: (12_000, 500),
    UnitKind.mobile_charger: (20_000, 600),
    UnitKind.designated_driver: (5_000, 300),
}
"""Demo rate cards (call-out fee, per road km) in fen: a flatbed call-out 250 yuan + 12 yuan/km."""


@dataclass(frozen=True, slots=True)
class RescueCall:
    """One simulated breakdown: the dispatch request and what the job involves."""

    request: DispatchRequest
    service: ServiceType
    electric: bool
    dropoff: tuple[float, float] | None = None
    """Where a tow takes the car (a repair shop); None for on-site services."""


def _offset(lat: float, lng: float, km_north: float, km_east: float) -> tuple[float, float]:
    """A point ``km_north``/``km_east`` from (lat, lng) (flat-Earth, fine within a city)."""
    dlat = math.degrees(km_north / EARTH_RADIUS_KM)
    dlng = math.degrees(km_east / (EARTH_RADIUS_KM * math.cos(math.radians(lat))))
    return lat + dlat, lng + dlng


def _points(
    rng: np.random.Generator, n: int, centre: tuple[float, float], radius_km: float
) -> list[tuple[float, float]]:
    """``n`` points around ``centre``: a normal of σ = radius/2, redrawn outside the radius."""
    out: list[tuple[float, float]] = []
    while len(out) < n:
        xy = rng.normal(0.0, radius_km / 2, size=(2 * (n - len(out)) + 8, 2))
        for north, east in xy[np.hypot(xy[:, 0], xy[:, 1]) <= radius_km].tolist():
            out.append(_offset(centre[0], centre[1], north, east))
            if len(out) == n:
                break
    return out


def _tier(city_adcode: str, tier: int | None) -> int:
    if tier is not None:
        return tier
    city = city_by_adcode(city_adcode)
    return city.tier if city is not None else DEFAULT_TIER


def poisson_day(
    *,
    city_adcode: str,
    centre: tuple[float, float],
    radius_km: float,
    daily_total: float,
    seed: int,
    day: date,
    profile: tuple[float, ...] = DEFAULT_HOURLY_PROFILE,
    mix: Mapping[ServiceType, float] = DEFAULT_MIX,
    electric_share: float = ELECTRIC_SHARE,
    premium_share: float = 0.05,
    tier: int | None = None,
    tow_km: tuple[float, float] = (3.0, 12.0),
) -> list[RescueCall]:
    """A day (Beijing time) of rescue calls in a city, in time order; the same for a seed.

    ``daily_total`` is the expected number of calls; each hour's count is Poisson with mean
    ``daily_total × profile[h] / sum(profile)``, spread uniformly over the hour. A tow's shop
    lies ``tow_km`` (uniform range, straight line) from the breakdown in a random direction.
    """
    if len(profile) != 24 or min(profile) < 0 or sum(profile) <= 0:
        raise ValueError("profile must be 24 non-negative hourly weights, not all zero")
    if daily_total < 0 or radius_km <= 0:
        raise ValueError("daily_total must not be negative and radius_km must be positive")
    if not mix or min(mix.values()) < 0 or sum(mix.values()) <= 0:
        raise ValueError("mix must give each service a non-negative weight, not all zero")
    rng = np.random.default_rng(seed)
    city_tier = _tier(city_adcode, tier)
    start = datetime.combine(day, time(0), tzinfo=BEIJING).astimezone(UTC)
    weights = np.asarray(profile, np.float64) / sum(profile)
    counts = rng.poisson(daily_total * weights)
    offsets = np.concatenate(
        [h * 3600.0 + rng.uniform(0.0, 3600.0, size=c) for h, c in enumerate(counts.tolist())]
    )
    offsets.sort()
    n = len(offsets)
    services = list(mix)
    p = np.asarray([mix[s] for s in services], np.float64)
    picks = rng.choice(len(services), size=n, p=p / p.sum())
    electric = rng.random(n) < electric_share
    premium = rng.random(n) < premium_share
    places = _points(rng, n, centre, radius_km)
    shop_km = rng.uniform(tow_km[0], tow_km[1], size=n)
    shop_dir = rng.uniform(0.0, 2 * math.pi, size=n)
    ids = rng.bytes(16 * n)
    calls: list[RescueCall] = []
    for i in range(n):
        service = services[int(picks[i])]
        is_electric = bool(electric[i]) or service is ServiceType.emergency_charging
        lat, lng = places[i]
        dropoff = None
        if service is ServiceType.tow:
            angle = float(shop_dir[i])
            dropoff = _offset(
                lat, lng, float(shop_km[i]) * math.cos(angle), float(shop_km[i]) * math.sin(angle)
            )
        request = DispatchRequest(
            id=uuid.UUID(bytes=ids[16 * i : 16 * i + 16], version=4),
            lat=lat,
            lng=lng,
            kinds=kinds_for(service, electric=is_electric),
            tier=city_tier,
            at=start + timedelta(seconds=float(offsets[i])),
            city_adcode=city_adcode,
            premium=bool(premium[i]),
        )
        calls.append(RescueCall(request, service, is_electric, dropoff))
    return calls


def demo_fleet(
    *,
    city_adcode: str,
    centre: tuple[float, float],
    radius_km: float,
    counts: Mapping[UnitKind, int],
    seed: int,
    at: datetime,
    partners: int = 8,
) -> list[UnitSnapshot]:
    """A seeded fleet spread like the demand, from ``partners`` partners with demo rate cards
    (:data:`RATE_CARDS`) and ratings between 3.5 and 5 stars; every position reported at ``at``."""
    rng = np.random.default_rng(seed)
    partner_ids = [uuid.UUID(bytes=rng.bytes(16), version=4) for _ in range(max(1, partners))]
    ratings = rng.uniform(3.5, 5.0, size=len(partner_ids)).round(1).tolist()
    fleet: list[UnitSnapshot] = []
    for kind in sorted(counts):
        n = counts[kind]
        base, per_km = RATE_CARDS[kind]
        for lat, lng in _points(rng, n, centre, radius_km):
            p = int(rng.integers(len(partner_ids)))
            fleet.append(
                UnitSnapshot(
                    id=uuid.UUID(bytes=rng.bytes(16), version=4),
                    kind=kind,
                    lat=lat,
                    lng=lng,
                    partner_id=partner_ids[p],
                    rating=ratings[p],
                    base_fen=base,
                    per_km_fen=per_km,
                    position_at=at,
                    city_adcode=city_adcode,
                )
            )
    return fleet
