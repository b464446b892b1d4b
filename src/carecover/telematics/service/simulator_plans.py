"""Where and when a simulated car goes: departure times by the local hour and the car's use,
destinations around its home, cruising speeds. Pure functions of a seeded generator."""

from __future__ import annotations

import math
import random

from carecover.telematics.service.simulator_readings import (
    KM_PER_DEG_LAT,
    LOCAL_OFFSET_S,
    km_between,
)

WORKING = ("ride_hailing", "fleet", "rental")


def local_hour(t: float) -> float:
    """The hour of day in China (UTC+8, no daylight saving) at epoch second ``t``."""
    return ((t + LOCAL_OFFSET_S) % 86_400.0) / 3600.0


def departure(rng: random.Random, t: float, usage: str, *, soon: bool = False) -> float:
    """When a car parked at ``t`` leaves again: private cars in the morning (later at weekends),
    then every couple of hours until the evening; working cars every few minutes by day, and
    ride-hailing cars on a thin night shift. ``soon``: a fault waits for a trip."""
    hour = local_hour(t)
    tomorrow = t + (24.0 - hour) * 3600.0
    if soon:
        return t + rng.uniform(300.0, 1200.0)
    if usage in WORKING:
        if 6.5 <= hour < 23.0:
            return t + rng.uniform(300.0, 2400.0)
        if usage == "ride_hailing":
            return t + rng.uniform(1800.0, 7200.0)  # the night shift: fewer fares
        return (tomorrow if hour >= 23.0 else t - hour * 3600.0) + rng.uniform(6.5, 7.5) * 3600
    weekday = int(((t + LOCAL_OFFSET_S) // 86_400 + 3) % 7) < 5  # 1970-01-01 was a Thursday
    morning = rng.uniform(7.0, 8.8) if weekday else rng.uniform(9.0, 11.0)
    if hour < morning - 0.5:
        return t + (morning - hour) * 3600.0
    wait = min(max(rng.expovariate(1 / 9000.0), 900.0), 6 * 3600.0)
    if hour + wait / 3600.0 < 22.5:
        return t + wait
    return tomorrow + morning * 3600.0


def offset(lat: float, lng: float, km: float, bearing_deg: float) -> tuple[float, float]:
    """The point ``km`` away on a bearing (flat-earth: fine within a city)."""
    rad = math.radians(bearing_deg)
    to_lat = lat + km * math.cos(rad) / KM_PER_DEG_LAT
    return to_lat, lng + km * math.sin(rad) / (KM_PER_DEG_LAT * math.cos(math.radians(to_lat)))


def destination(
    rng: random.Random,
    here: tuple[float, float],
    home: tuple[float, float],
    t: float,
    usage: str,
    *,
    stay_out: bool = False,
) -> tuple[float, float]:
    """Home in the evening (or now and then, or when far), else somewhere 2-12 km away (working
    cars up to 18 km). ``stay_out``: a fault needs a proper trip, not the last kilometre home."""
    away = km_between(*here, *home)
    homing = local_hour(t) >= 16.0 or rng.random() < 0.35 or away > 25.0
    if away > 1.0 and homing and not stay_out:
        return home[0] + rng.uniform(-0.002, 0.002), home[1] + rng.uniform(-0.002, 0.002)
    far = 18.0 if usage != "private" else 12.0
    return offset(*here, rng.uniform(2.0, far), rng.uniform(0.0, 360.0))


def cruise(rng: random.Random, *, highway: bool, aggressive: bool) -> float:
    """A target speed in m/s: 80-100 km/h on an expressway (more for a heavy foot), else urban."""
    if highway:
        kmh = rng.uniform(80.0, 100.0) + (rng.uniform(15.0, 30.0) if aggressive else 0.0)
    else:
        kmh = rng.uniform(30.0, 60.0)
    return kmh / 3.6
