"""EV battery state-of-health from charge sessions (D4): pure functions, no database.

Per session, coulomb counting (trapezoid over the pack current) gives ΔAh, the BMS ΔSOC: capacity
= ΔAh / (ΔSOC / 100) at 25 °C, SOH = capacity / nominal; a session that cannot give a trustworthy
figure keeps its reasons. Per month, the ΔSOC-weighted median with a 95 % band; a Theil–Sen fade
line and when it reaches 80 %; anomalies; advice (i18n ``telematics.battery.<kind>.<code>``, kind
reason, anomaly or advice). Temperature model: a cell takes less charge between two SOC readings
when colder, ``Q(T) = Q25 · (1 + k · (T − 25))``, k = 0.4 %/°C below 25 °C and 0.1 %/°C above,
T the session's time-weighted mean of the pack's min and max sensors. Unreadable input (empty
session, naive or unsorted times, bad capacity) raises ``BatteryInputError``; bad readings (NaN,
inf, absurd values) reject just their session.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


class BatteryInputError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Anomaly(Code):
    month: date = field(kw_only=True)
    sessions: int = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ChargeSample:
    """One BMS reading while plugged in; current is positive while charging."""

    at: datetime
    current_a: float
    voltage_v: float
    soc_pct: float
    temp_min_c: float
    temp_max_c: float
    cell_v_min: float | None = None
    cell_v_max: float | None = None


@dataclass(frozen=True, slots=True)
class ChargeSession:
    """Plug-in to unplug, samples in strictly increasing, time-zone-aware time."""

    samples: tuple[ChargeSample, ...]
    session_id: str = ""

    def __post_init__(self) -> None:
        if not self.samples:
            raise BatteryInputError("empty_session", f"session {self.session_id!r} has no samples")
        for i, s in enumerate(self.samples):
            if s.at.tzinfo is None or s.at.utcoffset() is None:
                raise BatteryInputError("naive_datetime", f"sample {i} has no time zone")
            if i and s.at <= self.samples[i - 1].at:
                raise BatteryInputError("unsorted_time", f"sample {i} is not after sample {i - 1}")


@dataclass(frozen=True, slots=True)
class PackSpec:
    """The vehicle's nominal capacity; ``from_energy`` for makers that quote kWh."""

    nominal_capacity_ah: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.nominal_capacity_ah) and self.nominal_capacity_ah > 0):
            raise BatteryInputError("invalid_pack", "nominal capacity must be a positive number")

    @classmethod
    def from_energy(cls, energy_kwh: float, nominal_voltage_v: float) -> PackSpec:
        return cls(energy_kwh * 1000.0 / nominal_voltage_v if nominal_voltage_v > 0 else math.nan)


@dataclass(frozen=True, slots=True)
class BatteryRules:
    """The thresholds; an insurer tunes them, the tests pin them."""

    min_samples: int = 5
    min_delta_soc_pct: float = 20.0
    max_gap_s: float = 180.0
    soc_backstep_pct: float = 0.5
    soc_jump_pct: float = 3.0
    discharge_current_a: float = 2.0
    max_abs_current_a: float = 1500.0
    pack_voltage_v: tuple[float, float] = (50.0, 1000.0)
    temp_c: tuple[float, float] = (-40.0, 90.0)
    cell_voltage_v: tuple[float, float] = (1.5, 5.0)
    soh_plausible_pct: tuple[float, float] = (50.0, 125.0)
    temp_coeff: tuple[float, float] = (0.004, 0.001)
    month_tz: tzinfo = UTC
    min_month_sessions: int = 3
    systematic_pp: float = 0.5
    rest_current_a: float = 5.0
    spread_mv: tuple[float, float] = (50.0, 100.0)
    """Cell voltage spread limits at rest and under load (current ``rest_current_a`` or more)."""
    min_imbalance_sessions: int = 2
    max_temp_c: float = 45.0
    temp_rise_c_per_min: float = 1.0
    temp_rise_window_s: float = 600.0
    sudden_drop_pp: float = 5.0
    fast_charge_c_rate: float = 0.5
    fast_share: float = 0.5
    expected_fade_pp: float = 3.0
    """A year; faster fade with mostly fast charging earns ``reduce_fast_charging``."""
    eol_soh_pct: float = 80.0
    horizon_years: int = 10
    service_soon_months: int = 12
    min_trend_months: int = 4
    trend_window_months: int | None = 18
    """The trend follows recent months: √t calendar fade slows down, old months mislead."""
    advice_window_months: int = 3


