"""A seeded day of rescue calls, replayed against a fleet: greedy-nearest versus batched."""

from __future__ import annotations

import itertools
import json
import math
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import kinds_for
from carecover.orders.enums import UnitKind
from carecover.orders.service.demand import RescueCall, demo_fleet, poisson_day
from carecover.orders.service.fleet_index import UnitSnapshot
from carecover.orders.service.matching import DispatchRequest, Weights
from carecover.orders.service.replay import DEFAULT_SERVICE_MINUTES, replay
from carecover.orders.service.travel import BEIJING, HaversineTravelModel

HANGZHOU = (30.274, 120.155)
DAY = date(2026, 3, 2)
TRAVEL = HaversineTravelModel()
FLEET = {
    UnitKind.flatbed: 8,
    UnitKind.wheel_lift: 5,
    UnitKind.service_van: 10,
    UnitKind.mobile_charger: 4,
}
KM_LNG = 1 / (111.195 * math.cos(math.radians(HANGZHOU[0])))
NIGHT = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 03:00 in Beijing


def day(seed: int = 3, total: float = 400) -> list[RescueCall]:
    return poisson_day(
        city_adcode="330100",
        centre=HANGZHOU,
        radius_km=15,
        daily_total=total,
        seed=seed,
        day=DAY,
    )


def fleet(seed: int = 3) -> list[UnitSnapshot]:
    at = datetime.combine(DAY, datetime.min.time(), tzinfo=BEIJING).astimezone(UTC)
    return demo_fleet(
        city_adcode="330100", centre=HANGZHOU, radius_km=15, counts=FLEET, seed=seed, at=at
    )


def east(km: float) -> tuple[float, float]:
    return HANGZHOU[0], HANGZHOU[1] + km * KM_LNG


def call(
    km: float,
    service: ServiceType,
    *,
    at: datetime = NIGHT,
    dropoff: tuple[float, float] | None = None,
    electric: bool = False,
) -> RescueCall:
    lat, lng = east(km)
    request = DispatchRequest(
        id=uuid.uuid4(),
        lat=lat,
        lng=lng,
        kinds=kinds_for(service, electric=electric),
        tier=2,
        at=at,
        city_adcode="330100",
    )
    return RescueCall(request, service, electric, dropoff)


def unit(km: float, kind: UnitKind = UnitKind.flatbed) -> UnitSnapshot:
    lat, lng = east(km)
    return UnitSnapshot(
        uuid.uuid4(), kind, lat, lng, uuid.UUID(int=1), 4.5, 25_000, 1_200, NIGHT, "330100"
    )


def test_poisson_day_is_seeded_ordered_and_follows_the_daily_profile() -> None:
    calls = day(seed=11, total=3_000)
    assert calls == day(seed=11, total=3_000)
    assert calls != day(seed=12, total=3_000)
    times = [c.request.at for c in calls]
    assert times == sorted(times)
    assert all(t.astimezone(BEIJING).date() == DAY for t in times)
    assert abs(len(calls) - 3_000) < 5 * math.sqrt(3_000)
    hours = Counter(t.astimezone(BEIJING).hour for t in times)
    assert hours[18] > 5 * hours[3]  # the evening peak against the dead of night
    assert hours[8] > 2 * hours[13] / 1.5
    services = Counter(c.service for c in calls)
    assert services.most_common(1)[0][0] is ServiceType.tow
    for c in calls:
        assert c.request.kinds == kinds_for(c.service, electric=c.electric)
        assert (c.dropoff is not None) == (c.service is ServiceType.tow)
        if c.service is ServiceType.emergency_charging:
            assert c.electric
            assert c.request.kinds == {UnitKind.mobile_charger}
        if c.service is ServiceType.tow and c.electric:
            assert c.request.kinds == {UnitKind.flatbed}
    assert len({c.request.id for c in calls}) == len(calls)
    with pytest.raises(ValueError, match="24"):
        poisson_day(
            city_adcode="330100", centre=HANGZHOU, radius_km=5, daily_total=1, seed=1, day=DAY,
            profile=(1.0,) * 23,
        )  # fmt: skip


def test_replay_is_deterministic_and_never_double_books_a_unit() -> None:
    calls, units = day(), fleet()
    for policy in ("greedy", "batched"):
        first = replay(calls, units, TRAVEL, policy=policy)
        assert first == replay(calls, units, TRAVEL, policy=policy)
        by_unit: dict[uuid.UUID, list[tuple[float, float]]] = defaultdict(list)
        starts = {c.request.id: c.request.at.timestamp() for c in calls}
        for o in first.outcomes:
            if o.unit_id is not None and o.busy_until is not None:
                by_unit[o.unit_id].append((starts[o.call_id] + o.wait_s, o.busy_until))
        for jobs in by_unit.values():
            jobs.sort()
            for (_, end), (start, _) in itertools.pairwise(jobs):
                assert start >= end
        assert sum(n for _, _, n in first.histogram) == first.overall.served
        assert first.overall.requests == len(calls)


