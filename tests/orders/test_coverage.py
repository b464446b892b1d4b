"""Coverage of demand cells by the 15-minute circle, and where more units would help most."""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime

import h3
import numpy as np
import pytest

from carecover.orders.enums import UnitKind
from carecover.orders.service.coverage import coverage, what_if
from carecover.orders.service.fleet_index import UnitSnapshot
from carecover.orders.service.travel import HaversineTravelModel, great_circle_km

NIGHT = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 03:00 in Beijing: free flow
LAT, LNG = 34.75, 113.62
KM_LNG = 1 / (111.195 * math.cos(math.radians(LAT)))
TRAVEL = HaversineTravelModel()
# Tier 4 at night: 50 km/h over a 1.35 detour, so 15 minutes reach 12.5 / 1.35 ≈ 9.26 km.
REACH_KM = 12.5 / 1.35


def east(km: float) -> tuple[float, float]:
    return LAT, LNG + km * KM_LNG


def unit(km: float, kind: UnitKind = UnitKind.service_van) -> UnitSnapshot:
    lat, lng = east(km)
    return UnitSnapshot(
        id=uuid.uuid4(),
        kind=kind,
        lat=lat,
        lng=lng,
        partner_id=uuid.UUID(int=1),
        rating=4.5,
        base_fen=10_000,
        per_km_fen=500,
        position_at=NIGHT,
        city_adcode="410100",
    )


def test_coverage_of_a_hand_checkable_layout() -> None:
    demand = [(*east(0.0), 2.0), (*east(5.0), 1.0), (*east(20.0), 3.0)]
    result = coverage(demand, [unit(0.0)], TRAVEL, at=NIGHT, tier=4)
    assert TRAVEL.reach_km(900, at=NIGHT, tier=4) == pytest.approx(REACH_KM, rel=1e-6)
    assert len(result.cells) == 3
    assert result.total_demand == 6.0
    assert result.covered_demand == 3.0
    assert result.covered_share == 0.5
    by_demand = {c.demand: c for c in result.cells}
    assert by_demand[2.0].covered
    assert by_demand[1.0].covered
    assert not by_demand[3.0].covered
    # Each cell's ETA is the unit's drive to the cell's centre: 5 km east is about 8.1 minutes.
    five = by_demand[1.0]
    assert (five.lat, five.lng) == pytest.approx(h3.cell_to_latlng(five.h3))
    km = float(great_circle_km(*east(0.0), five.lat, five.lng))
    assert five.best_eta_s == pytest.approx(km * 1.35 / 50 * 3600)
    assert five.best_eta_s / 60 == pytest.approx(8.1, abs=0.7)
    assert by_demand[3.0].best_eta_s is not None
    assert by_demand[3.0].best_eta_s / 60 == pytest.approx(32.4, abs=1.0)
    assert h3.get_resolution(five.h3) == 8


def test_the_circle_edge_follows_the_hour_and_the_minutes() -> None:
    demand = [(*east(8.0), 1.0)]
    night = coverage(demand, [unit(0.0)], TRAVEL, at=NIGHT, tier=4)
    assert night.covered_share == 1.0
    peak = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Beijing: 36 km/h in tier 4
    assert coverage(demand, [unit(0.0)], TRAVEL, at=peak, tier=4).covered_share == 0.0
    assert coverage(demand, [unit(0.0)], TRAVEL, at=peak, tier=4, minutes=25).covered_share == 1


def test_kinds_filter_and_no_units() -> None:
    demand = [(*east(1.0), 1.0)]
    vans_only = coverage(demand, [unit(0.0)], TRAVEL, at=NIGHT, tier=4, kinds={UnitKind.flatbed})
    assert vans_only.covered_share == 0.0
    assert vans_only.cells[0].best_eta_s is None
    empty = coverage([], [unit(0.0)], TRAVEL, at=NIGHT, tier=4)
    assert empty.cells == ()
    assert empty.covered_share == 0.0
    with pytest.raises(ValueError, match="out of range"):
        coverage([(95.0, 0.0, 1.0)], [], TRAVEL, at=NIGHT, tier=4)
    with pytest.raises(ValueError, match="negative"):
        coverage([(LAT, LNG, -1.0)], [], TRAVEL, at=NIGHT, tier=4)


