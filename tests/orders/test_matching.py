"""Ranking one request's units and assigning a burst: optimal, capable, never a unit twice."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import kinds_for
from carecover.orders.enums import UnitKind
from carecover.orders.service.fleet_index import FleetIndex, UnitSnapshot
from carecover.orders.service.matching import (
    WITHIN_S,
    Candidate,
    DispatchRequest,
    Solver,
    Weights,
    assign_batch,
    assign_greedy,
    cost_fen,
    rank,
    total_eta_s,
    within_circle,
)
from carecover.orders.service.travel import HaversineTravelModel

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
LAT, LNG = 30.27, 120.15
KM_LNG = 1 / (111.195 * math.cos(math.radians(LAT)))
TRAVEL = HaversineTravelModel()
ETA_ONLY = Weights(cost=0.0, rating=0.0)
TOW = kinds_for(ServiceType.tow, electric=False)


def unit(
    east_km: float,
    kind: UnitKind = UnitKind.flatbed,
    *,
    north_km: float = 0.0,
    rating: float = 4.5,
    base: int = 20_000,
    per_km: int = 1_000,
    city: str = "330100",
    n: int | None = None,
) -> UnitSnapshot:
    return UnitSnapshot(
        id=uuid.uuid4() if n is None else uuid.UUID(int=n),
        kind=kind,
        lat=LAT + north_km / 111.195,
        lng=LNG + east_km * KM_LNG,
        partner_id=uuid.UUID(int=1),
        rating=rating,
        base_fen=base,
        per_km_fen=per_km,
        position_at=NOW,
        city_adcode=city,
    )


def request(
    east_km: float,
    kinds: frozenset[UnitKind] = TOW,
    *,
    north_km: float = 0.0,
    seconds: float = 0,
    city: str = "330100",
    premium: bool = False,
) -> DispatchRequest:
    return DispatchRequest(
        id=uuid.uuid4(),
        lat=LAT + north_km / 111.195,
        lng=LNG + east_km * KM_LNG,
        kinds=kinds,
        tier=2,
        at=NOW + timedelta(seconds=seconds),
        city_adcode=city,
        premium=premium,
    )


def test_rank_lets_eta_dominate_and_cost_and_rating_break_near_ties() -> None:
    near_dear = unit(1.0, base=40_000)
    far_cheap = unit(6.0, base=10_000)
    twin_cheap = unit(1.0, north_km=0.001, base=35_000)
    index = FleetIndex.build([near_dear, far_cheap, twin_cheap], now=NOW)
    ranked = rank(request(0.0), index, TRAVEL)
    # The two near units arrive together: the 50-yuan cheaper one first; the far cheap one last.
    assert [c.unit.id for c in ranked] == [twin_cheap.id, near_dear.id, far_cheap.id]
    best = ranked[0]
    assert best.km == pytest.approx(1.0 * 1.35, rel=1e-3)
    assert best.cost_fen == 35_000 + math.floor(1_000 * best.km + 0.5)
    assert best.eta_s == pytest.approx(best.km / TRAVEL.speed(at=NOW, tier=2) * 3600)
    assert best.score == pytest.approx(best.eta_s + best.cost_fen * 0.01 + 0.5 * 30)


def test_rating_breaks_a_tie_and_weighs_double_for_premium_cars() -> None:
    five = unit(2.0, rating=5.0, base=20_000)
    three = unit(2.0, north_km=0.001, rating=3.0, base=13_000)  # 70 yuan cheaper
    index = FleetIndex.build([five, three], now=NOW)
    # Normal: 2 stars × 30 s = 60 s < 70 s of cost, the cheaper 3-star unit wins.
    assert rank(request(0.0), index, TRAVEL)[0].unit.id == three.id
    # Premium: 2 stars × 60 s = 120 s > 70 s, the 5-star unit wins.
    assert rank(request(0.0, premium=True), index, TRAVEL)[0].unit.id == five.id


def test_cost_is_integer_fen_rounded_half_up() -> None:
    assert cost_fen(100, 3, 0.5) == 102  # 1.5 fen → 2
    assert cost_fen(0, 1, 2.4999) == 2
    assert cost_fen(25_000, 1_200, 0.0) == 25_000
    assert isinstance(cost_fen(1, 1, 1.0), int)


def test_the_fifteen_minute_circle() -> None:
    assert WITHIN_S == 900
    index = FleetIndex.build([unit(1.0), unit(30.0)], now=NOW)
    near, far = rank(request(0.0), index, TRAVEL)
    assert near.within
    assert within_circle(near)
    assert not far.within
    assert not within_circle(far)
    assert within_circle(900.0)
    assert not within_circle(900.5)
    assert within_circle(far, minutes=120)


def test_late_weight_pushes_units_beyond_the_circle_down() -> None:
    index = FleetIndex.build([unit(30.0)], now=NOW)
    plain = rank(request(0.0), index, TRAVEL)[0]
    late = rank(request(0.0), index, TRAVEL, weights=Weights(late=600))[0]
    assert late.score == pytest.approx(plain.score + 600)
    with pytest.raises(ValueError, match="not negative"):
        Weights(cost=-1)


def test_batched_beats_greedy_where_greedy_takes_the_wrong_unit() -> None:
    # On a line: units at 0 and 10 km; R1 (first) at 4.9 km, R2 at 0.1 km. Greedy gives R1 the
    # unit at 0 (4.9 km), leaving R2 the one at 10 (9.9 km): 14.8 km. Optimal: 5.1 + 0.1 km.
    a, b = unit(0.0), unit(10.0)
    r1, r2 = request(4.9), request(0.1, seconds=5)
    index = FleetIndex.build([a, b], now=NOW)
    greedy = assign_greedy([r2, r1], index, TRAVEL, weights=ETA_ONLY)
    batched = assign_batch([r1, r2], index, TRAVEL, weights=ETA_ONLY)
    assert greedy[r1.id] is not None
    assert greedy[r1.id].unit.id == a.id
    assert batched[r1.id] is not None
    assert batched[r1.id].unit.id == b.id
    assert batched[r2.id] is not None
    assert batched[r2.id].unit.id == a.id
    km_to_s = 1.35 / TRAVEL.speed(at=NOW, tier=2) * 3600
    assert total_eta_s(greedy) == pytest.approx(14.8 * km_to_s, rel=1e-3)
    assert total_eta_s(batched) == pytest.approx(5.2 * km_to_s, rel=1e-3)


def test_a_batch_scores_each_request_as_rank_does_whatever_its_hour() -> None:
    units = [unit(float(i), north_km=float(i % 3)) for i in range(10)]
    index = FleetIndex.build(units, now=NOW)
    requests = [
        request(2.0, seconds=0),
        request(5.0, seconds=5 * 3600),  # 17:00 in Beijing: the evening rush
        request(7.0, seconds=5 * 3600, premium=True),
    ]
    assert TRAVEL.speed(at=requests[1].at, tier=2) < TRAVEL.speed(at=requests[0].at, tier=2)
    result = assign_batch(requests, index, TRAVEL)
    for r in requests:
        chosen = result[r.id]
        assert chosen is not None
        same = next(c for c in rank(r, index, TRAVEL) if c.unit.id == chosen.unit.id)
        assert chosen == same


def test_unassigned_when_no_candidate_and_when_units_run_out() -> None:
    vans = [unit(float(i), UnitKind.service_van) for i in range(2)]
    index = FleetIndex.build(vans, now=NOW)
    charge = request(0.0, kinds_for(ServiceType.emergency_charging, electric=True))
    tyres = [request(float(i), frozenset({UnitKind.service_van})) for i in range(3)]
    result = assign_batch([charge, *tyres], index, TRAVEL)
    assert result[charge.id] is None
    assigned = [c for r in tyres if (c := result[r.id]) is not None]
    assert len(assigned) == 2
    assert {c.unit.id for c in assigned} == {v.id for v in vans}
    assert assign_batch([], index, TRAVEL) == {}
    with pytest.raises(ValueError, match="twice"):
        assign_batch([charge, charge], index, TRAVEL)


def exhaustive(sets: Sequence[Sequence[Candidate]]) -> tuple[int, float]:
    """The best (most requests served, then least total score) over every assignment."""
    best = (0, 0.0)

    def better(a: tuple[int, float], b: tuple[int, float]) -> bool:
        return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1] - 1e-9)

    def dfs(i: int, used: frozenset[uuid.UUID], count: int, total: float) -> None:
        nonlocal best
        if i == len(sets):
            if better((count, total), best):
                best = (count, total)
            return
        dfs(i + 1, used, count, total)
        for c in sets[i]:
            if c.unit.id not in used:
                dfs(i + 1, used | {c.unit.id}, count + 1, total + c.score)

    dfs(0, frozenset(), 0, 0.0)
    return best


def random_instance(rng: random.Random) -> tuple[list[DispatchRequest], list[UnitSnapshot]]:
    kinds = [UnitKind.flatbed, UnitKind.wheel_lift, UnitKind.service_van]
    services = [
        kinds_for(ServiceType.tow, electric=True),
        kinds_for(ServiceType.tow, electric=False),
        kinds_for(ServiceType.jump_start, electric=False),
        kinds_for(ServiceType.tyre_change, electric=False),
    ]
    units = [
        unit(
            rng.uniform(-6, 6),
            rng.choice(kinds),
            north_km=rng.uniform(-6, 6),
            rating=rng.choice([3.0, 4.0, 4.5, 5.0]),
            base=rng.randrange(5_000, 40_000, 500),
            per_km=rng.randrange(300, 1_500, 100),
        )
        for _ in range(rng.randint(1, 8))
    ]
    requests = [
        request(rng.uniform(-6, 6), rng.choice(services), north_km=rng.uniform(-6, 6))
        for _ in range(rng.randint(1, 6))
    ]
    return requests, units


@pytest.mark.parametrize("solver", ["sparse", "dense"])
def test_batched_assignment_equals_the_exhaustive_optimum_on_small_instances(
    solver: Solver,
) -> None:
    rng = random.Random(2026)
    for _ in range(120):
        requests, units = random_instance(rng)
        index = FleetIndex.build(units, now=NOW)
        sets = [rank(r, index, TRAVEL, k=20) for r in requests]
        want_count, want_total = exhaustive(sets)
        got = assign_batch(requests, index, TRAVEL, k=20, solver=solver)
        chosen = [c for c in got.values() if c is not None]
        assert len(chosen) == want_count
        assert sum(c.score for c in chosen) == pytest.approx(want_total, rel=1e-9, abs=1e-6)
        assert len({c.unit.id for c in chosen}) == len(chosen)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_requests=st.integers(1, 25),
    n_units=st.integers(0, 20),
    k=st.integers(1, 8),
    solver=st.sampled_from(["sparse", "dense"]),
)
def test_no_unit_is_assigned_twice_and_no_request_is_left_beside_a_free_candidate(
    seed: int, n_requests: int, n_units: int, k: int, solver: Solver
) -> None:
    rng = random.Random(seed)
    kinds = list(UnitKind)
    # Two neighbouring "cities" sharing the border at 0 km east, so candidate sets overlap.
    units = [
        unit(rng.uniform(-3, 3), rng.choice(kinds), north_km=rng.uniform(-3, 3))
        for _ in range(n_units)
    ]
    requests = []
    for _ in range(n_requests):
        east = rng.uniform(-3, 3)
        pick = rng.choice(kinds)
        requests.append(
            request(
                east,
                frozenset({pick}) if rng.random() < 0.5 else TOW,
                north_km=rng.uniform(-3, 3),
                city="330100" if east < 0 else "330200",
            )
        )
    index = FleetIndex.build(units, now=NOW)
    result = assign_batch(requests, index, TRAVEL, k=k, solver=solver)
    chosen = [c for c in result.values() if c is not None]
    assert len({c.unit.id for c in chosen}) == len(chosen)
    taken = {c.unit.id for c in chosen}
    for r in requests:
        c = result[r.id]
        if c is not None:
            assert c.unit.kind in r.kinds
        else:
            # Unassigned only if every one of its k nearest capable units went to another.
            near = index.nearest(r.lat, r.lng, kinds=r.kinds, k=k)
            assert all(u.id in taken for u, _ in near)
    greedy = assign_greedy(requests, index, TRAVEL, k=k)
    picked = [c.unit.id for c in greedy.values() if c is not None]
    assert len(set(picked)) == len(picked)


def test_waiting_credit_serves_the_oldest_when_units_are_too_few() -> None:
    van = unit(0.0, UnitKind.service_van)
    index = FleetIndex.build([van], now=NOW)
    near_new = request(0.5, frozenset({UnitKind.service_van}))
    far_old = DispatchRequest(
        id=uuid.uuid4(), lat=LAT, lng=LNG + 2.0 * KM_LNG, kinds=frozenset({UnitKind.service_van}),
        tier=2, at=NOW, city_adcode="330100", waited_s=1_800,
    )  # fmt: skip
    for solver in ("sparse", "dense"):
        result = assign_batch([near_new, far_old], index, TRAVEL, solver=solver)
        assert result[near_new.id] is None
        assert result[far_old.id] is not None
        # Without the credit the nearer call wins.
        plain = assign_batch(
            [near_new, far_old], index, TRAVEL, solver=solver, weights=Weights(wait=0.0)
        )
        assert plain[far_old.id] is None
        assert plain[near_new.id] is not None
