"""A synthetic EV battery with known truth: capacity fade, and the charge sessions its BMS reports.

Validation data for ``battery`` (D4); deterministic for a seed, numpy only.

Ageing, day by day, with ``A(T) = exp(Ea/R · (1/298.15 − 1/T))`` (Arrhenius, Ea = 50 kJ/mol, so
roughly ×1.9 per 10 °C) at the pack temperature:

* calendar: ``loss = a · √(Σ A(T_day) · 1 day)`` — the √t law in temperature-equivalent days;
* cycles: each charge adds ``b · ΔAh/Q_nominal · √A(T) · (1.5 if DC) · (1 + 0.05/°C below 15 °C)``
  (equivalent full cycles; fast and cold charging wear more);
* ``SOH = initial − calendar − cycles − an optional step`` (a failed module), capacity = SOH · Q.

Charging: constant power (AC 7 kW, DC up to 90 kW tapering above 80 % SOC), the charge filling
``Q · (1 + k (T − 25))`` Ah between 0 and 100 % (the estimator's temperature model, the same
coefficients), the pack warming under DC and cooled above 35 °C. Sensors: a per-car current gain
error, current noise, a BMS SOC error drifting between per-session endpoints and quantised to
0.1 %, temperatures quantised to 1 °C, cell voltages to 1 mV. A share of sessions carries a data
defect (gap, SOC backwards or jumping, discharge pulses, a NaN); plug-outs come early at random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from carecover.telematics.service.battery import Array, ChargeSample, ChargeSession, PackSpec

DEFECTS = ("gap", "soc_backwards", "soc_jump", "sign_flip", "nan")


@dataclass(frozen=True, slots=True)
class Ageing:
    calendar_per_sqrt_day: float = 0.0012
    """Fraction lost per √day at 25 °C: about 2.3 % in the first year parked."""
    cycle_per_efc: float = 1.0e-4
    """Fraction lost per equivalent full cycle at 25 °C on AC: 10 % per 1,000 cycles."""
    activation_j_per_mol: float = 50_000.0
    fast_charge_stress: float = 1.5
    cold_charge_stress_per_c: float = 0.05
    initial_soh: float = 1.0
    scale: float = 1.0
    """Multiplies both losses: the tests' fade rates."""


@dataclass(frozen=True, slots=True)
class Usage:
    km_per_day: float = 45.0
    kwh_per_100km: float = 15.0
    dc_share: float = 0.2
    ac_kw: float = 7.0
    dc_kw: float = 90.0
    plug_below_pct: tuple[float, float] = (20.0, 60.0)
    partial_share: float = 0.15
    climate_mean_c: float = 14.0
    climate_amplitude_c: float = 15.0
    """Beijing-like: about −1 °C in January, 29 °C in July."""


PRIVATE = Usage()
RIDE_HAILING = Usage(km_per_day=260.0, dc_share=0.7, plug_below_pct=(15.0, 35.0))


@dataclass(frozen=True, slots=True)
class Pack:
    nominal_ah: float = 150.0
    cells_in_series: int = 96
    cell_ohm: float = 0.0012
    temp_coeff_cold: float = 0.004
    temp_coeff_warm: float = 0.001

    @property
    def spec(self) -> PackSpec:
        return PackSpec(self.nominal_ah)


@dataclass(frozen=True, slots=True)
class Sensors:
    current_gain_sd: float = 0.003
    current_noise_a: float = 0.3
    soc_error_sd_pct: float = 0.6
    soc_step_pct: float = 0.1
    temp_step_c: float = 1.0
    cell_noise_mv: float = 2.0
    defect_rate: float = 0.05
    ac_period_s: float = 60.0
    dc_period_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Faults:
    """From a month (0 is the first): cell imbalance (mV on the spread), a failing cooling loop
    (1.5 °C/min up to 55 °C), a capacity step (a failed module)."""

    imbalance_from_month: int | None = None
    imbalance_mv: float = 120.0
    overheating_from_month: int | None = None
    capacity_step_month: int | None = None
    capacity_step_pct: float = 10.0


@dataclass(frozen=True, slots=True)
class SyntheticSession:
    session: ChargeSession
    kind: str
    """``ac`` or ``dc``."""
    defect: str | None
    true_soh_pct: float


