"""Tyre rules (C1): per wheel, the pressure corrected to a cold tyre, against the placard.

A tyre warms up on the road and its pressure rises with it, so every reading is first brought back
to the reference temperature with the ideal gas law on absolute pressure (gauge + 1 atm):

    P_cold_abs = P_hot_abs x (T_ref + 273.15) / (T_hot + 273.15)

Three causes feed one episode per wheel (``rules`` opens and closes it): a puncture (the cold
pressure fell by more than ``fast_drop_kpa`` within ``fast_window_s``), a low tyre (below a share
of the placard, or below an absolute floor) and a slow leak (the trend of half-hour means, fitted
by exponentially weighted least squares over about a day, loses more than ``leak_kpa_per_day``).
A jump up between two half-hour means is a reinflation and restarts the trend.

Also the small vocabulary both rule modules speak: severity levels and the ``Signal`` a check
returns (fire with a code, ``HOLD`` inside the hysteresis band, ``CLEAR`` past it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

INFO: Final = 0
WARNING: Final = 1
URGENT: Final = 2

HOLD: Final = "hold"
CLEAR: Final = "clear"
Fire = tuple[str, int, dict[str, Any]]
"""(alert code, level, params)."""
Signal = Fire | Literal["hold", "clear"]

WHEELS: Final = ("fl", "fr", "rl", "rr")
ATMOSPHERE_KPA: Final = 101.325
KELVIN: Final = 273.15
_DAY_S: Final = 86_400.0
_NO_TEMPS: Final[Mapping[str, float]] = {}


class _TyreSample(Protocol):
    """What ``check_tyres`` reads of ``rules.Sample``."""

    @property
    def tyre_kpa(self) -> Mapping[str, float] | None: ...
    @property
    def tyre_c(self) -> Mapping[str, float] | None: ...


@dataclass(frozen=True, slots=True)
class TyreRules:
    """The tyre thresholds; part of ``rules.RuleConfig``."""

    reference_c: float = 20.0
    """The temperature of a cold tyre, to which every reading is corrected."""
    low_ratio: float = 0.80
    """Below this share of the placard: ``tyre_pressure_low``, warning."""
    critical_ratio: float = 0.70
    """Below this share, or below ``critical_floor_kpa``: ``tyre_pressure_low``, urgent."""
    critical_floor_kpa: float = 140.0
    clear_ratio: float = 0.90
    """The episode ends only at or above this share (and with no fall or leak left)."""
    fast_window_s: float = 600.0
    fast_drop_kpa: float = 10.0
    """More than this lost within the window: ``tyre_puncture``, urgent."""
    fast_clear_drop_kpa: float = 5.0
    fast_spacing_s: float = 30.0
    """Readings kept for the window are at least this far apart (bounds the state)."""
    leak_bucket_s: float = 1800.0
    leak_tau_s: float = _DAY_S
    """Weights fall by 1/e over this age: the trend looks back about a day."""
    leak_min_spread_s: float = 4 * 3600.0
    """The trend counts once its (weighted) bucket times spread at least this much (~14 h)."""
    leak_min_buckets: float = 8.0
    leak_kpa_per_day: float = 10.0
    """Losing more than this a day: ``tyre_slow_leak``, warning."""
    leak_clear_kpa_per_day: float = 5.0
    reinflation_kpa: float = 15.0
    confirm_samples: int = 2
    """A cause must show on this many readings in a row before an episode opens."""
    max_kpa: float = 1000.0
    min_c: float = -60.0
    max_c: float = 200.0


def cold_kpa(gauge_kpa: float, temp_c: float, reference_c: float = 20.0) -> float:
    """The gauge pressure the same air would have at ``reference_c`` (ideal gas, fixed volume)."""
    absolute = (gauge_kpa + ATMOSPHERE_KPA) * (reference_c + KELVIN) / (temp_c + KELVIN)
    return absolute - ATMOSPHERE_KPA


class TyreTrack:
    """What one wheel remembers: recent readings for the fall, the running trend for a leak."""

    __slots__ = (
        "b_n",
        "b_p",
        "b_start",
        "b_t",
        "last_mean",
        "leak",
        "origin",
        "peak",
        "points",
        "sp",
        "sw",
        "sx",
        "sxp",
        "sxx",
    )

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []
        """(time, cold kPa) at least ``fast_spacing_s`` apart, within the fast window."""
        self.peak: float | None = None
        self.b_start = 0.0
        self.b_n = 0
        self.b_t = 0.0
        self.b_p = 0.0
        self.last_mean: float | None = None
        self.origin = 0.0
        """Trend sums are over x = days since this time (the latest bucket's)."""
        self.sw = self.sx = self.sxx = self.sp = self.sxp = 0.0
        self.leak: float | None = None
        """kPa lost per day by the current trend; None until it spreads far enough."""

    def to_json(self) -> dict[str, Any]:
        return {
            "pts": [list(p) for p in self.points],
            "b": [self.b_start, self.b_n, self.b_t, self.b_p],
            "last": self.last_mean,
            "fit": [self.origin, self.sw, self.sx, self.sxx, self.sp, self.sxp],
            "leak": self.leak,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TyreTrack:
        track = cls.__new__(cls)  # every slot is set here
        track.points = [(float(t), float(p)) for t, p in data["pts"]]
        track.peak = max((p for _, p in track.points), default=None)
        track.b_start, b_n, track.b_t, track.b_p = data["b"]
        track.b_n = int(b_n)
        track.last_mean = data["last"]
        track.origin, track.sw, track.sx, track.sxx, track.sp, track.sxp = data["fit"]
        track.leak = data["leak"]
        return track

    def _close_bucket(self, rules: TyreRules) -> None:
        mean = self.b_p / self.b_n
        at = self.b_t / self.b_n
        if self.last_mean is not None and mean - self.last_mean > rules.reinflation_kpa:
            self.sw = self.sx = self.sxx = self.sp = self.sxp = 0.0
        self.last_mean = mean
        d = (at - self.origin) / _DAY_S
        decay = math.exp(-(at - self.origin) / rules.leak_tau_s) if self.sw else 0.0
        # Move the origin to this bucket (x' = x - d), age the old weights, add the bucket at x=0.
        sw, sx, sp = self.sw, self.sx, self.sp
        self.sxx = (self.sxx - 2 * d * sx + d * d * sw) * decay
        self.sxp = (self.sxp - d * sp) * decay
        self.sx = (sx - d * sw) * decay
        self.sw = sw * decay + 1.0
        self.sp = sp * decay + mean
        self.origin = at
        self.leak = None
        if self.sw >= rules.leak_min_buckets:
            mx = self.sx / self.sw
            spread_days = rules.leak_min_spread_s / _DAY_S
            if self.sxx / self.sw - mx * mx >= spread_days * spread_days:
                denominator = self.sw * self.sxx - self.sx * self.sx
                self.leak = -(self.sw * self.sxp - self.sx * self.sp) / denominator


def _judge(
    cold: float,
    drop: float,
    leak: float | None,
    gauge_kpa: float,
    temp_c: float | None,
    placard_kpa: float,
    rules: TyreRules,
) -> Signal:
    """The signal of one wheel's corrected reading, its fall in the window and its trend."""
    ratio = cold / placard_kpa
    if drop > rules.fast_drop_kpa:
        code, level = "tyre_puncture", URGENT
    elif ratio < rules.critical_ratio or cold < rules.critical_floor_kpa:
        code, level = "tyre_pressure_low", URGENT
    elif ratio < rules.low_ratio:
        code, level = "tyre_pressure_low", WARNING
    elif leak is not None and leak > rules.leak_kpa_per_day:
        code, level = "tyre_slow_leak", WARNING
    elif (
        ratio >= rules.clear_ratio
        and drop < rules.fast_clear_drop_kpa
        and (leak is None or leak < rules.leak_clear_kpa_per_day)
    ):
        return CLEAR
    else:
        return HOLD
    params: dict[str, Any] = {
        "cold_kpa": round(cold, 1),
        "placard_kpa": placard_kpa,
        "pct_of_placard": round(ratio * 100),
        "reading_kpa": gauge_kpa,
    }
    if temp_c is not None:
        params["temp_c"] = temp_c
    if code == "tyre_puncture":
        params["drop_kpa"] = round(drop, 1)
        params["window_min"] = round(rules.fast_window_s / 60)
    elif leak is not None:
        params["leak_kpa_per_day"] = round(leak, 1)
    return code, level, params


def check_tyres(
    tracks: dict[str, TyreTrack],
    sample: _TyreSample,
    placards: tuple[float, float],
    ts: float,
    rules: TyreRules,
    rejected: list[str],
    *,
    quiet: bool = False,
) -> list[tuple[str, Signal]]:
    """Every plausible wheel of a sample, checked; implausible readings go to ``rejected``.

    Per wheel: the reading corrected to a cold tyre (``cold_kpa``), recorded in its track (the
    fast window and the half-hour bucket), then judged. This runs for every wheel of every
    reading, so it is written out in one loop, and a healthy tyre (well inflated, not falling,
    no leak: the common case) is cleared without another call. ``quiet``: leave out the wheels
    that only hold or clear (the caller has no episode open that they could move).
    """
    temps = sample.tyre_c or _NO_TEMPS
    signals: list[tuple[str, Signal]] = []
    front, rear = placards
    placard_of = {"fl": front, "fr": front, "rl": rear, "rr": rear}  # WHEELS
    reference_k = rules.reference_c + KELVIN
    max_kpa, min_c, max_c = rules.max_kpa, rules.min_c, rules.max_c
    horizon, spacing, bucket = ts - rules.fast_window_s, rules.fast_spacing_s, rules.leak_bucket_s
    # past every threshold of _judge at once: the wheel is clear (anything else asks _judge)
    healthy = max(rules.clear_ratio, rules.low_ratio, rules.critical_ratio)
    floor = rules.critical_floor_kpa
    fall = min(rules.fast_clear_drop_kpa, rules.fast_drop_kpa)
    trend = min(rules.leak_clear_kpa_per_day, rules.leak_kpa_per_day)
    for wheel, kpa in (sample.tyre_kpa or {}).items():
        placard = placard_of.get(wheel)
        if placard is None or not 0.0 <= kpa <= max_kpa:  # NaN and inf fail too
            rejected.append(f"tyre_kpa.{wheel}")
            continue
        temp = temps.get(wheel)
        if temp is None:
            cold = kpa
        elif min_c <= temp <= max_c:  # cold_kpa, inline
            cold = (kpa + ATMOSPHERE_KPA) * reference_k / (temp + KELVIN) - ATMOSPHERE_KPA
        else:
            rejected.append(f"tyre_c.{wheel}")
            temp, cold = None, kpa
        track = tracks.get(wheel)
        if track is None:
            track = tracks[wheel] = TyreTrack()
        # the fast window: readings at least ``fast_spacing_s`` apart, its peak kept up to date
        points, peak = track.points, track.peak
        if points and points[0][0] < horizon:
            gone = False  # the peak is the window's maximum: look again only if one left
            while points and points[0][0] < horizon:
                gone = gone or peak is None or points[0][1] >= peak
                del points[0]
            if gone:
                peak = track.peak = max([p for _, p in points]) if points else None
        if not points or ts - points[-1][0] >= spacing:
            points.append((ts, cold))
            if peak is None or cold > peak:
                track.peak = cold
        drop = 0.0 if peak is None else peak - cold  # the most it fell within the window
        # the half-hour bucket; a full one joins the leak trend
        b_n = track.b_n
        if b_n and ts - track.b_start >= bucket:
            track._close_bucket(rules)
            b_n = 0
        if b_n:
            track.b_t += ts
            track.b_p += cold
        else:
            track.b_start, track.b_t, track.b_p = ts, 0.0 + ts, 0.0 + cold
        track.b_n = b_n + 1
        leak = track.leak
        if (
            cold / placard >= healthy
            and cold >= floor
            and drop < fall
            and (leak is None or leak < trend)
        ):
            if not quiet:
                signals.append((wheel, CLEAR))
            continue
        signal = _judge(cold, drop, leak, kpa, temp, placard, rules)
        if not quiet or not isinstance(signal, str):
            signals.append((wheel, signal))
    return signals
