"""One simulated car: trips, parking and charging over a city, as the readings its device sends.

A car lives on a one-second physics step while it drives (speed with a plausible profile: urban
cruising, red lights, expressway stretches on long trips, a heading that steers towards the
destination, longitudinal and lateral acceleration, occasional harsh events) and reports every
``Cadence.drive_s`` seconds, plus a reading at each harsh event. Parked, the device sends a
heartbeat every ``Cadence.park_s`` with the ignition off; an EV on a charger reports every
``Cadence.ac_s`` / ``dc_s`` seconds. Readings are exactly the shape ``payload.validate`` expects:
an ``ev_box`` sends pack, cells, SOC, 12 V and tyres; an ``obd_dongle`` sends raw mode 01 answers
(hex) under ``obd``, its trouble codes under ``dtc`` and, parked, its own 12 V measurement.

The traction battery is counted in ampere-hours: the pack current (positive while driving,
negative while charging, as the device convention says) moves the true SOC by
``I·dt / (Q_nominal · SOH · (1 + k·(T − 25)))`` — the temperature model of ``battery`` — so the
charge a session puts in over its ΔSOC is the car's true capacity, the figure the battery-health
estimate must recover. Faults change what the car does (``simulator_faults``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

from carecover.telematics.service import simulator_plans as plans
from carecover.telematics.service import simulator_readings as readings
from carecover.telematics.service.simulator_faults import (
    DRAIN_KM,
    LOW_RANGE_KM,
    LOW_SOC_PCT,
    FaultKind,
    FaultTracker,
)
from carecover.telematics.service.simulator_readings import (
    CELLS_IN_SERIES,
    DEFAULT_KWH,
    KM_PER_DEG_LAT,
    WHEELS,
    Cadence,
    CarSpec,
    ambient_c,
    bearing,
    km_between,
    ocv,
)

G = 9.81
Emitted = Iterator[tuple[float, dict[str, Any]]]
"""(epoch seconds, reading) in time order."""


class Car:
    """The state of one car and the generator of its readings (``run``)."""

    def __init__(self, spec: CarSpec, cadence: Cadence, tracker: FaultTracker | None) -> None:
        self.spec, self.cadence, self.fault = spec, cadence, tracker
        self.rng = rng = random.Random(spec.seed)  # noqa: S311 - simulated data, not secrets
        self.lat, self.lng = spec.position or (
            spec.home[0] + rng.uniform(-0.01, 0.01),
            spec.home[1] + rng.uniform(-0.01, 0.01),
        )
        self.heading = rng.uniform(0.0, 360.0)
        self.v = 0.0  # m/s
        self.odometer = spec.odometer_km
        self.seq = spec.first_seq
        self.t = 0.0
        self.ign = False
        self.aggressive = rng.random() < 0.25
        self.tyres_cold = [rng.uniform(234.0, 246.0) for _ in WHEELS]
        self.tyre_c = 20.0
        self.coolant = 20.0
        self.fuel = rng.uniform(40.0, 95.0)
        self.soc = spec.soc_pct if spec.soc_pct is not None else rng.uniform(40.0, 90.0)
        if tracker is not None and tracker.kind is FaultKind.low_soc:
            self.soc = rng.uniform(10.5, 11.5)  # forgot to charge
        self.hybrid_pct = rng.uniform(40.0, 70.0)
        self.power_w = 0.0
        self.air, self.air_at = 20.0, -math.inf
        self.mil_km = 0.0
        self.pack_c = 22.0
        self.pack_a = 0.0
        self.charging = "none"
        self.charge_kw = 0.0
        self.lv_parked = rng.uniform(12.55, 12.7)
        self.engine_start = 0.0
        self.dtcs: list[str] = []
        self.acc = (0.0, 0.0, 0.0)
        self.end = 0.0

    # --- the day ------------------------------------------------------------------------------

    def run(self, start: float, end: float) -> Emitted:
        """Readings from ``start`` to ``end`` (epoch seconds), in time order."""
        self.t, self.end = start, end
        self.tyre_c = self.coolant = self.pack_c = ambient_c(self.lat, start)
        yield self.t, self._reading(lv=self.lv_parked)  # the device wakes up and says where it is
        window = end - start
        first = start + self.rng.uniform(0.0, min(900.0, window / 4))
        if self.fault is not None and self.fault.kind is FaultKind.low_soc:
            first = start + self.rng.uniform(0.0, min(300.0, window / 8))
        yield from self._park(first)
        while self.t < end:
            if self.spec.is_ev and self.soc < 30.0 and not self._draining():
                yield from self._charge("dc", self.rng.uniform(75.0, 85.0), end)
            yield from self._trip()
            if self.t >= end or self._crashed():
                break
            yield from self._park(
                plans.departure(self.rng, self.t, self.spec.usage, soon=self._road())
            )
        if self._crashed():  # towed away: the box keeps reporting where the car stands
            yield from self._park(end)

    def _crashed(self) -> bool:
        return self.fault is not None and self.fault.kind is FaultKind.crash and self.fault.done

    def _draining(self) -> bool:
        """A low-SOC fault until the stream has shown it: no charging, keep driving."""
        fault = self.fault
        return fault is not None and fault.kind is FaultKind.low_soc and not fault.complete_at

    def _road(self) -> bool:
        """A crash or misfire due but not yet happened: it needs a proper trip."""
        fault = self.fault
        road = (FaultKind.crash, FaultKind.misfire)
        return fault is not None and fault.kind in road and fault.armed(self.t)

    # --- parked and charging ------------------------------------------------------------------

    def _park(self, until: float) -> Emitted:
        fault, sag = self.fault, False
        if fault is not None and fault.kind is FaultKind.low_12v and fault.armed(self.t):
            sag, until = True, max(until, self.t + 2400.0)  # a weak battery sags overnight
            fault.inject(self.t)
        elif self.spec.is_ev and self._plug_in() and not self._crashed():
            rng, pack_kwh = self.rng, self.spec.battery_kwh or DEFAULT_KWH
            target = rng.uniform(85.0, 95.0)
            need_kwh = (target - self.soc) / 100.0 * pack_kwh
            if (until - self.t) / 3600.0 * 6.8 >= min(need_kwh, 0.2 * pack_kwh):
                early = self.t + rng.uniform(1200.0, 3600.0)  # one in ten plugs out early
                yield from self._charge("ac", target, early if rng.random() < 0.1 else until)
            elif self.soc < 40.0:
                yield from self._charge("dc", self.rng.uniform(78.0, 85.0), self.end)
                until = max(until, self.t)
        parked_at = self.t
        while self.t < min(until, self.end):
            self.t = min(self.t + self.cadence.park_s, until)
            if self.t >= self.end:
                return
            self._cool(self.cadence.park_s)
            minutes = (self.t - parked_at) / 60.0
            if sag and fault is not None:
                volts = max(11.35, 12.3 - 0.09 * minutes) + self.rng.uniform(0.0, 0.05)
                fault.observe_low_voltage(self.t, volts)
            else:
                volts = max(12.42, self.lv_parked - 0.0005 * minutes)
            yield self.t, self._reading(lv=volts)
        if sag:
            self.lv_parked = self.rng.uniform(12.6, 12.75)  # the battery was replaced

    def _plug_in(self) -> bool:
        if self._draining():
            return False
        home = km_between(self.lat, self.lng, *self.spec.home) < 1.0
        return (home and plans.local_hour(self.t) >= 17.0 and self.soc < 60.0) or self.soc < 35.0

    def _charge(self, kind: str, target: float, until: float) -> Emitted:
        """A plug-in session; the charge stops at ``target`` SOC or when the car must leave."""
        rng = self.rng
        period = self.cadence.dc_s if kind == "dc" else self.cadence.ac_s
        limit_kw = rng.uniform(60.0, 110.0) if kind == "dc" else rng.uniform(6.6, 7.0)
        self.t += 1.0
        self.charging, self.pack_a = kind, 0.0
        yield self.t, self._reading(lv=13.5)  # plugged in, not drawing yet
        while self.soc < target and self.t + period < min(until, self.end):
            kw = limit_kw * (max(0.08, (100.0 - self.soc) / 20.0) if self.soc > 80.0 else 1.0)
            volts = CELLS_IN_SERIES * (ocv(self.soc) + 0.0012 * kw * 1000.0 / 360.0)
            amps = kw * 1000.0 / volts
            self.t += period
            self._count_ah(-amps, period)
            heat = 0.15 * (amps / self.spec.nominal_ah) ** 2 if kind == "dc" else 0.01
            cooling = 0.1 * (self.pack_c - 33.0) if self.pack_c > 33.0 else 0.0
            self.pack_c = min(40.0, self.pack_c + period / 60.0 * (heat - cooling))
            self.pack_a, self.charge_kw = -amps, kw
            yield self.t, self._reading(lv=13.5 + rng.uniform(0.0, 0.3))
        self.pack_a = self.charge_kw = 0.0
        self.t += period
        yield self.t, self._reading(lv=13.5)  # full: still plugged, no current
        self.charging = "none"
        self.t += 60.0
        yield self.t, self._reading(lv=12.7)  # unplugged

    def _count_ah(self, amps: float, dt: float) -> None:
        """Coulomb counting on the true SOC; ``amps`` positive discharges."""
        mean = self.pack_c
        k = 0.004 if mean < 25.0 else 0.001
        capacity = self.spec.nominal_ah * self.spec.soh_pct / 100.0 * (1 + k * (mean - 25.0))
        self.soc = min(100.0, max(0.0, self.soc - amps * dt / 3600.0 / capacity * 100.0))

    def _cool(self, dt: float) -> None:
        air = ambient_c(self.lat, self.t)
        relax = 1.0 - math.exp(-dt / 1200.0)
        self.tyre_c += (air - self.tyre_c) * relax
        self.coolant += (air - self.coolant) * relax
        self.pack_c += (air + 2.0 - self.pack_c) * (1.0 - math.exp(-dt / 5400.0))
        self.pack_a = 0.3 if self.spec.is_ev else 0.0

    # --- driving ------------------------------------------------------------------------------

    def _destination(self) -> tuple[float, float]:
        here, usage = (self.lat, self.lng), self.spec.usage
        return plans.destination(
            self.rng, here, self.spec.home, self.t, usage, stay_out=self._road()
        )

    def _cruise(self, highway: bool) -> float:
        return plans.cruise(self.rng, highway=highway, aggressive=self.aggressive)

    def _running_volts(self) -> float:
        return self.rng.uniform(13.6, 14.0) if self.spec.is_ev else self.rng.uniform(13.8, 14.3)

    def _trip(self) -> Emitted:
        rng, fault = self.rng, self.fault
        dest = self._destination()
        highway = km_between(self.lat, self.lng, *dest) > 8.0
        drain = self._draining()
        crash = fault is not None and fault.kind is FaultKind.crash and fault.armed(self.t)
        misfire = fault is not None and fault.kind is FaultKind.misfire and fault.armed(self.t)
        if drain and fault is not None:
            fault.inject(self.t)
        self.ign, self.engine_start = True, self.t
        self.t += 1.0
        yield self.t, self._reading(lv=self._running_volts())
        last_emit, harsh_at, travelled, dwell, boost = self.t, -math.inf, 0.0, 0.0, 0.0
        target, retarget = self._cruise(False), self.t + rng.uniform(20.0, 60.0)
        to_stop = rng.uniform(300.0, 1500.0)  # metres to the next red light
        dt = self.cadence.step_s
        lazy = 0.002 * dt * (3 if self.aggressive else 1)
        course, aim_at, low = self.heading, -math.inf, False
        while self.t < self.end:
            if (
                self.spec.is_ev
                and not low
                and (self.range_km() < DRAIN_KM if drain else self.soc < 15.0)
            ):
                low, dest = (
                    True,
                    plans.offset(self.lat, self.lng, 0.5 if drain else 1.0, self.heading),
                )  # to the nearest charger
            remaining = km_between(self.lat, self.lng, *dest) * 1000.0
            if remaining < 40.0 and self.v < 1.0:
                if not drain or low:
                    break
                dest, highway = self._destination(), False  # low on charge, and still driving
                continue
            self.t += dt
            if self.t >= retarget:
                fast = highway and travelled > 2000.0 and remaining > 2500.0
                target, retarget = self._cruise(fast), self.t + rng.uniform(20.0, 60.0)
            want = target
            if dwell > 0.0:
                dwell, want = dwell - dt, 0.0
            elif min(to_stop, remaining) <= self.v * self.v / 4.0 + self.v * dt + 5.0:
                want = 0.0
            if self.t - aim_at >= 4.0 or remaining < 300.0:
                course, aim_at = bearing(self.lat, self.lng, *dest), self.t
            diff = (course - self.heading + 540.0) % 360.0 - 180.0
            if abs(diff) > 50.0 and remaining > 60.0:
                want = min(want, 4.5)  # slow down for the turn
            accel = max(-2.5, min(2.3 if self.aggressive else 1.8, 0.5 * (want - self.v)))
            if boost > 0.0:
                boost, accel = boost - dt, 3.8
            elif want == 0.0 and self.v > 8.0 and rng.random() < lazy:
                accel = -4.4  # a late, harsh stop
            elif self.v < 2.0 and want > 5.0 and rng.random() < lazy * 10:
                boost, accel = 1.0, 3.8  # a hard launch
            self.v = max(0.0, self.v + accel * dt)
            if self.v < 0.3 and to_stop <= 5.0 and dwell <= 0.0:
                dwell = rng.uniform(10.0, 60.0) if rng.random() < 0.6 else 0.0
                to_stop = rng.uniform(300.0, 1500.0)
            limit = (25.0 if self.v < 6.0 else 5.0) * dt
            noise = (rng.random() - 0.5) * 4.0 * dt
            turn = max(-limit, min(limit, diff)) + noise if self.v > 0.5 else 0.0
            self.heading = (self.heading + turn) % 360.0
            lateral = self.v * math.radians(turn) / dt / G
            step = self.v * dt
            travelled += step
            to_stop -= step
            self._move(step)
            self._spend(accel, dt)
            self.acc = (accel / G, lateral, (rng.random() - 0.5) * 0.06)
            harsh = abs(accel) / G > 0.35 or abs(lateral) > 0.4
            if crash and fault is not None and self.v > 8.0 and self.t - self.engine_start >= 90:
                yield from self._crash(fault, last_emit)
                return
            if misfire and fault is not None and self.t - self.engine_start >= 60.0:
                self.dtcs, misfire = ["P0301"], False
                fault.inject(self.t)
            if self.t - last_emit >= self.cadence.drive_s or (harsh and self.t - harsh_at >= 3.0):
                yield self.t, self._reading(lv=self._running_volts())
                last_emit, harsh_at = self.t, self.t if harsh else harsh_at
                if fault is not None and self._carried(fault):
                    fault.completed(self.t)
        self.v, self.acc = 0.0, (0.0, 0.0, 0.0)
        self.t += 1.0
        yield self.t, self._reading(lv=self._running_volts())
        self.ign = False
        self.t += 2.0
        yield self.t, self._reading(lv=self.lv_parked)
        if self.spec.is_ev and self.soc < 15.0:
            yield from self._charge("dc", self.rng.uniform(78.0, 85.0), self.end)
        elif not self.spec.is_ev and self.fuel < 12.0:
            self.fuel = self.rng.uniform(88.0, 98.0)  # a stop at the petrol station

    def _carried(self, fault: FaultTracker) -> bool:
        """Whether the reading just sent shows the fault to the rules."""
        if fault.kind is FaultKind.misfire:
            return bool(self.dtcs)
        low = round(self.soc, 1) < LOW_SOC_PCT and self.range_km() < LOW_RANGE_KM
        return fault.kind is FaultKind.low_soc and low

    def range_km(self) -> float:
        """What the car says it has left: the usable energy at 15 kWh per 100 km."""
        kwh = (self.spec.battery_kwh or DEFAULT_KWH) * self.spec.soh_pct / 100.0
        return kwh * self.soc / 100.0 / 0.15

    def _crash(self, fault: FaultTracker, last_emit: float) -> Emitted:
        """The reading just before (speed known), the spike, then a car that does not move."""
        rng = self.rng
        if self.t - last_emit > 1.0:
            yield self.t, self._reading(lv=self._running_volts())
        self.t += 1.0
        self.acc = (-rng.uniform(6.5, 7.5), rng.uniform(-2.5, 2.5), rng.uniform(0.5, 1.5))
        self.v *= 0.3
        yield self.t, self._reading(lv=self._running_volts())
        fault.inject(self.t)
        fault.completed(self.t)
        self.v, self.acc = 0.0, (0.0, 0.0, 0.0)
        for _ in range(3):
            self.t += 10.0
            yield self.t, self._reading(lv=self._running_volts())
        self.ign = False
        self.t += 5.0
        yield self.t, self._reading(lv=self.lv_parked)

    def _move(self, metres: float) -> None:
        rad = math.radians(self.heading)
        km = metres / 1000.0
        self.lat += km * math.cos(rad) / KM_PER_DEG_LAT
        self.lng += km * math.sin(rad) / (KM_PER_DEG_LAT * math.cos(math.radians(self.lat)))
        self.odometer += km
        if self.dtcs:
            self.mil_km += km

    def _spend(self, accel: float, dt: float) -> None:
        """Energy for one step (a 1.9 t car), warming the tyres, the engine and the pack."""
        v = self.v
        wheel_w = 1900.0 * accel * v + 0.372 * v**3 + 205.0 * v
        power_w = (wheel_w / 0.9 if wheel_w > 0 else wheel_w * 0.6) + 600.0
        if self.t - self.air_at >= 300.0:
            self.air, self.air_at = ambient_c(self.lat, self.t), self.t
        air = self.air
        self.tyre_c += (air + 8.0 + v * 0.43 - self.tyre_c) * dt / 600.0
        if self.spec.is_ev:
            volts = CELLS_IN_SERIES * ocv(self.soc)
            self.pack_a = power_w / volts
            self._count_ah(self.pack_a, dt)
            self.pack_c += (air + 5.0 + abs(power_w) / 4000.0 - self.pack_c) * dt / 1800.0
        else:
            litres = max(power_w, 0.0) * dt / 3.6e6 / (0.25 * 8.9)  # 25 % efficient, 8.9 kWh/L
            self.fuel = max(0.0, self.fuel - litres / 50.0 * 100.0)
            self.coolant += (90.0 - self.coolant) * dt / 300.0
        self.power_w = power_w

    def _reading(self, *, lv: float) -> dict[str, Any]:
        self.seq += 1
        return readings.encode(self, lv)
