"""Travel time for dispatch: the ``TravelTimeModel`` port and its offline default.

Dispatch, coverage planning and the replay all ask one question: how long does a unit at each of
these points need to drive to that point, leaving at ``at``, in a city of tier ``tier``? The answer
comes through :class:`TravelTimeModel`, a Protocol, so the default below can be swapped for a
routing engine without touching the algorithms.

The default: :class:`HaversineTravelModel`
    road km = great-circle km × a detour (circuity) factor, 1.35 by default; seconds = road km ÷
    a speed by city tier (1–4, ``carecover.platform.geo.tiers``) and hour of day in Beijing time.
    Published circuity factors for road networks lie around 1.2–1.4: Ballou, Rahardja and Sakai,
    "Selected country circuity factors for road travel distance estimation", Transportation
    Research Part A 36(9), 2002; Kim et al. (J. Korean Soc. Agric. Eng. 57(4), 2015) measure
    1.26 for South Korea as a whole and up to 1.44 in hilly provinces. Short urban trips, which
    rescue trips are, sit at the upper end, hence 1.35. The peak windows, 07:00–09:00 and
    17:00–19:00, are the ones AMap's quarterly "中国主要城市交通分析报告" (China major cities
    traffic report) uses; there the peak "congestion delay index" (actual ÷ free-flow travel
    time) of the largest cities is about 1.6–2.0, which the tier-1 peak speed below reproduces
    (42 km/h free flow ÷ 22 km/h at peak ≈ 1.9). The table is a model to calibrate against the
    platform's own completed orders (ETA promised vs arrival), not a measurement.

The adapter slot for a routing engine (OSRM, Valhalla, AMap …)
    An adapter is any class with the three methods of :class:`TravelTimeModel`:

    * ``seconds(from_lat, from_lng, to_lat, to_lng, *, at, tier)``: the driving time of each
      origin to the one destination — OSRM ``/table/v1/driving/{coords}?sources=…&destinations=…``
      with ``annotations=duration``, Valhalla ``sources_to_targets``, AMap ``/v3/distance``
      (``type=1``) with up to 100 origins. One request per destination and batch, never one per
      pair. Traffic by ``at``: AMap and Valhalla (``date_time``) take a departure time; OSRM has
      none, so an OSRM adapter multiplies by this module's hour factor if wanted.
    * ``km(from_lat, from_lng, to_lat, to_lng)``: the road distance (the same table call with
      ``annotations=distance``); rate cards charge by it.
    * ``reach_km(seconds, *, at, tier)``: an upper bound of the *straight-line* km a unit can
      cover in ``seconds`` (e.g. the fastest road speed × ``seconds``). Coverage planning prunes
      with it before asking for times, so it must never be too small; too large only costs time.

    A batch asks once for a whole block: origins as a (requests × k) array and destinations as a
    (requests × 1) column, one destination per row, broadcast like numpy (an adapter groups the
    rows by destination, or sends one table request with all of them). A single dispatch uses
    the narrow form, 1-D origins and one float destination.

    It must be vectorised (numpy arrays in, ``float64`` arrays out, one value per origin), return
    ``inf`` for an origin it cannot route (an island, no road), time out fast and fall back to the
    default model rather than stall a dispatch (the decision budget is 20 ms), and cache nothing
    that mixes cities. Its tests run against a stub of the engine's HTTP answers, so that no OSM
    extract is needed to test or run the project.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from carecover.platform.geo import EARTH_RADIUS_KM

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

FloatArray = NDArray[np.float64]

DETOUR_FACTOR = 1.35
"""Road km per great-circle km for short urban trips (see the module docstring)."""

FREE_FLOW_KMH: dict[int, float] = {1: 42.0, 2: 44.0, 3: 46.0, 4: 50.0}
"""Night-time (free-flow) door-to-door speed by city tier: lights and turns included."""

_DAY_FACTOR: dict[int, float] = {1: 0.70, 2: 0.74, 3: 0.78, 4: 0.82}
"""Daytime off-peak speed as a share of free flow."""

_PEAK_FACTOR: dict[int, float] = {1: 0.52, 2: 0.58, 3: 0.64, 4: 0.72}
"""Rush-hour speed as a share of free flow (tier 1: 22 km/h, close to AMap's peak figures)."""

_EVENING_FACTOR: dict[int, float] = {1: 0.80, 2: 0.84, 3: 0.88, 4: 0.90}
"""Shoulder hours (06:00, 20:00–21:00) as a share of free flow."""

PEAK_HOURS = frozenset({7, 8, 17, 18})
"""Beijing-time hours that start a rush-hour window (07:00–09:00, 17:00–19:00)."""
_NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5})
_SHOULDER_HOURS = frozenset({6, 20, 21})

MAX_SPEED_KMH = 120.0
"""The fastest a road vehicle may be assumed to go (China's expressway limit)."""