RULES = BatteryRules()


@dataclass(frozen=True, slots=True)
class Estimate:
    """One session's figures: SOH only when accepted, anomaly figures whenever readable."""

    session_id: str
    at: datetime
    accepted: bool
    reasons: tuple[Code, ...]
    delta_ah: float | None = None
    delta_soc_pct: float | None = None
    mean_temp_c: float | None = None
    soh_pct: float | None = None
    fast: bool = False
    max_temp_c: float | None = None
    temp_rise_c_per_min: float | None = None
    spread_rest_mv: float | None = None
    spread_load_mv: float | None = None


@dataclass(frozen=True, slots=True)
class MonthlySoh:
    """One calendar month; ``soh_pct`` is None below ``min_month_sessions`` accepted sessions."""

    month: date
    sessions: int
    rejected: int
    soh_pct: float | None
    low_pct: float | None
    high_pct: float | None
    fast_share: float


@dataclass(frozen=True, slots=True)
class FadeTrend:
    """Theil–Sen line; crossings from it and its slope's 95 % band, None beyond the horizon."""

    slope_pp_per_year: float
    soh_now_pct: float
    crosses_on: date | None
    earliest_on: date | None
    latest_on: date | None


@dataclass(frozen=True, slots=True)
class BatteryReport:
    sessions: tuple[Estimate, ...]
    months: tuple[MonthlySoh, ...]
    trend: FadeTrend | None
    anomalies: tuple[Anomaly, ...]
    advice: tuple[Code, ...]
    """``advise`` reads the rest of the report."""


def _outside(bounds: tuple[float, float], *xs: Array) -> bool:
    return any(bool(np.any((x < bounds[0]) | (x > bounds[1]))) for x in xs)


