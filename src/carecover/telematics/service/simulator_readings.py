"""What a simulated car is (``CarSpec``, how often it reports: ``Cadence``) and what its device
sends: its state encoded as ``payload`` readings, with the bits of physics both the car and the
encoder use (air temperature, cell voltage, hot tyre pressure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from carecover.telematics.service.simulator_faults import FaultKind
from carecover.vehicles.enums import Powertrain

if TYPE_CHECKING:
    from carecover.telematics.service.simulator_car import Car

WHEELS: Final = ("fl", "fr", "rl", "rr")
CELLS_IN_SERIES: Final = 96
NOMINAL_PACK_V: Final = 350.0
"""96 cells at about 3.65 V, as ``battery_model.Pack`` and ``battery_reports`` assume: nominal
Ah = kWh x 1000 / 350 V."""
DEFAULT_KWH: Final = 52.5
"""A battery car whose record has no capacity: 150 Ah, ``battery_reports``' default."""
KM_PER_DEG_LAT: Final = 111.2
LOCAL_OFFSET_S: Final = 8 * 3600  # Asia/Shanghai, no daylight saving
ATM_KPA: Final = 101.325
PLACARD_KPA: Final = 230.0  # alerts.PLACARD_KPA, what the rules compare with
LEAK_FLOOR_KPA: Final = 0.835 * PLACARD_KPA
"""A leaking tyre stops losing here: a slow leak, never 'low' (under 80 %) as well."""
DAY_S: Final = 86_400.0


@dataclass(frozen=True, slots=True)
class Cadence:
    """Seconds between readings in each state."""

    drive_s: float = 5.0
    park_s: float = 600.0
    ac_s: float = 60.0
    dc_s: float = 30.0
    step_s: float = 1.0
    """The driving physics' step."""


@dataclass(frozen=True, slots=True)
class CarSpec:
    """What the simulator knows of a car; the resume fields continue an earlier stream."""

    device_no: str
    vehicle_id: str
    powertrain: Powertrain
    home: tuple[float, float]
    """(lat, lng) where the car sleeps."""
    seed: int
    battery_kwh: float | None = None
    usage: str = "private"
    soh_pct: float = 100.0
    """The traction battery's true state of health."""
    odometer_km: float = 20_000.0
    soc_pct: float | None = None
    position: tuple[float, float] | None = None
    first_seq: int = 0

    @property
    def is_ev(self) -> bool:
        return self.powertrain is Powertrain.bev

    @property
    def nominal_ah(self) -> float:
        return (self.battery_kwh or DEFAULT_KWH) * 1000.0 / NOMINAL_PACK_V


def ambient_c(lat: float, t: float) -> float:
    """A plausible air temperature: the season by latitude, warmest mid-afternoon local time."""
    day = (t / DAY_S) % 365.25
    mean = 22.0 - 0.5 * (lat - 23.0)
    amplitude = 6.0 + 0.5 * max(0.0, lat - 23.0)
    hour = ((t + LOCAL_OFFSET_S) % DAY_S) / 3600.0
    season = -amplitude * math.cos(2 * math.pi * (day - 15.0) / 365.25)
    return mean + season + 4.0 * math.cos(2 * math.pi * (hour - 15.0) / 24.0)


def ocv(soc_pct: float) -> float:
    """Open-circuit voltage of an NMC cell against its state of charge."""
    s = min(max(soc_pct, 0.0), 100.0) / 100.0
    return 3.3 + 0.85 * s + 0.08 * math.tanh((s - 0.05) * 12.0) - 0.08 * math.exp(-20.0 * (1 - s))


def hot_kpa(cold_kpa: float, temp_c: float) -> float:
    """The gauge pressure of a tyre at ``cold_kpa`` (20 °C) once at ``temp_c`` (ideal gas)."""
    return (cold_kpa + ATM_KPA) * (temp_c + 273.15) / 293.15 - ATM_KPA