@dataclass(frozen=True, slots=True)
class SyntheticHistory:
    pack: Pack
    sessions: tuple[SyntheticSession, ...]
    monthly_truth: tuple[tuple[date, float], ...] = field(default=())
    """Mean true SOH (%) per month over the whole horizon, beyond the generated sessions."""

    def crossing(self, threshold_pct: float = 80.0) -> date | None:
        """The first month whose mean true SOH is at or below the threshold."""
        return next((m for m, soh in self.monthly_truth if soh <= threshold_pct), None)


def _arrhenius(temp_c: float, ageing: Ageing) -> float:
    return math.exp(ageing.activation_j_per_mol / 8.314 * (1 / 298.15 - 1 / (temp_c + 273.15)))


def _ocv(soc_pct: Array) -> Array:
    s = np.clip(soc_pct, 0.0, 100.0) / 100.0
    return 3.3 + 0.85 * s + 0.08 * np.tanh((s - 0.05) * 12.0) - 0.08 * np.exp(-20.0 * (1 - s))


def _charge(
    rng: np.random.Generator, pack: Pack, dc: bool, soc0: float, target: float, cap_ah: float,
    temp0: float, hot: bool, period: float, usage: Usage,
) -> tuple[Array, Array, Array, Array]:  # fmt: skip
    """True time, current, SOC and pack temperature, from a rest sample to a rest sample."""
    ts, cur, socs, temps = [0.0], [0.0], [soc0], [temp0]
    t, s, temp = period, soc0, temp0
    power_w = (usage.dc_kw if dc else usage.ac_kw) * 1000.0
    while s < target and t < 14 * 3600:
        volt = pack.cells_in_series * (3.4 + 0.8 * s / 100.0)  # near enough for the current
        i = min(power_w / volt, 2.0 * pack.nominal_ah)
        if s > (80.0 if dc else 95.0):
            i *= max(0.08, (100.0 - s) / (20.0 if dc else 5.0))
        d = temp - 25.0
        q = cap_ah * (1 + (pack.temp_coeff_cold if d < 0 else pack.temp_coeff_warm) * d)
        s += i * period / 3600.0 / q * 100.0
        if hot:  # a failing cooling loop: 1.5 °C/min up to 55 °C
            temp = min(temp + period / 60.0 * 1.5, 55.0)
        else:
            rise = 0.15 * (i / pack.nominal_ah) ** 2 if dc else 0.01
            temp += period / 60.0 * (rise - (0.1 * (temp - 35.0) if temp > 35.0 else 0.0))
        ts.append(t)
        cur.append(i)
        socs.append(s)
        temps.append(temp + rng.normal(0, 0.05))
        t += period
    ts.append(t)
    cur.append(0.0)
    socs.append(s)
    temps.append(temp)
    return np.array(ts), np.array(cur), np.array(socs), np.array(temps)


def _samples(
    rng: np.random.Generator, pack: Pack, sensors: Sensors, gain: float, start: datetime,
    arrays: tuple[Array, Array, Array, Array], spread_mv: float,
    defect: str | None,
) -> tuple[ChargeSample, ...]:  # fmt: skip
    """What the BMS reports for a true trajectory: noise, quantisation, then the defect."""
    t, i, s, temp = arrays
    n = len(t)
    cur = i * (1 + gain) + rng.normal(0, sensors.current_noise_a, n)
    e0, e1 = rng.normal(0, sensors.soc_error_sd_pct, 2)
    soc = s + e0 + (e1 - e0) * np.linspace(0, 1, n)
    soc = np.clip(np.round(soc / sensors.soc_step_pct) * sensors.soc_step_pct, 0, 100)
    spread_t = 2.0 + 2.0 * i / pack.nominal_ah
    q = sensors.temp_step_c
    tmin, tmax = np.round((temp - spread_t / 2) / q) * q, np.round((temp + spread_t / 2) / q) * q
    cell = _ocv(s) + i * pack.cell_ohm
    spread = (8.0 + 0.12 * i + spread_mv + rng.normal(0, sensors.cell_noise_mv, n)) / 1000.0
    cmin, cmax = (
        np.round((cell - spread / 2) * 1000) / 1000,
        np.round((cell + spread / 2) * 1000) / 1000,
    )
    volt = pack.cells_in_series * cell + rng.normal(0, 0.2, n)
    keep = np.ones(n, dtype=bool)
    mid = n // 2
    if defect == "gap":
        keep[mid : min(mid + int(900 / t[1]), n - 2)] = False  # 15 min lost, never the tail
    elif defect == "soc_backwards":
        soc[mid : mid + 5] -= 2.0
    elif defect == "soc_jump":
        soc[mid:] = np.minimum(soc[mid:] + 5.0, 100.0)
    elif defect == "sign_flip":
        cur[mid : mid + 3] = -15.0
    elif defect == "nan":
        volt[mid] = float("nan")
    cols = [x[keep].tolist() for x in (t, cur, volt, soc, tmin, tmax, cmin, cmax)]
    return tuple(
        ChargeSample(start + timedelta(seconds=row[0]), *row[1:]) for row in zip(*cols, strict=True)
    )


