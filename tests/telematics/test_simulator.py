"""The simulator in-process against a real database: every injected fault raises exactly one alert
episode of its code through the real pipeline, healthy cars raise none; the streams are valid,
deterministic, segment into scored trips, and charge as the true battery capacity says."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.telematics.models import Alert, Reading
from carecover.telematics.service import battery, payload, simulator_fleet, simulator_run, trips
from carecover.telematics.service import simulator_plans as plans
from carecover.telematics.service.simulator import (
    BACKFILL,
    Cadence,
    CarSpec,
    Scenario,
    Simulation,
    car_spec,
)
from carecover.telematics.service.simulator_faults import FaultKind, parse_request, plan
from carecover.telematics.service.simulator_readings import km_between
from carecover.vehicles.enums import Powertrain
from tests.factories.customers import make_vehicle

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MIX = (Powertrain.bev, Powertrain.ice, Powertrain.phev, Powertrain.ice, Powertrain.bev)


def spec(n: int, powertrain: Powertrain = Powertrain.ice, soc_pct: float | None = None) -> CarSpec:
    kwh = 72.0 if powertrain is Powertrain.bev else None
    return car_spec(
        f"DSIM{n:04d}", str(uuid.UUID(int=n + 1)), powertrain, (31.23, 121.47), seed=7,
        battery_kwh=kwh, soc_pct=soc_pct,
    )  # fmt: skip


def fleet_of(session: Session, n: int, *, mix: tuple[Powertrain, ...] = MIX) -> list[uuid.UUID]:
    return [make_vehicle(session, powertrain=mix[i % len(mix)]).id for i in range(n)]


def anchored() -> datetime:
    """A recent fixed hour (12:00 in Shanghai), so a run's day looks the same whenever it runs."""
    anchor = utc_now().replace(hour=4, minute=0, second=0, microsecond=0)
    return anchor if anchor <= utc_now() else anchor - timedelta(days=1)


def stream(scenario: Scenario) -> list[tuple[float, str, dict[str, object]]]:
    return list(Simulation(scenario).readings())


def test_the_same_seed_drives_the_same_readings() -> None:
    cars = [spec(i, MIX[i]) for i in range(3)]
    scenario = Scenario(cars, NOW - timedelta(minutes=40), NOW, seed=3, faults=[FaultKind.crash])
    first, again = stream(scenario), stream(scenario)
    assert first == again
    assert len(first) > 100
    other = stream(Scenario(cars, scenario.start, NOW, seed=4, faults=[FaultKind.crash]))
    assert other != first


def test_every_reading_is_a_valid_payload_in_time_order() -> None:
    cars = [spec(i, MIX[i]) for i in range(4)]
    scenario = Scenario(cars, NOW - timedelta(hours=3), NOW, faults=[FaultKind.misfire])
    last: dict[str, tuple[float, int]] = {}
    merged = 0.0
    kinds: set[str] = set()
    for ts, device_no, reading in Simulation(scenario).readings():
        sample = payload.validate(reading, now=NOW)  # raises on anything the ingest would refuse
        assert ts >= merged
        merged = ts
        seq = int(str(reading["seq"]))
        if device_no in last:
            assert ts > last[device_no][0]
            assert seq > last[device_no][1]
        last[device_no] = (ts, seq)
        if "obd" in sample.signals:
            kinds.add("obd")
            assert abs(sample.signals["obd"]["vehicle_speed"] - (sample.speed_kmh or 0.0)) <= 1.0
        if "pack_a" in sample.signals:
            kinds.add("ev")
            assert sample.signals["cell_v_max"] - sample.signals["cell_v_min"] < 0.05
        assert set(sample.signals["tyres"]) == {"fl", "fr", "rl", "rr"}
    assert kinds == {"obd", "ev"}
    assert len(last) == 4


