"""The fleet's spatial index: nearest units of the right kinds, stale positions left out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import kinds_for
from carecover.orders.enums import UnitKind
from carecover.orders.service.fleet_index import FleetIndex, UnitSnapshot
from carecover.platform.geo import Point, haversine_km

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CENTRE = (31.23, 121.47)
ALL = frozenset(UnitKind)
KM_LAT = 1 / 111.195


def unit(
    lat: float,
    lng: float,
    kind: UnitKind = UnitKind.flatbed,
    *,
    age_s: float = 0,
    n: int | None = None,
) -> UnitSnapshot:
    return UnitSnapshot(
        id=uuid.uuid4() if n is None else uuid.UUID(int=n),
        kind=kind,
        lat=lat,
        lng=lng,
        partner_id=uuid.UUID(int=1),
        rating=4.5,
        base_fen=20_000,
        per_km_fen=1_000,
        position_at=NOW - timedelta(seconds=age_s),
        city_adcode="310000",
    )


def test_nearest_is_closest_first_with_great_circle_km() -> None:
    lat, lng = CENTRE
    units = [unit(lat + d * KM_LAT, lng) for d in (5.0, 1.0, 3.0, 8.0)]
    index = FleetIndex.build(units, now=NOW)
    found = index.nearest(lat, lng, kinds=ALL, k=3)
    assert [round(km, 3) for _, km in found] == [1.0, 3.0, 5.0]
    for u, km in found:
        assert km == pytest.approx(haversine_km(Point(lat, lng), Point(u.lat, u.lng)), abs=1e-6)
    assert len(index) == 4


def test_an_electric_cars_tow_only_gets_flatbeds() -> None:
    lat, lng = CENTRE
    near_hook = unit(lat + 0.2 * KM_LAT, lng, UnitKind.wheel_lift)
    near_van = unit(lat + 0.1 * KM_LAT, lng, UnitKind.service_van)
    far_flatbed = unit(lat + 6 * KM_LAT, lng, UnitKind.flatbed)
    index = FleetIndex.build([near_hook, near_van, far_flatbed], now=NOW)
    ev_tow = index.nearest(lat, lng, kinds=kinds_for(ServiceType.tow, electric=True))
    assert [u.id for u, _ in ev_tow] == [far_flatbed.id]
    fuel_tow = index.nearest(lat, lng, kinds=kinds_for(ServiceType.tow, electric=False))
    assert [u.id for u, _ in fuel_tow] == [near_hook.id, far_flatbed.id]
    charging = index.nearest(
        lat, lng, kinds=kinds_for(ServiceType.emergency_charging, electric=True)
    )
    assert charging == []


def test_stale_positions_are_excluded_and_counted() -> None:
    lat, lng = CENTRE
    fresh = unit(lat + 2 * KM_LAT, lng, age_s=299)
    stale = unit(lat + 0.1 * KM_LAT, lng, age_s=301)
    index = FleetIndex.build([fresh, stale], now=NOW)
    assert index.stale == 1
    assert index.stale_ids == frozenset({stale.id})
    assert [u.id for u, _ in index.nearest(lat, lng, kinds=ALL)] == [fresh.id]
    lenient = FleetIndex.build([fresh, stale], now=NOW, stale_after_s=600)
    assert lenient.stale == 0
    assert lenient.nearest(lat, lng, kinds=ALL)[0][0].id == stale.id


def test_a_unit_listed_twice_counts_with_its_latest_position() -> None:
    lat, lng = CENTRE
    old = unit(lat + 9 * KM_LAT, lng, age_s=60, n=7)
    new = unit(lat + 1 * KM_LAT, lng, age_s=5, n=7)
    index = FleetIndex.build([new, old], now=NOW)
    ((only, km),) = index.nearest(lat, lng, kinds=ALL)
    assert only == new
    assert km == pytest.approx(1.0, abs=1e-3)


def test_exclude_and_k_beyond_the_fleet() -> None:
    lat, lng = CENTRE
    units = [unit(lat + d * KM_LAT, lng, n=i + 1) for i, d in enumerate((1.0, 2.0, 3.0))]
    index = FleetIndex.build(units, now=NOW)
    got = index.nearest(lat, lng, kinds=ALL, k=2, exclude={units[0].id})
    assert [u.id for u, _ in got] == [units[1].id, units[2].id]
    assert len(index.nearest(lat, lng, kinds=ALL, k=50)) == 3
    assert index.nearest(lat, lng, kinds=ALL, k=1)[0][0] == units[0]


def test_kinds_are_merged_by_distance() -> None:
    lat, lng = CENTRE
    a = unit(lat + 1 * KM_LAT, lng, UnitKind.flatbed)
    b = unit(lat + 2 * KM_LAT, lng, UnitKind.wheel_lift)
    c = unit(lat + 3 * KM_LAT, lng, UnitKind.flatbed)
    index = FleetIndex.build([c, b, a], now=NOW)
    got = index.nearest(lat, lng, kinds={UnitKind.flatbed, UnitKind.wheel_lift}, k=3)
    assert [u.id for u, _ in got] == [a.id, b.id, c.id]
    assert index.kinds == {UnitKind.flatbed, UnitKind.wheel_lift}
    assert {u.id for u in index.units({UnitKind.wheel_lift})} == {b.id}


def test_the_antimeridian_is_no_edge() -> None:
    east = unit(0.0, 179.99)
    index = FleetIndex.build([east, unit(0.0, 170.0)], now=NOW)
    (best, km), _ = index.nearest(0.0, -179.99, kinds=ALL, k=2)
    assert best == east
    assert km == pytest.approx(2.224, abs=0.01)


def test_bad_input_is_refused() -> None:
    index = FleetIndex.build([unit(*CENTRE)], now=NOW)
    with pytest.raises(ValueError, match="out of range"):
        index.nearest(float("nan"), 121.0, kinds=ALL)
    with pytest.raises(ValueError, match="k must be"):
        index.nearest(31.0, 121.0, kinds=ALL, k=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        FleetIndex.build([], now=datetime(2026, 3, 2))  # noqa: DTZ001
    with pytest.raises(ValueError, match="rating"):
        UnitSnapshot(
            uuid.uuid4(), UnitKind.flatbed, 31.0, 121.0, uuid.uuid4(), 0.0, 1, 1, NOW, "310000"
        )
    with pytest.raises(ValueError, match="position"):
        unit(91.0, 121.0)


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3), st.sampled_from(list(UnitKind))),
        min_size=1,
        max_size=40,
    ),
    query=st.tuples(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3)),
    kinds=st.frozensets(st.sampled_from(list(UnitKind)), min_size=1),
    k=st.integers(1, 10),
)
def test_nearest_agrees_with_a_brute_force_scan(
    points: list[tuple[float, float, UnitKind]],
    query: tuple[float, float],
    kinds: frozenset[UnitKind],
    k: int,
) -> None:
    lat0, lng0 = CENTRE
    units = [unit(lat0 + a, lng0 + b, kind, n=i + 1) for i, (a, b, kind) in enumerate(points)]
    q = Point(lat0 + query[0], lng0 + query[1])
    got = FleetIndex.build(units, now=NOW).nearest(q.lat, q.lng, kinds=kinds, k=k)
    scan = sorted(
        (haversine_km(q, Point(u.lat, u.lng)), u.id.int) for u in units if u.kind in kinds
    )[:k]
    assert [km for _, km in got] == pytest.approx([d for d, _ in scan], abs=1e-6)
    assert all(u.kind in kinds for u, _ in got)
