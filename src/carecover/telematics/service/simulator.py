"""The telematics simulator (issue 6): seeded, deterministic device streams over the demo world,
with injected faults counted in a ledger.

A ``Scenario`` names the cars (``CarSpec``: device, powertrain, home in a real city, battery and
its true state of health), the simulated window and the faults wanted (a share of the cars, or a
list of kinds). ``Simulation.readings()`` yields every car's readings merged in device-time order
(``(epoch seconds, device_no, reading)``); ``Simulation.ledger`` lists the faults that went in,
each with the alert code it must raise and whether the stream carried enough of it for the rule.
Nothing here touches a database or the network: ``simulator_run`` sends the readings somewhere
(in-process ingest, the HTTP batch endpoint or MQTT) and ``simulator_fleet`` picks the cars from
the database and compares the alerts raised with the ledger.

The same seed and scenario give the same readings, byte for byte.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Final

from carecover.telematics.service import simulator_faults as faults
from carecover.telematics.service.battery_model import Ageing
from carecover.telematics.service.simulator_car import Car
from carecover.telematics.service.simulator_faults import Fault, FaultKind
from carecover.telematics.service.simulator_readings import Cadence, CarSpec
from carecover.vehicles.enums import Powertrain

__all__ = [
    "Cadence",
    "CarSpec",
    "Fault",
    "FaultKind",
    "Scenario",
    "Simulation",
    "car_spec",
    "true_soh_pct",
]

BACKFILL: Final = Cadence(drive_s=15.0, park_s=900.0, ac_s=60.0, dc_s=30.0, step_s=2.0)
"""Sparser readings for history: every rule and the trip measures still work at this rate."""
KM_PER_FULL_CHARGE: Final = 420.0


def true_soh_pct(age_days: float, odometer_km: float, *, ageing: Ageing | None = None) -> float:
    """A plausible true SOH from ``battery_model``'s ageing laws (calendar √t at about 20 °C,
    cycles as equivalent full charges), kept within 85-99 %."""
    model = ageing or Ageing()
    arrhenius = math.exp(model.activation_j_per_mol / 8.314 * (1 / 298.15 - 1 / 293.15))
    calendar = model.calendar_per_sqrt_day * math.sqrt(max(age_days, 0.0) * arrhenius)
    cycles = model.cycle_per_efc * max(odometer_km, 0.0) / KM_PER_FULL_CHARGE
    return round(min(99.0, max(85.0, 100.0 * (model.initial_soh - calendar - cycles))), 2)


def car_spec(
    device_no: str,
    vehicle_id: str,
    powertrain: Powertrain,
    home: tuple[float, float],
    *,
    seed: int,
    battery_kwh: float | None = None,
    usage: str = "private",
    purchased: date | None = None,
    today: date | None = None,
    **resume: Any,
) -> CarSpec:
    """A car with a seeded home offset (within about 8 km of ``home``), mileage and battery age."""
    rng = random.Random(f"car:{seed}:{vehicle_id}")  # noqa: S311 - simulated, not secret
    age = (today - purchased).days if purchased is not None and today is not None else 700
    per_day = rng.uniform(150.0, 250.0) if usage == "ride_hailing" else rng.uniform(25.0, 60.0)
    odometer = resume.pop("odometer_km", None) or max(age, 30) * per_day
    radius, angle = 0.07 * math.sqrt(rng.random()), rng.uniform(0.0, 2 * math.pi)
    lat = home[0] + radius * math.cos(angle)
    lng = home[1] + radius * math.sin(angle) / math.cos(math.radians(home[0]))
    return CarSpec(
        device_no=device_no,
        vehicle_id=vehicle_id,
        powertrain=powertrain,
        home=(lat, lng),
        seed=rng.getrandbits(48),
        battery_kwh=battery_kwh,
        usage=usage,
        soh_pct=true_soh_pct(age, odometer),
        odometer_km=odometer,
        **resume,
    )


@dataclass(frozen=True, slots=True)
class Scenario:
    cars: Sequence[CarSpec]
    start: datetime
    end: datetime
    seed: int = 2026
    faults: float | Sequence[FaultKind] = 0.1
    cadence: Cadence = field(default_factory=Cadence)
    pinned: Mapping[str, FaultKind] = field(default_factory=dict)
    """Faults placed on these devices first (the demo owner's car gets its slow leak)."""
    spare: Sequence[str] = ()
    """Devices that must stay healthy (no fault is planned on them)."""


class Simulation:
    """One run of a scenario: the cars, their faults, and the merged stream."""

    def __init__(self, scenario: Scenario) -> None:
        if scenario.end <= scenario.start:
            raise ValueError("the simulated window is empty")
        self.scenario = scenario
        self.start, self.end = scenario.start.timestamp(), scenario.end.timestamp()
        candidates = [
            faults.Candidate(c.device_no, c.vehicle_id, c.is_ev)
            for c in scenario.cars
            if c.device_no not in set(scenario.spare)
        ]
        self.trackers, self.skipped = faults.plan(
            candidates, scenario.faults, self.start, self.end, scenario.seed, scenario.pinned
        )
        self.cars = [
            Car(spec, scenario.cadence, self.trackers.get(spec.device_no)) for spec in scenario.cars
        ]
        self.sent: Counter[str] = Counter()
        """Readings produced so far, by device."""

    def _stream(self, car: Car) -> Iterator[tuple[float, str, dict[str, Any]]]:
        device_no = car.spec.device_no
        for t, reading in car.run(self.start, self.end):
            if t > self.end:
                return
            self.sent[device_no] += 1
            yield t, device_no, reading

    def readings(self) -> Iterator[tuple[float, str, dict[str, Any]]]:
        """Every car's readings, merged in time order."""
        return heapq.merge(*(self._stream(car) for car in self.cars), key=itemgetter(0))

    @property
    def ledger(self) -> list[Fault]:
        """The faults planned, as far as the stream so far carried them."""
        return [t.as_fault() for t in self.trackers.values()]

    def last_seq(self, device_no: str) -> int:
        return next(c.seq for c in self.cars if c.spec.device_no == device_no)