def estimate_session(
    session: ChargeSession, pack: PackSpec, rules: BatteryRules = RULES
) -> Estimate:
    """One session's capacity and SOH, or the reasons it gives none; anomaly figures too."""
    sm = session.samples
    est = Estimate(session.session_id, sm[0].at, False, ())
    if len(sm) < rules.min_samples:
        return replace(est, reasons=(Code("too_few_samples", {"count": len(sm)}),))
    t = np.array([s.at.timestamp() for s in sm]) - sm[0].at.timestamp()
    cur, volt, soc, tmin, tmax, cmin, cmax = (  # every field but the time, None as NaN
        np.array([math.nan if (x := getattr(s, f.name)) is None else x for s in sm], dtype=float)
        for f in fields(ChargeSample)[1:]
    )
    named = {"current": cur, "voltage": volt, "soc": soc, "temp_min": tmin, "temp_max": tmax}
    bad = [n for n, x in named.items() if not np.all(np.isfinite(x))]
    bad += [n for n, x in (("cell_min", cmin), ("cell_max", cmax)) if np.any(np.isinf(x))]
    if bad:
        return replace(est, reasons=(Code("non_finite", {"fields": bad}),))
    cells = np.isfinite(cmin) & np.isfinite(cmax)
    checks = {
        "current": _outside((-rules.max_abs_current_a, rules.max_abs_current_a), cur),
        "voltage": _outside(rules.pack_voltage_v, volt),
        "soc": _outside((0.0, 100.0), soc),
        "temperature": _outside(rules.temp_c, tmin, tmax) or bool(np.any(tmin > tmax)),
        "cell_voltage": _outside(rules.cell_voltage_v, cmin[cells], cmax[cells])
        or bool(np.any(cmin[cells] > cmax[cells])),
    }
    if bad := [k for k, v in checks.items() if v]:
        return replace(est, reasons=(Code("implausible_value", {"fields": bad}),))
    ends = np.searchsorted(t, t + rules.temp_rise_window_s)
    ok = ends < len(t)
    rise = (tmax[ends[ok]] - tmax[ok]) / ((t[ends[ok]] - t[ok]) / 60.0)
    spread = (cmax - cmin) * 1000.0
    resting = np.abs(cur) < rules.rest_current_a
    rest, load = cells & resting, cells & ~resting
    c_rate = float(cur[~resting].mean()) / pack.nominal_capacity_ah if (~resting).any() else 0.0
    step_ah = (cur[1:] + cur[:-1]) / 2.0 * np.diff(t) / 3600.0
    delta_ah, delta_soc = float(step_ah.sum()), float(soc[-1] - soc[0])
    mean_temp = float(np.trapezoid((tmin + tmax) / 2.0, t) / t[-1])
    est = replace(
        est, delta_ah=delta_ah, delta_soc_pct=delta_soc, mean_temp_c=mean_temp,
        fast=c_rate >= rules.fast_charge_c_rate, max_temp_c=float(tmax.max()),
        temp_rise_c_per_min=float(rise.max()) if rise.size else None,
        spread_rest_mv=float(spread[rest].max()) if rest.any() else None,
        spread_load_mv=float(spread[load].max()) if load.any() else None,
    )  # fmt: skip
    reasons: list[Code] = []
    step = np.diff(soc)
    unexplained = step - 100.0 * np.maximum(step_ah, 0.0) / pack.nominal_capacity_ah
    jump = float(unexplained[np.diff(t) <= rules.max_gap_s].max(initial=0.0))  # gaps: data_gap
    if (gap := float(np.diff(t).max())) > rules.max_gap_s:
        reasons.append(Code("data_gap", {"gap_s": round(gap), "max_gap_s": rules.max_gap_s}))
    if step.min() < -rules.soc_backstep_pct:
        reasons.append(Code("soc_backwards", {"drop_pct": round(-float(step.min()), 2)}))
    if jump > rules.soc_jump_pct:
        reasons.append(Code("soc_jump", {"jump_pct": round(jump, 2)}))
    if cur.min() < -rules.discharge_current_a:
        reasons.append(Code("current_sign_flip", {"min_current_a": round(float(cur.min()), 1)}))
    if delta_soc < rules.min_delta_soc_pct:
        params = {"delta_soc_pct": round(delta_soc, 1), "min_pct": rules.min_delta_soc_pct}
        reasons.append(Code("soc_delta_too_small", params))
    if reasons:
        return replace(est, reasons=tuple(reasons))
    factor = 1.0 + rules.temp_coeff[0 if mean_temp < 25.0 else 1] * (mean_temp - 25.0)
    soh = 100.0 * delta_ah / (delta_soc / 100.0) / factor / pack.nominal_capacity_ah
    if not rules.soh_plausible_pct[0] <= soh <= rules.soh_plausible_pct[1]:
        return replace(est, reasons=(Code("capacity_implausible", {"soh_pct": round(soh, 1)}),))
    return replace(est, accepted=True, soh_pct=soh)


def _by_month(es: Iterable[Estimate], rules: BatteryRules) -> dict[date, list[Estimate]]:
    out: dict[date, list[Estimate]] = {}
    for e in es:
        local = e.at.astimezone(rules.month_tz)
        out.setdefault(date(local.year, local.month, 1), []).append(e)
    return dict(sorted(out.items()))


def _index(month: date) -> int:
    return month.year * 12 + month.month - 1