def test_an_ev_charges_with_negative_current_and_its_true_capacity() -> None:
    """Plug-in sessions (charging ac/dc, a sample a minute or faster, pack current negative) whose
    coulomb count over ΔSOC gives the car's true capacity to the battery-health estimator."""
    car = spec(1, Powertrain.bev, soc_pct=22.0)
    scenario = Scenario([car], NOW - timedelta(hours=40), NOW, faults=[], cadence=BACKFILL)
    sessions: list[list[battery.ChargeSample]] = []
    previous = "none"
    for _ts, _no, reading in Simulation(scenario).readings():
        sample = payload.validate(reading, now=NOW)
        sig = sample.signals
        if sig["charging"] != "none":
            if previous == "none":
                sessions.append([])
            assert sig["pack_a"] <= 0.0
            sessions[-1].append(
                battery.ChargeSample(
                    sample.device_time, -sig["pack_a"], sig["pack_v"], sig["soc"],
                    sig["pack_t_min"], sig["pack_t_max"], sig["cell_v_min"], sig["cell_v_max"],
                )
            )  # fmt: skip
        previous = sig["charging"]
    assert sessions
    pack = battery.PackSpec.from_energy(72.0, 350.0)  # as battery_reports does
    estimates = [
        battery.estimate_session(battery.ChargeSession(tuple(s), str(i)), pack)
        for i, s in enumerate(sessions)
    ]
    accepted = [e for e in estimates if e.accepted]
    assert accepted, [e.reasons for e in estimates]
    for estimate in accepted:
        assert estimate.soh_pct == pytest.approx(car.soh_pct, abs=1.5)
    assert 85.0 <= car.soh_pct <= 99.0


def test_a_day_of_driving_segments_into_scored_trips() -> None:
    car = spec(2, Powertrain.ice)
    scenario = Scenario([car], NOW - timedelta(hours=24), NOW, faults=[])
    state = trips.TripState(car.vehicle_id)
    done: list[trips.Trip] = []
    for _ts, _no, reading in Simulation(scenario).readings():
        s = payload.validate(reading, now=NOW)
        acc = s.signals.get("acc")
        trip = trips.observe(
            trips.TripSample(
                s.device_time, s.lat, s.lng, s.speed_kmh or 0.0, s.signals.get("ign"),
                (acc[0], acc[1], acc[2]) if acc else None,
            ),
            state,
        )  # fmt: skip
        if trip is not None:
            done.append(trip)
    scored = [t for t in done if t.discarded is None]
    assert len(scored) >= 2
    assert all(t.end_reason == "ignition_off" for t in scored)
    assert all(1.0 < t.distance_km < 60.0 and 10.0 < t.avg_speed_kmh < 90.0 for t in scored)
    assert all(t.score is not None and 0.0 <= t.score <= 100.0 for t in scored)


def test_fault_planning() -> None:
    assert parse_request("0.2") == 0.2
    assert parse_request("none") == []
    assert parse_request("crash, misfire") == [FaultKind.crash, FaultKind.misfire]
    with pytest.raises(ValueError, match="nonsense"):
        parse_request("nonsense")
    cars = [spec(i, MIX[i % len(MIX)]) for i in range(10)]
    sim = Simulation(Scenario(cars, NOW - timedelta(hours=2), NOW, faults=0.5))
    assert len(sim.trackers) == 5
    evs = {c.device_no for c in cars if c.is_ev}
    for tracker in sim.trackers.values():
        if tracker.kind is FaultKind.misfire:
            assert tracker.device_no not in evs
        if tracker.kind is FaultKind.low_soc:
            assert tracker.device_no in evs
    assert FaultKind.slow_leak not in {t.kind for t in sim.trackers.values()}  # not in 2 hours
    listed = Simulation(Scenario(cars, NOW - timedelta(hours=2), NOW, faults=[FaultKind.slow_leak]))
    assert listed.skipped == [FaultKind.slow_leak]
    _, skipped = plan([], [FaultKind.crash], 0.0, 7200.0, 1)
    assert skipped == [FaultKind.crash]