def _profile(tier: int, hour: int) -> float:
    if hour in PEAK_HOURS:
        factor = _PEAK_FACTOR[tier]
    elif hour in _NIGHT_HOURS:
        factor = 1.0
    elif hour in _SHOULDER_HOURS:
        factor = _EVENING_FACTOR[tier]
    else:
        factor = _DAY_FACTOR[tier]
    return FREE_FLOW_KMH[tier] * factor


SPEED_KMH: dict[int, tuple[float, ...]] = {
    tier: tuple(_profile(tier, hour) for hour in range(24)) for tier in FREE_FLOW_KMH
}
"""Door-to-door speed (km/h) by city tier and Beijing-time hour of day."""


def beijing_hour(at: datetime) -> int:
    """The hour of day in Beijing time of an aware datetime."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware (UTC)")
    return at.astimezone(BEIJING).hour


def great_circle_km(
    from_lat: ArrayLike, from_lng: ArrayLike, to_lat: ArrayLike, to_lng: ArrayLike
) -> FloatArray:
    """Haversine great-circle km, element-wise with numpy broadcasting."""
    lat1 = np.radians(np.asarray(from_lat, dtype=np.float64))
    lat2 = np.radians(np.asarray(to_lat, dtype=np.float64))
    dlat = lat2 - lat1
    dlng = np.radians(np.asarray(to_lng, dtype=np.float64) - np.asarray(from_lng, np.float64))
    h = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlng / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return out


class TravelTimeModel(Protocol):
    """How long units take to drive to a point: the port dispatch and planning depend on."""

    def seconds(
        self,
        from_lat: FloatArray,
        from_lng: FloatArray,
        to_lat: float | FloatArray,
        to_lng: float | FloatArray,
        *,
        at: datetime,
        tier: int,
    ) -> FloatArray:
        """Driving seconds from each origin to the destination, leaving at ``at``."""
        ...

    def km(
        self,
        from_lat: FloatArray,
        from_lng: FloatArray,
        to_lat: float | FloatArray,
        to_lng: float | FloatArray,
    ) -> FloatArray:
        """Road km from each origin to the destination."""
        ...

    def reach_km(self, seconds: float, *, at: datetime, tier: int) -> float:
        """An upper bound of the straight-line km coverable in ``seconds``."""
        ...


class HaversineTravelModel:
    """Great-circle km × ``detour`` ÷ the speed of the tier and the Beijing hour.

    ``speed_kmh`` (tier → 24 hourly speeds) replaces the default profile, e.g. with speeds
    calibrated from completed orders; ``mobilise_s`` adds a fixed departure time (accepting the
    job, starting the engine) to every trip, 0 by default so that the ETA is driving time only.
    """

    __slots__ = ("detour", "mobilise_s", "speed_kmh")

    def __init__(
        self,
        *,
        detour: float = DETOUR_FACTOR,
        speed_kmh: dict[int, tuple[float, ...]] | None = None,
        mobilise_s: float = 0.0,
    ) -> None:
        if not 1.0 <= detour <= 3.0:
            raise ValueError(f"detour factor out of range: {detour}")
        speeds = speed_kmh or SPEED_KMH
        for tier, row in speeds.items():
            if len(row) != 24 or min(row) <= 0:
                raise ValueError(f"tier {tier}: 24 positive hourly speeds are needed")
        self.detour = detour
        self.speed_kmh = speeds
        self.mobilise_s = mobilise_s

    def speed(self, *, at: datetime, tier: int) -> float:
        """km/h for a trip leaving at ``at`` in a city of ``tier`` (unknown tiers count as 4)."""
        row = self.speed_kmh.get(tier) or self.speed_kmh[max(self.speed_kmh)]
        return row[beijing_hour(at)]

    def km(
        self,
        from_lat: FloatArray,
        from_lng: FloatArray,
        to_lat: float | FloatArray,
        to_lng: float | FloatArray,
    ) -> FloatArray:
        out: FloatArray = great_circle_km(from_lat, from_lng, to_lat, to_lng) * self.detour
        return out

    def seconds(
        self,
        from_lat: FloatArray,
        from_lng: FloatArray,
        to_lat: float | FloatArray,
        to_lng: float | FloatArray,
        *,
        at: datetime,
        tier: int,
    ) -> FloatArray:
        per_km = 3600.0 / self.speed(at=at, tier=tier)
        out: FloatArray = self.km(from_lat, from_lng, to_lat, to_lng) * per_km + self.mobilise_s
        return out

    def reach_km(self, seconds: float, *, at: datetime, tier: int) -> float:
        driving = max(0.0, seconds - self.mobilise_s)
        # A hair over the exact bound so that a unit exactly at the limit is never pruned.
        return driving / 3600.0 * self.speed(at=at, tier=tier) / self.detour * (1 + 1e-9) + 1e-9
