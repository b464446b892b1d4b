"""Demo telematics: devices on a few cars of the world — the demo owners' among them — and a few
simulated days of their history sent through the real ingest pipeline (validation, storage, the
alert rules), with faults, so the owner's car health page and the staff fleet page show real
readings and real alerts. Runs once per world (nothing happens while any device exists).

The demo owner's car gets a slow tyre leak (its alert offers the nearest certified shop), the
English-speaking owner's a weak 12 V battery; elsewhere a misfire, a crash and an EV run down to
low charge. Every fault raises exactly one alert; the summary says how many did.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from carecover.customers.models import Customer
from carecover.platform.db.session import Database
from carecover.platform.geo import City
from carecover.telematics.models import Device
from carecover.telematics.service import simulator_fleet, simulator_run
from carecover.telematics.service.simulator import BACKFILL, Scenario, Simulation
from carecover.telematics.service.simulator_faults import FaultKind
from carecover.vehicles.models import Vehicle

DEMO_CARS = 24
"""For a world of 600 cars or more; a smaller one gets one in 25, at least 6."""
DEMO_DAYS = 3.0
DEMO_SEED = 2026
OWNER_FAULTS = {"C0000000001": FaultKind.slow_leak, "C0000000002": FaultKind.low_12v}
"""The demo owners' cars (customer numbers, see ``world.DEMO_OWNERS``) and their faults."""
OTHER_FAULTS = (FaultKind.misfire, FaultKind.crash, FaultKind.low_soc)


@dataclass(frozen=True, slots=True)
class DemoTelematics:
    devices: int
    days: float
    readings: int
    faults: int
    alerts: int
    seconds: float
    ok: bool

    def summary(self) -> dict[str, object]:
        """The figures of ``cli.seed.telematics``."""
        return {
            "devices": self.devices,
            "readings": self.readings,
            "days": f"{self.days:g}",
            "alerts": self.alerts,
            "faults": self.faults,
            "seconds": f"{self.seconds:.1f}",
        }


def seed_demo_telematics(
    database: Database,
    now: datetime,
    *,
    cars: int | None = None,
    days: float = DEMO_DAYS,
    cities: list[City] | None = None,
    seed: int = DEMO_SEED,
    progress: Callable[[float], None] | None = None,
) -> DemoTelematics | None:
    """Fit the devices and back-fill their history (its own transactions); None if already done."""
    started = time.perf_counter()
    with database.session() as session, session.begin():
        if session.scalar(select(func.count()).select_from(Device)):
            return None
        if cars is None:
            world = int(session.scalar(select(func.count()).select_from(Vehicle)) or 0)
            cars = min(DEMO_CARS, max(6, world // 25))
        owners = dict(
            session.execute(
                select(Vehicle.id, Customer.customer_no)
                .join(Customer, Customer.id == Vehicle.owner_id)
                .where(Customer.customer_no.in_(list(OWNER_FAULTS)))
            ).all()
        )
        fleet = simulator_fleet.pick(
            session,
            count=cars,
            cities=cities or (),
            seed=seed,
            include=sorted(owners),
            today=now.date(),
        )
    if not fleet:
        return None
    pinned = {
        car.spec.device_no: OWNER_FAULTS[owners[vid]]
        for car in fleet
        if (vid := uuid.UUID(car.spec.vehicle_id)) in owners
    }
    start = now - timedelta(days=days)
    scenario = Scenario(
        [car.spec for car in fleet],
        start,
        now,
        seed=seed,
        faults=list(OTHER_FAULTS),
        cadence=BACKFILL,
        pinned=pinned,
    )
    simulation = Simulation(scenario)
    target = simulator_run.InProcessTarget(
        database, {car.spec.device_no: car.device_id for car in fleet}
    )
    window = (now - start).total_seconds()

    def advance(ts: float, _stats: simulator_run.RunStats) -> None:
        if progress is not None:
            progress(min(1.0, (ts - simulation.start) / window))

    stats = simulator_run.run(simulation, target, batch_readings=5_000, progress=advance)
    with database.session() as session:
        result = simulator_fleet.reconcile(session, fleet, simulation.ledger, start)
    return DemoTelematics(
        devices=len(fleet),
        days=days,
        readings=stats.accepted,
        faults=len(simulation.ledger),
        alerts=len(result.matched) + len(result.false_positives),
        seconds=time.perf_counter() - started,
        ok=result.ok,
    )