def test_geojson_hexagons_for_leaflet() -> None:
    result = coverage(
        [(*east(0.0), 1.0), (*east(30.0), 1.0)], [unit(0.0)], TRAVEL, at=NIGHT, tier=4
    )
    doc = result.geojson()
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == 2
    feature = doc["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert len(ring) == 7  # six corners, closed
    assert ring[0] == ring[-1]
    lng, lat = ring[0]
    assert lng == pytest.approx(LNG, abs=0.5)  # [lng, lat] order, as GeoJSON wants
    assert lat == pytest.approx(LAT, abs=0.05)
    assert {f["properties"]["covered"] for f in doc["features"]} == {True, False}


def test_what_if_stations_the_first_unit_at_the_biggest_uncovered_demand() -> None:
    big = [(*east(30.0 + 0.05 * i), 1.0) for i in range(10)]  # ten calls 30 km east
    small = [(*east(-30.0), 1.0)]  # one call 30 km west
    covered = [(*east(0.5), 4.0)]  # already reached by today's unit
    demand = big + small + covered
    plan = what_if(demand, [unit(0.0)], TRAVEL, extra=3, at=NIGHT, tier=4)
    assert plan.share_before == pytest.approx(4 / 15)
    assert len(plan.placements) == 2  # a third unit would add nothing
    first, second = plan.placements
    assert first.gain == 10.0
    assert float(great_circle_km(*east(30.0), first.lat, first.lng)) < 1.0
    assert first.gain_share == pytest.approx(10 / 15)
    assert first.share_after == pytest.approx(14 / 15)
    assert second.gain == 1.0
    assert float(great_circle_km(*east(-30.0), second.lat, second.lng)) < 1.0
    assert plan.share_after == pytest.approx(1.0)
    assert set(second.cells) == {h3.latlng_to_cell(*east(-30.0), 8)}
    assert h3.latlng_to_cell(first.lat, first.lng, 8) == first.h3


def test_what_if_with_candidate_sites_and_consistency_with_coverage() -> None:
    demand = [(*east(30.0), 5.0), (*east(-30.0), 2.0), (*east(60.0), 1.0)]
    sites = [east(-29.0), east(45.0), east(31.0)]
    plan = what_if(demand, [], TRAVEL, extra=2, at=NIGHT, tier=4, candidates=sites)
    assert [(p.lat, p.lng) for p in plan.placements] == [sites[2], sites[0]]
    assert [p.gain for p in plan.placements] == [5.0, 2.0]
    # Stationing units at the chosen sites gives the coverage the plan promised.
    added = [
        UnitSnapshot(
            uuid.uuid4(),
            UnitKind.service_van,
            p.lat,
            p.lng,
            uuid.UUID(int=1),
            4.5,
            1,
            1,
            NIGHT,
            "410100",
        )
        for p in plan.placements
    ]
    after = coverage(demand, added, TRAVEL, at=NIGHT, tier=4)
    assert after.covered_share == pytest.approx(plan.share_after)
    assert plan.share_after == pytest.approx(7 / 8)
    with pytest.raises(ValueError, match="negative"):
        what_if(demand, [], TRAVEL, extra=-1, at=NIGHT, tier=4)


def test_ten_thousand_demand_points_against_two_thousand_sites_take_seconds() -> None:
    rng = np.random.default_rng(7)
    lat = LAT + rng.normal(0, 0.12, 10_000)
    lng = LNG + rng.normal(0, 0.15, 10_000)
    demand = list(zip(lat.tolist(), lng.tolist(), [1.0] * 10_000, strict=True))
    sites = list(
        zip(
            (LAT + rng.normal(0, 0.12, 2_000)).tolist(),
            (LNG + rng.normal(0, 0.15, 2_000)).tolist(),
            strict=True,
        )
    )
    units = [unit(float(x)) for x in rng.uniform(-10, 10, 15)]
    start = time.perf_counter()
    plan = what_if(demand, units, TRAVEL, extra=20, at=NIGHT, tier=1, candidates=sites)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0
    assert len(plan.placements) == 20
    gains = [p.gain for p in plan.placements]
    assert gains == sorted(gains, reverse=True)  # greedy gains never grow
    assert plan.share_after > plan.share_before
    assert plan.share_after == pytest.approx(plan.placements[-1].share_after)