def monthly_soh(es: Iterable[Estimate], rules: BatteryRules = RULES) -> tuple[MonthlySoh, ...]:
    """Weighted median; band ±1.96·1.2533·1.4826·MAD/√n_eff, ``systematic_pp`` in quadrature."""
    out = []
    for month, group in _by_month(es, rules).items():
        ok = [e for e in group if e.accepted]
        fast = float(np.mean([e.fast for e in group if e.max_temp_c is not None] or [False]))
        soh = low = high = None
        if len(ok) >= rules.min_month_sessions:
            y = np.array([e.soh_pct for e in ok], dtype=float)
            w = np.array([e.delta_soc_pct for e in ok], dtype=float)
            order = np.argsort(y)  # the weighted median: half the weight either side
            soh = float(y[order][np.searchsorted(np.cumsum(w[order]), w.sum() / 2.0)])
            se = 1.2533 * 1.4826 * float(np.median(np.abs(y - soh))) * math.sqrt((w**2).sum())
            half = math.hypot(1.96 * se / w.sum(), rules.systematic_pp)
            low, high = soh - half, soh + half
        out.append(MonthlySoh(month, len(ok), len(group) - len(ok), soh, low, high, fast))
    return tuple(out)


def theil_sen(x: Array, y: Array, z: float = 1.96) -> tuple[float, float, float, float]:
    """Slope, intercept and the slope's distribution-free band (Sen 1968, Kendall's variance)."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    slopes = np.sort((y[j] - y[i])[dx != 0] / dx[dx != 0])
    if not slopes.size:
        raise BatteryInputError("degenerate_trend", "a trend needs two distinct x values")
    slope, n, m = float(np.median(slopes)), len(x), slopes.size
    c = z * math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    lo, hi = (int(np.clip(k, 0, m - 1)) for k in (math.floor((m - c) / 2), math.ceil((m + c) / 2)))
    return slope, float(np.median(y - slope * x)), float(slopes[lo]), float(slopes[hi])


def fade_trend(months: Sequence[MonthlySoh], rules: BatteryRules = RULES) -> FadeTrend | None:
    """The fade line over recent reliable months, when it reaches ``eol_soh_pct`` (maybe past)."""
    good = [(_index(m.month), m.soh_pct) for m in months if m.soh_pct is not None]
    if good and rules.trend_window_months is not None:
        good = [(i, y) for i, y in good if good[-1][0] - i < rules.trend_window_months]
    if len(good) < rules.min_trend_months:
        return None
    last = good[-1][0]
    x, y = np.array([i - last for i, _ in good], dtype=float), np.array([y for _, y in good])
    slope, now, s_lo, s_hi = theil_sen(x, y)
    cross: list[date | None] = []
    for s in (slope, s_lo, s_hi):  # a flat or rising line crosses only if already below
        ahead = 0.0 if s >= 0 else (rules.eol_soh_pct - now) / s
        ok = (now <= rules.eol_soh_pct or s < 0) and ahead <= rules.horizon_years * 12
        cross.append(date((n := last + round(ahead)) // 12, n % 12 + 1, 1) if ok else None)
    ends = sorted(d for d in cross[1:] if d is not None)
    latest = ends[-1] if len(ends) == 2 else None  # None: beyond the horizon
    return FadeTrend(slope * 12, now, cross[0], ends[0] if ends else None, latest)


def detect_anomalies(
    es: Iterable[Estimate], months: Sequence[MonthlySoh], rules: BatteryRules = RULES
) -> tuple[Anomaly, ...]:
    """Per month ``cell_imbalance``, ``overheating``, ``fast_temperature_rise``; ``soh_drop``."""
    out: list[Anomaly] = []
    params: dict[str, Any]
    rest_mv, load_mv = rules.spread_mv
    for month, group in _by_month(es, rules).items():
        rest = [e.spread_rest_mv or 0.0 for e in group]
        load = [e.spread_load_mv or 0.0 for e in group]
        bad = [i for i in range(len(group)) if rest[i] > rest_mv or load[i] > load_mv]
        if len(bad) >= rules.min_imbalance_sessions:
            params = {"rest_mv": round(max(rest)), "load_mv": round(max(load))}
            out.append(Anomaly("cell_imbalance", params, month=month, sessions=len(bad)))
        for code, attr, limit in (
            ("overheating", "max_temp_c", rules.max_temp_c),
            ("fast_temperature_rise", "temp_rise_c_per_min", rules.temp_rise_c_per_min),
        ):
            if hits := [e for e in group if (getattr(e, attr) or -math.inf) > limit]:
                worst = round(max(getattr(e, attr) for e in hits), 2)
                params = {attr: worst, "limit": limit, "fast": sum(e.fast for e in hits)}
                out.append(Anomaly(code, params, month=month, sessions=len(hits)))
    good = [(m.soh_pct, m) for m in months if m.soh_pct is not None]
    for k in range(1, len(good) - 1):  # a level shift: this month and the next, under the median
        ref = float(np.median([y for y, _ in good[max(0, k - 3) : k]]))  # of up to 3 before
        (prev, _), (soh, m), (after, _) = good[k - 1], good[k], good[k + 1]
        drop, before = ref - max(soh, after), ref - prev  # the month before is still level
        if drop > rules.sudden_drop_pp >= before and (m.high_pct or 0.0) < ref:
            params = {"from_pct": round(ref, 1), "to_pct": round(soh, 1)}
            out.append(Anomaly("soh_drop", params, month=m.month, sessions=m.sessions))
    return tuple(sorted(out, key=lambda a: (a.month, a.code)))


def advise(report: BatteryReport, rules: BatteryRules = RULES) -> tuple[Code, ...]:
    """Advice over the last ``advice_window_months``, most urgent first; ``ok`` alone if none."""
    months, trend = report.months, report.trend
    last = _index(months[-1].month) if months else 0
    recent = [a for a in report.anomalies if last - _index(a.month) < rules.advice_window_months]
    codes = {a.code for a in recent}
    ahead = _index(trend.crosses_on) - last if trend and trend.crosses_on else None
    out: list[Code] = []
    if trend is not None and trend.soh_now_pct <= rules.eol_soh_pct:
        soh = round(trend.soh_now_pct, 1)
        out.append(Code("service_battery_soon", {"cause": "below_threshold", "soh_pct": soh}))
    elif "soh_drop" in codes:
        out.append(Code("service_battery_soon", {"cause": "soh_drop"}))
    elif ahead is not None and ahead <= rules.service_soon_months:
        out.append(Code("service_battery_soon", {"cause": "projection", "months": ahead}))
    if "cell_imbalance" in codes:
        out.append(Code("check_cell_balance"))
    heat = [a for a in recent if a.code in ("overheating", "fast_temperature_rise")]
    window = months[-rules.advice_window_months :]
    share = round(sum(m.fast_share for m in window) / max(len(window), 1), 2)
    if heat and 2 * sum(a.params["fast"] for a in heat) >= sum(a.sessions for a in heat):
        out.append(Code("reduce_fast_charging", {"cause": "heat", "fast_share": share}))
    elif heat:
        out.append(Code("check_thermal_system"))
    elif trend and share >= rules.fast_share and -trend.slope_pp_per_year > rules.expected_fade_pp:
        out.append(Code("reduce_fast_charging", {"cause": "fade", "fast_share": share}))
    if not any(m.soh_pct is not None for m in window):
        out.append(Code("need_longer_charges", {"min_delta_soc_pct": rules.min_delta_soc_pct}))
    return tuple(out) or (Code("ok"),)


def battery_report(
    sessions: Iterable[ChargeSession], pack: PackSpec, rules: BatteryRules = RULES
) -> BatteryReport:
    """Everything the monthly battery card shows, from the sessions alone."""
    estimates = sorted((estimate_session(s, pack, rules) for s in sessions), key=lambda e: e.at)
    months = monthly_soh(estimates, rules)
    trend = fade_trend(months, rules)
    anomalies = detect_anomalies(estimates, months, rules)
    report = BatteryReport(tuple(estimates), months, trend, anomalies, ())
    return replace(report, advice=advise(report, rules))