def km_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Equirectangular distance: exact enough within a city, and cheap."""
    x = (lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2.0))
    return math.hypot(x, lat2 - lat1) * KM_PER_DEG_LAT


def bearing(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    x = (lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2.0))
    return math.degrees(math.atan2(x, lat2 - lat1)) % 360.0


def _hex(value: float, size: int) -> str:
    top = (1 << (8 * size)) - 1
    return f"{min(max(round(value), 0), top):0{2 * size}X}"


def _tyres(car: Car) -> dict[str, list[float]]:
    rng, fault, out = car.rng, car.fault, {}
    for i, wheel in enumerate(WHEELS):
        cold = car.tyres_cold[i]
        if fault is not None and fault.kind is FaultKind.slow_leak and fault.wheel == wheel:
            cold = max(min(cold, LEAK_FLOOR_KPA), cold - fault.leak_loss(car.t))
        temp = car.tyre_c + (0.8 if i < 2 else 0.0) + rng.uniform(-0.3, 0.3)
        out[wheel] = [round(hot_kpa(cold, temp) + rng.uniform(-0.4, 0.4), 1), round(temp, 1)]
    return out


def encode(car: Car, lv: float) -> dict[str, Any]:
    """The reading the car's device sends now; ``lv`` is the 12 V it measures."""
    spec, t = car.spec, car.t
    reading: dict[str, Any] = {
        "seq": car.seq,
        "ts": int(t * 1000),
        "lat": round(car.lat, 6),
        "lng": round(car.lng, 6),
        "speed": round(car.v * 3.6, 1),
        "ign": car.ign,
        "tyres": _tyres(car),
    }
    if car.ign:
        reading["heading"] = round(car.heading, 1)
        reading["acc"] = [round(a, 3) for a in car.acc]
    if spec.is_ev:
        cell = ocv(car.soc) + 0.0012 * car.pack_a
        spread = 0.008 + 0.00012 * abs(car.pack_a) + car.rng.uniform(0.0, 0.004)
        reading |= {
            "soc": round(car.soc, 1),
            "range_km": round(car.range_km(), 1),
            "pack_v": round(CELLS_IN_SERIES * cell, 1),
            "pack_a": round(car.pack_a, 1),
            "pack_t_min": round(car.pack_c - 1.0, 1),
            "pack_t_max": round(car.pack_c + 1.0, 1),
            "cell_v_min": round(cell - spread / 2, 3),
            "cell_v_max": round(cell + spread / 2, 3),
            "charging": car.charging,
            "lv_v": round(lv, 2),
            "odometer_km": round(car.odometer, 1),
        }
        if car.charging != "none":
            reading["charge_kw"] = round(car.charge_kw, 1)
        return reading
    if not car.ign:
        reading["lv_v"] = round(lv, 2)  # the dongle's own measurement: the ECU is asleep
        return reading
    reading["obd"] = _obd(car, lv)
    reading["dtc"] = list(car.dtcs)
    return reading


def _obd(car: Car, lv: float) -> dict[str, str]:
    """Raw mode 01 answers (data bytes, hex) as an ELM327-style dongle reads them."""
    rng, kmh, kw = car.rng, car.v * 3.6, max(car.power_w, 0.0) / 1000.0
    rpm = 760.0 + (kmh * 28.0 if kmh < 60 else 900.0 + kmh * 13.0) + kw * 8.0
    if car.dtcs:
        rpm += rng.uniform(-150.0, 150.0)  # the misfiring cylinder shakes the idle
    mil = bool(car.dtcs)
    air = ambient_c(car.lat, car.t)
    pids = {
        "01": f"{(0x80 if mil else 0) | len(car.dtcs):02X}076500",
        "04": _hex(min(100.0, 18.0 + kw * 2.2) * 2.55, 1),
        "05": _hex(car.coolant + 40.0, 1),
        "0C": _hex(rpm * 4.0, 2),
        "0D": _hex(kmh, 1),
        "0F": _hex(air + 12.0 + 40.0, 1),
        "10": _hex((2.5 + kw * 0.9) * 100.0, 2),
        "11": _hex(min(100.0, 14.0 + kw * 1.6) * 2.55, 1),
        "1F": _hex(min(car.t - car.engine_start, 65_535.0), 2),
        "21": _hex(car.mil_km, 2),
        "2F": _hex(car.fuel * 2.55, 1),
        "42": _hex(lv * 1000.0, 2),
        "46": _hex(air + 40.0, 1),
        "5C": _hex(car.coolant + 45.0, 1),
        "5E": _hex((0.8 + kw * 0.3) * 20.0, 2),
        "A6": _hex(car.odometer * 10.0, 4),
    }
    if car.spec.powertrain in (Powertrain.hev, Powertrain.phev):
        pids["5B"] = _hex(car.hybrid_pct * 2.55, 1)
    return pids