def test_batched_is_not_worse_than_greedy_on_the_same_day() -> None:
    calls, units = day(), fleet()
    greedy = replay(calls, units, TRAVEL, policy="greedy")
    batched = replay(calls, units, TRAVEL, policy="batched")
    assert batched.overall.served >= greedy.overall.served
    assert batched.total_eta_s <= greedy.total_eta_s
    assert (
        batched.total_eta_s / batched.overall.served <= greedy.total_eta_s / greedy.overall.served
    )
    assert batched.overall.within_15_share >= greedy.overall.within_15_share
    # Batched waits for its tick: at most 10 s more before a decision when units are free.
    assert batched.decisions > 0


def test_a_pile_up_is_assigned_optimally_by_the_batch() -> None:
    # Four groups 100 km apart, each the trap for greedy: units at 0 and 10 km, a call at 4.9 km
    # and, a moment later, one at 0.1 km. Greedy: 4.9 + 9.9 km a group; optimal: 5.1 + 0.1 km.
    calls, units = [], []
    for g in range(4):
        base = 100.0 * g
        # Between two 10-second ticks, so that the batch sees both calls of a group.
        at = NIGHT + timedelta(seconds=1, milliseconds=10 * g)
        calls.append(call(base + 4.9, ServiceType.jump_start, at=at))
        calls.append(call(base + 0.1, ServiceType.jump_start, at=at + timedelta(milliseconds=1)))
        units += [unit(base, UnitKind.service_van), unit(base + 10.0, UnitKind.service_van)]
    eta_only = Weights(cost=0.0, rating=0.0)
    greedy = replay(calls, units, TRAVEL, policy="greedy", weights=eta_only)
    batched = replay(calls, units, TRAVEL, policy="batched", weights=eta_only)
    assert greedy.overall.served == batched.overall.served == 8
    km_to_s = 1.35 / TRAVEL.speed(at=NIGHT, tier=2) * 3600
    assert greedy.total_eta_s == pytest.approx(4 * 14.8 * km_to_s, rel=1e-3)
    assert batched.total_eta_s == pytest.approx(4 * 5.2 * km_to_s, rel=1e-3)


def test_a_tow_ends_at_the_shop_and_is_charged_for_the_towed_km() -> None:
    shop = east(10.0)
    tow = call(0.0, ServiceType.tow, dropoff=shop)
    later = call(10.0, ServiceType.jump_start, at=NIGHT + timedelta(hours=3))
    flatbed = unit(1.0)
    report = replay([tow, later], [flatbed], TRAVEL, policy="greedy")
    first, second = report.outcomes
    assert first.unit_id == second.unit_id == flatbed.id
    speed = TRAVEL.speed(at=NIGHT, tier=2)
    assert first.eta_s == pytest.approx(1.0 * 1.35 / speed * 3600, rel=1e-3)
    towed = 10.0 * 1.35
    assert first.cost_fen == 25_000 + round(1_200 * 1.35) + round(1_200 * towed)
    on_site = NIGHT.timestamp() + first.eta_s
    expected_free = on_site + DEFAULT_SERVICE_MINUTES[ServiceType.tow] * 60 + towed / speed * 3600
    assert first.busy_until == pytest.approx(expected_free, rel=1e-9)
    assert second.eta_s == pytest.approx(0.0, abs=1.0)  # it waited at the shop
    assert report.overall.total_cost_fen == first.cost_fen + second.cost_fen


def test_a_call_nobody_can_serve_waits_then_counts_as_unserved() -> None:
    charge = call(0.0, ServiceType.emergency_charging, electric=True)
    tyre = call(1.0, ServiceType.tyre_change)
    report = replay([charge, tyre], [unit(0.0, UnitKind.service_van)], TRAVEL, policy="batched")
    assert report.overall.unserved == 1
    assert report.overall.served == 1
    assert report.overall.within_15_share == 0.5
    assert report.per_service[ServiceType.emergency_charging].unserved == 1
    assert report.per_service[ServiceType.tyre_change].p50_s is not None
    summary = report.as_dict()
    assert summary["overall"]["unserved"] == 1
    json.dumps(summary)


def test_waiting_calls_are_served_when_a_unit_frees_up() -> None:
    first = call(0.0, ServiceType.lockout)
    second = call(2.0, ServiceType.lockout, at=NIGHT + timedelta(minutes=1))
    van = unit(0.0, UnitKind.service_van)
    for policy in ("greedy", "batched"):
        report = replay([first, second], [van], TRAVEL, policy=policy)
        a, b = report.outcomes
        assert a.unit_id == b.unit_id == van.id
        # The second waits until the first job ends: 20 minutes on site (the van was there).
        assert b.wait_s == pytest.approx(19 * 60, abs=10.5)
        assert report.overall.within_15_share == 0.5


def test_bad_arguments_are_refused() -> None:
    c = call(0.0, ServiceType.lockout)
    with pytest.raises(ValueError, match="policy"):
        replay([c], [], TRAVEL, policy="fastest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        replay([c, c], [], TRAVEL, policy="greedy")
    assert replay([], [], TRAVEL, policy="greedy").overall.requests == 0
