"""The travel-time port's default: haversine × detour ÷ speed by city tier and Beijing hour."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from carecover.orders.service.travel import (
    DETOUR_FACTOR,
    SPEED_KMH,
    HaversineTravelModel,
    TravelTimeModel,
    beijing_hour,
    great_circle_km,
)
from carecover.platform.geo import Point, haversine_km

# 00:00 UTC is 08:00 in Beijing (the morning peak); 19:00 UTC is 03:00 (night).
PEAK = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
NIGHT = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def arr(*values: float) -> np.ndarray:
    return np.array(values, np.float64)


def test_great_circle_matches_the_platform_haversine() -> None:
    pairs = [((39.9042, 116.4074), (31.2304, 121.4737)), ((22.54, 114.06), (22.55, 114.10))]
    for (a_lat, a_lng), (b_lat, b_lng) in pairs:
        ours = float(great_circle_km(a_lat, a_lng, b_lat, b_lng))
        assert ours == pytest.approx(haversine_km(Point(a_lat, a_lng), Point(b_lat, b_lng)))
    # Beijing to Shanghai is about 1,067 km as the crow flies.
    assert float(great_circle_km(39.9042, 116.4074, 31.2304, 121.4737)) == pytest.approx(
        1067, abs=5
    )


def test_road_km_is_great_circle_times_the_detour_factor() -> None:
    model = HaversineTravelModel()
    km = model.km(arr(39.0, 39.9), arr(116.4, 116.4), 39.9, 116.4)
    assert km.shape == (2,)
    assert km[0] == pytest.approx(111.195 * 0.9 * DETOUR_FACTOR, rel=1e-3)
    assert km[1] == 0.0
    assert 1.3 <= DETOUR_FACTOR <= 1.4


def test_seconds_follow_the_tier_and_the_beijing_hour() -> None:
    model = HaversineTravelModel()
    lat, lng = arr(39.9 + 10 / 111.195), arr(116.4)  # 10 km north
    peak = float(model.seconds(lat, lng, 39.9, 116.4, at=PEAK, tier=1)[0])
    night = float(model.seconds(lat, lng, 39.9, 116.4, at=NIGHT, tier=1)[0])
    noon = float(model.seconds(lat, lng, 39.9, 116.4, at=NOON, tier=1)[0])
    assert peak == pytest.approx(10 * DETOUR_FACTOR / SPEED_KMH[1][8] * 3600, rel=1e-3)
    # Tier 1 at the morning peak: 13.5 road km at about 22 km/h is about 37 minutes.
    assert peak / 60 == pytest.approx(37.1, abs=0.5)
    assert night < noon < peak
    # A smaller city moves faster at the same hour.
    tier4 = float(model.seconds(lat, lng, 39.9, 116.4, at=PEAK, tier=4)[0])
    assert tier4 < peak


def test_speed_profile_is_slowest_in_the_rush_hours_for_every_tier() -> None:
    for tier, row in SPEED_KMH.items():
        assert len(row) == 24
        assert min(row) == row[8] == row[18], tier
        assert max(row) == row[3], tier
        assert row[12] < row[22]
    # Bigger cities are slower at the peak.
    assert SPEED_KMH[1][8] < SPEED_KMH[2][8] < SPEED_KMH[3][8] < SPEED_KMH[4][8]


def test_beijing_hour_and_naive_times() -> None:
    assert beijing_hour(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == 7
    model = HaversineTravelModel()
    with pytest.raises(ValueError, match="timezone-aware"):
        model.seconds(arr(39.9), arr(116.4), 39.9, 116.5, at=datetime(2026, 3, 2, 8), tier=1)  # noqa: DTZ001


def test_unknown_tier_falls_back_to_the_slowest_listed_default() -> None:
    model = HaversineTravelModel()
    assert model.speed(at=NOON, tier=9) == SPEED_KMH[4][12]


def test_reach_km_bounds_what_the_circle_covers() -> None:
    model = HaversineTravelModel()
    reach = model.reach_km(900, at=PEAK, tier=1)
    # 15 minutes at tier 1's peak speed, over the detour.
    assert reach == pytest.approx(SPEED_KMH[1][8] / 4 / DETOUR_FACTOR, rel=1e-6)
    inside = 39.9 + (reach * 0.999) / 111.195
    outside = 39.9 + (reach * 1.01) / 111.195
    eta = model.seconds(arr(inside, outside), arr(116.4, 116.4), 39.9, 116.4, at=PEAK, tier=1)
    assert eta[0] <= 900 < eta[1]


def test_mobilise_time_and_custom_speeds() -> None:
    flat = {tier: (30.0,) * 24 for tier in (1, 2, 3, 4)}
    model = HaversineTravelModel(detour=1.0, speed_kmh=flat, mobilise_s=120)
    eta = model.seconds(arr(39.9 + 10 / 111.195), arr(116.4), 39.9, 116.4, at=PEAK, tier=2)
    assert float(eta[0]) == pytest.approx(120 + 1200, rel=1e-3)
    assert model.reach_km(120, at=PEAK, tier=2) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="detour"):
        HaversineTravelModel(detour=0.8)
    with pytest.raises(ValueError, match="24 positive"):
        HaversineTravelModel(speed_kmh={1: (30.0,) * 23})


def test_default_model_satisfies_the_port() -> None:
    model: TravelTimeModel = HaversineTravelModel()
    out = model.seconds(np.zeros(0), np.zeros(0), 39.9, 116.4, at=NOON, tier=2)
    assert out.shape == (0,)
    assert out.dtype == np.float64


def test_a_block_of_origins_against_one_destination_per_row() -> None:
    model = HaversineTravelModel()
    origins_lat = np.array([[39.90, 39.95, 40.00], [31.20, 31.25, 31.30]])
    origins_lng = np.array([[116.40, 116.45, 116.50], [121.40, 121.45, 121.50]])
    dest_lat, dest_lng = np.array([[39.92], [31.22]]), np.array([[116.41], [121.41]])
    block = model.seconds(origins_lat, origins_lng, dest_lat, dest_lng, at=PEAK, tier=1)
    assert block.shape == (2, 3)
    for row in range(2):
        narrow = model.seconds(
            origins_lat[row], origins_lng[row], float(dest_lat[row, 0]), float(dest_lng[row, 0]),
            at=PEAK, tier=1,
        )  # fmt: skip
        assert block[row] == pytest.approx(narrow)
    assert model.km(origins_lat, origins_lng, dest_lat, dest_lng).shape == (2, 3)