def _run_in_process(
    db: Database, scenario_of: Callable[[list[CarSpec]], Scenario], vehicles: list[uuid.UUID]
) -> tuple[Simulation, simulator_run.RunStats, simulator_fleet.Reconciliation]:
    with db.session() as session, session.begin():
        fleet = simulator_fleet.pick(session, count=len(vehicles), include=vehicles, seed=11)
    assert len(fleet) == len(vehicles)
    scenario = scenario_of([c.spec for c in fleet])
    simulation = Simulation(scenario)
    target = simulator_run.InProcessTarget(db, {c.spec.device_no: c.device_id for c in fleet})
    stats = simulator_run.run(simulation, target, batch_readings=1500)
    with db.session() as session:
        result = simulator_fleet.reconcile(session, fleet, simulation.ledger, scenario.start)
    return simulation, stats, result


def test_every_fault_raises_exactly_one_alert_and_healthy_cars_none(fresh_db: Database) -> None:
    """Thirty-two simulated hours of nine cars, five of them with a fault each."""
    with fresh_db.session() as session, session.begin():
        vehicles = fleet_of(session, 9)
    now = anchored()
    kinds = list(FaultKind)

    def scenario(cars: list[CarSpec]) -> Scenario:
        return Scenario(
            cars, now - timedelta(hours=32), now, seed=5, faults=kinds, cadence=BACKFILL
        )

    simulation, stats, result = _run_in_process(fresh_db, scenario, vehicles)
    assert stats.accepted == stats.readings
    assert stats.rejected == stats.duplicates == 0
    assert sorted(f.kind for f in simulation.ledger) == sorted(kinds)
    assert all(f.complete for f in simulation.ledger)
    assert result.false_positives == []
    assert result.missing == []
    assert result.repeated == []
    assert len(result.matched) == len(kinds)
    assert result.ok
    with fresh_db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Reading))
        alerts = session.scalars(select(Alert)).all()
    assert stored == stats.readings
    assert len(alerts) == len({a.episode_key for a in alerts}) == len(kinds)
    assert {a.code for a in alerts} == {
        "tyre_slow_leak", "dtc", "battery_12v_low", "soc_low", "crash"
    }  # fmt: skip


def test_a_short_real_time_cadence_run_with_repeated_faults(fresh_db: Database) -> None:
    """Three hours at the live cadence (a reading every 5 s driving): each fault kind that fits
    such a window, twice, on different cars."""
    with fresh_db.session() as session, session.begin():
        vehicles = fleet_of(session, 10)
    now = anchored()
    kinds = [FaultKind.crash, FaultKind.misfire, FaultKind.low_12v, FaultKind.low_soc] * 2

    def scenario(cars: list[CarSpec]) -> Scenario:
        return Scenario(
            cars, now - timedelta(hours=3), now, seed=8, faults=kinds, cadence=Cadence()
        )

    simulation, stats, result = _run_in_process(fresh_db, scenario, vehicles)
    assert stats.readings > 500
    assert len(simulation.ledger) == len(kinds)
    assert all(f.complete for f in simulation.ledger)
    assert result.ok, (result.missing, result.repeated, result.false_positives)
    assert len(result.matched) == len(kinds)


def test_private_cars_sleep_at_night_and_ride_hailing_keeps_a_thin_shift() -> None:
    rng = random.Random(1)
    midnight = datetime(2026, 11, 18, 16, 0, tzinfo=UTC).timestamp()  # 00:00 Wednesday, Beijing
    for _ in range(50):
        leaves = plans.departure(rng, midnight, "private")
        assert 7.0 <= plans.local_hour(leaves) < 8.8  # a weekday morning
        shift = plans.departure(rng, midnight, "ride_hailing") - midnight
        assert 1800.0 <= shift <= 7200.0
        assert plans.departure(rng, midnight, "private", soon=True) - midnight <= 1200.0
    home = (31.23, 121.47)
    for _ in range(50):
        there = plans.destination(rng, home, home, midnight, "private")
        assert 2.0 <= km_between(*home, *there) <= 12.5