def _month_index(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def simulate(
    seed: int,
    months: int = 36,
    *,
    usage: Usage = PRIVATE,
    ageing: Ageing | None = None,
    pack: Pack | None = None,
    sensors: Sensors | None = None,
    faults: Faults | None = None,
    horizon_months: int = 180,
    start: date = date(2022, 1, 1),
) -> SyntheticHistory:
    """``months`` of one car's charge sessions and its true monthly SOH over ``horizon_months``."""
    ageing, pack = ageing or Ageing(), pack or Pack()
    sensors, faults = sensors or Sensors(), faults or Faults()
    rng = np.random.default_rng(seed)
    gain = float(rng.normal(0, sensors.current_gain_sd))
    nominal_kwh = pack.nominal_ah * pack.cells_in_series * 3.65 / 1000.0
    soc, eq_days, cycle_loss = 80.0, 0.0, 0.0
    sessions: list[SyntheticSession] = []
    truth: dict[date, list[float]] = {}
    day = start
    while (m := _month_index(start, day)) < max(horizon_months, months):
        doy = day.timetuple().tm_yday
        ambient = usage.climate_mean_c - usage.climate_amplitude_c * math.cos(
            2 * math.pi * (doy - 15) / 365.25
        )
        eq_days += _arrhenius(ambient + 3.0, ageing)
        stepped = faults.capacity_step_month is not None and m >= faults.capacity_step_month
        step = faults.capacity_step_pct / 100 if stepped else 0.0
        soh = ageing.initial_soh - step - cycle_loss
        soh -= ageing.scale * ageing.calendar_per_sqrt_day * math.sqrt(eq_days)
        truth.setdefault(date(day.year, day.month, 1), []).append(100.0 * soh)
        cold = 1.0 + 0.3 * max(0.0, 10.0 - ambient) / 10.0
        for slot in (0, 1):
            kwh = usage.km_per_day / 2 * usage.kwh_per_100km / 100 * cold
            soc -= 100.0 * kwh * float(rng.lognormal(0, 0.3)) / (nominal_kwh * soh)
            soc = max(soc, 3.0)
            if soc >= rng.uniform(*usage.plug_below_pct):
                continue
            dc = bool(rng.random() < usage.dc_share)
            target = float(rng.uniform(75, 92) if dc else rng.uniform(85, 100))
            if rng.random() < usage.partial_share:
                target = min(target, soc + float(rng.uniform(3, 18)))
            temp0 = ambient + float(rng.uniform(0, 6))
            stress = math.sqrt(_arrhenius(temp0, ageing)) * (ageing.fast_charge_stress if dc else 1)
            stress *= 1 + ageing.cold_charge_stress_per_c * max(0.0, 15.0 - temp0)
            cycle_loss += ageing.scale * ageing.cycle_per_efc * stress * (target - soc) / 100 * soh
            if m < months:
                hot = (
                    faults.overheating_from_month is not None and m >= faults.overheating_from_month
                )
                imb = faults.imbalance_from_month is not None and m >= faults.imbalance_from_month
                period = sensors.dc_period_s if dc else sensors.ac_period_s
                arrays = _charge(rng, pack, dc, soc, target, soh * pack.nominal_ah, temp0, hot,
                                 period, usage)  # fmt: skip
                target = float(arrays[2][-1])
                defect = None
                if rng.random() < sensors.defect_rate:
                    defect = DEFECTS[int(rng.integers(len(DEFECTS)))]
                hour = float(rng.uniform(9, 15) if slot == 0 else rng.uniform(18, 23))
                at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
                spread = faults.imbalance_mv if imb else 0.0
                samples = _samples(rng, pack, sensors, gain, at, arrays, spread, defect)
                sid = f"{seed}-{len(sessions)}"
                sessions.append(SyntheticSession(
                    ChargeSession(samples, sid), "dc" if dc else "ac", defect, 100.0 * soh
                ))  # fmt: skip
            soc = min(target, 100.0)
        day += timedelta(days=1)
    monthly = tuple((m, float(np.mean(v))) for m, v in sorted(truth.items()))
    return SyntheticHistory(pack, tuple(sessions), monthly)
