"""Alert rules for vehicle telemetry (C1): one sample and the vehicle's state in, alerts out.

Pure: no database, no clock, no I/O. The caller keeps one ``RuleState`` per vehicle (JSON-able,
for the latest-state row); ``evaluate`` updates it in place and hands it back with the alerts.
Each rule works in episodes: a condition opens one (after ``confirm`` readings, or sustained for a
time) with one alert and a stable ``episode_key``; it ends only after ``clear_samples`` readings
in a row past a hysteresis band, so a flapping sensor raises one alert. Worsening from warning to
urgent raises once more under the same key (count keys to count episodes). Non-urgent alerts in
the owner's quiet hours are ``quiet``. Out-of-order samples are ignored; absurd values (NaN, inf,
out of physical range) are dropped field by field and named in ``rejected_fields``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from typing import Any, Final, Literal, NamedTuple
from zoneinfo import ZoneInfo

from carecover.telematics.service import rules_tyres
from carecover.telematics.service.rules_tyres import CLEAR, HOLD, INFO, URGENT, WARNING, Signal
from carecover.vehicles.enums import Powertrain

Severity = Literal["urgent", "warning", "info"]
DtcClass = Literal["stop_now", "service_soon", "info"]
SEVERITIES: Final[tuple[Severity, ...]] = ("info", "warning", "urgent")  # by INFO, WARNING ...
_DTC_LEVEL: Final[dict[str, int]] = {"stop_now": URGENT, "service_soon": WARNING, "info": INFO}
_DTC_RE: Final = re.compile(r"[PCBU][0-3][0-9A-F]{3}")
_STATE_VERSION: Final = 1


class Dtc(NamedTuple):
    code: str  # SAE J2012, e.g. P0301
    severity: DtcClass


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading; every measurement is optional (devices send what they have)."""

    vehicle_id: uuid.UUID | str
    at: datetime  # device time, timezone-aware
    speed_kmh: float | None = None
    tyre_kpa: Mapping[str, float] | None = None  # gauge pressure by wheel: fl, fr, rl, rr
    tyre_c: Mapping[str, float] | None = None
    battery_v: float | None = None  # the 12 V (low-voltage) battery
    engine_running: bool | None = None  # or an electric car's ready state
    soc_pct: float | None = None
    range_km: float | None = None
    pack_temp_max_c: float | None = None
    cell_v_min: float | None = None
    cell_v_max: float | None = None
    accel_g: tuple[float, float, float] | None = None
    dtcs: tuple[Dtc, ...] | None = None
    """Codes read with this sample (None: not read); a code's episode ends once it is missing."""
    mil_on: bool | None = None


@dataclass(frozen=True, slots=True)
class VehicleProfile:
    placard_front_kpa: float
    placard_rear_kpa: float
    powertrain: Powertrain = Powertrain.ice
    nominal_12v: float = 12.0  # the low-voltage system; 12 V thresholds scale with it

    def __post_init__(self) -> None:
        if not (self.placard_front_kpa > 0 and self.placard_rear_kpa > 0 and self.nominal_12v > 0):
            raise ValueError("placard pressures and nominal voltage must be positive")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """The owner's do-not-disturb window in local time; it may span midnight."""

    start: time = time(22, 0)
    end: time = time(7, 0)
    zone: str = "Asia/Shanghai"

    def contains(self, at: datetime) -> bool:
        local, start, end = at.astimezone(ZoneInfo(self.zone)).time(), self.start, self.end
        return start <= local < end if start <= end else local >= start or local < end


@dataclass(frozen=True, slots=True)
class RuleContext:
    charger_km: float | None = None  # to the nearest charger, when known
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """The thresholds; an insurer tunes them, the tests pin them. Volts are for a 12 V system."""

    tyres: rules_tyres.TyreRules = field(default_factory=rules_tyres.TyreRules)
    clear_samples: int = 3  # readings in a row past the band that end an episode
    low_12v: float = 11.8  # engine off, below this for the sustain: battery_12v_low, warning
    critical_12v: float = 11.0  # ... and below this as long: urgent (it will not crank)
    low_12v_sustain_s: float = 600.0
    clear_12v: float = 12.4
    timer_band_v: float = 0.1  # a sustain timer restarts only this far back above its threshold
    charging_12v: float = 13.0  # engine running, below this for the sustain: charging_fault
    charging_sustain_s: float = 300.0
    charging_clear_12v: float = 13.2
    soc_need_factor: float = 1.5  # range < charger x 1.5 + 10 km: soc_low, warning
    soc_margin_km: float = 10.0
    soc_unreachable_factor: float = 1.2  # range < charger x 1.2 (roads wind): urgent
    soc_clear_band_km: float = 15.0
    soc_fallback_pct: float = 10.0  # no charger distance: SOC below is soc_low; ends at twice
    pack_warning_c: float = 50.0
    pack_urgent_c: float = 55.0
    pack_clear_c: float = 47.0
    cell_spread_mv: float = 100.0
    cell_clear_mv: float = 80.0
    crash_g: float = 4.0
    crash_min_speed_kmh: float = 10.0
    crash_speed_age_s: float = 30.0  # "before" is the last speed this recent, else the sample's
    crash_episode_s: float = 120.0  # spikes closer than this to the last join the same crash
    max_speed_kmh: float = 400.0


@dataclass(frozen=True, slots=True)
class Alert:
    code: str
    severity: Severity
    wheel: str | None
    params: dict[str, Any]
    episode_key: str
    quiet: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Episode:
    key: str
    level: int
    clear_n: int = 0


@dataclass(slots=True, eq=False)
class RuleState:
    """What the rules remember about one vehicle between samples."""

    vehicle_id: str
    last_ts: float | None = None
    episodes: dict[str, _Episode] = field(default_factory=dict)  # tyre.fl, dtc.P0301 ...
    pending: dict[str, int] = field(default_factory=dict)
    tyres: dict[str, rules_tyres.TyreTrack] = field(default_factory=dict)
    low12_since: float | None = None
    crit12_since: float | None = None
    charge_since: float | None = None
    last_speed: tuple[float, float] | None = None  # (km/h, time) of the last valid speed
    last_spike: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": _STATE_VERSION,
            "vehicle": self.vehicle_id,
            "last": self.last_ts,
            "episodes": {f: [e.key, e.level, e.clear_n] for f, e in self.episodes.items()},
            "pending": dict(self.pending),
            "tyres": {wheel: track.to_json() for wheel, track in self.tyres.items()},
            "timers": [self.low12_since, self.crit12_since, self.charge_since, self.last_spike],
            "speed": list(self.last_speed) if self.last_speed else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleState:
        if data.get("v") != _STATE_VERSION:
            raise ValueError(f"unknown rule state version {data.get('v')!r}")
        state = cls(str(data["vehicle"]), data["last"])
        for family, (key, level, clear_n) in data["episodes"].items():
            state.episodes[family] = _Episode(key, int(level), int(clear_n))
        state.pending = {f: int(n) for f, n in data["pending"].items()}
        state.tyres = {w: rules_tyres.TyreTrack.from_json(t) for w, t in data["tyres"].items()}
        state.low12_since, state.crit12_since, state.charge_since, state.last_spike = data["timers"]
        state.last_speed = (float(sp[0]), float(sp[1])) if (sp := data["speed"]) else None
        return state


@dataclass(slots=True)
class Evaluation:
    state: RuleState
    alerts: list[Alert]
    rejected_fields: list[str]
    stale: bool = False  # older than the state's last sample: ignored by the rules


class _Run:
    """One sample's pass: the episode machine, and what it found."""

    __slots__ = ("cfg", "out", "rejected", "state", "ts")

    def __init__(self, state: RuleState, ts: float, cfg: RuleConfig) -> None:
        self.state, self.ts, self.cfg = state, ts, cfg
        self.out: list[tuple[str, int, str | None, dict[str, Any], str]] = []
        self.rejected: list[str] = []

    def ok(self, value: float | None, lo: float, hi: float, name: str) -> float | None:
        if value is None or lo <= value <= hi:  # NaN and inf fail the range check
            return value
        self.rejected.append(name)
        return None

    def step(self, family: str, signal: Signal, confirm: int = 1, wheel: str | None = None) -> None:
        """Move one rule family's episode along; a new or worse episode appends an alert."""
        state = self.state
        episode = state.episodes.get(family)
        if isinstance(signal, str):
            if state.pending:
                state.pending.pop(family, None)
            if episode is not None:
                episode.clear_n = episode.clear_n + 1 if signal == CLEAR else 0
                if episode.clear_n >= self.cfg.clear_samples:
                    del state.episodes[family]
            return
        code, level, params = signal
        if episode is None:
            if confirm > 1:
                seen = state.pending.get(family, 0) + 1
                if seen < confirm:
                    state.pending[family] = seen
                    return
                del state.pending[family]
            key = f"{state.vehicle_id}:{family}:{self.ts * 1000:.0f}"  # epoch ms
            state.episodes[family] = _Episode(key, level)
            if level >= 0:
                self.out.append((code, level, wheel, params, key))
        elif level > episode.level >= 0:  # worse; a silent episode stays silent
            episode.level, episode.clear_n = level, 0
            self.out.append((code, level, wheel, params, episode.key))
        else:
            episode.clear_n = 0


_NO_CONTEXT: Final = RuleContext()
_DEFAULT: Final = RuleConfig()


def evaluate(
    sample: Sample,
    state: RuleState,
    profile: VehicleProfile,
    context: RuleContext | None = None,
    config: RuleConfig | None = None,
) -> Evaluation:
    """Every rule over one sample; ``state`` is updated in place and returned in the result."""
    cfg, ctx = config or _DEFAULT, context or _NO_CONTEXT
    at = sample.at
    if at.tzinfo is None:
        raise ValueError("sample time must be timezone-aware")
    ts = at.timestamp()
    if state.last_ts is not None and ts < state.last_ts:
        return Evaluation(state, [], [], stale=True)
    run = _Run(state, ts, cfg)
    speed = run.ok(sample.speed_kmh, 0.0, cfg.max_speed_kmh, "speed_kmh")
    if sample.tyre_kpa:
        placards = (profile.placard_front_kpa, profile.placard_rear_kpa)
        found = rules_tyres.check_tyres(state.tyres, sample, placards, ts, cfg.tyres, run.rejected)
        for wheel, signal in found:
            run.step("tyre." + wheel, signal, cfg.tyres.confirm_samples, wheel)
    volts = run.ok(sample.battery_v, 0.0, 40.0, "battery_v")
    if volts is not None:
        running = (speed or 0.0) > 5.0 if sample.engine_running is None else sample.engine_running
        _battery_12v(run, volts, 12.0 / profile.nominal_12v, running, cfg)
    if profile.powertrain == Powertrain.bev and (soc := _soc(run, sample, ctx.charger_km)):
        run.step("soc", soc)
    if sample.dtcs is not None:
        _dtcs(run, sample.dtcs)
    if sample.mil_on is not None:
        level = -1 if any(f.startswith("dtc.") for f in state.episodes) else WARNING  # -1: silent
        run.step("mil", ("fault_lamp_on", level, {}) if sample.mil_on else CLEAR)
    if sample.pack_temp_max_c is not None or sample.cell_v_max is not None:
        _traction_battery(run, sample, cfg)
    if sample.accel_g is not None or "crash" in state.episodes:
        _crash(run, sample.accel_g, speed)
    if speed is not None:
        state.last_speed = (speed, ts)
    state.last_ts = ts
    quiet = bool(run.out) and ctx.quiet_hours is not None and ctx.quiet_hours.contains(at)
    alerts = [
        Alert(code, SEVERITIES[level], wheel, params, key, quiet and level < URGENT)
        for code, level, wheel, params, key in run.out
    ]
    return Evaluation(state, alerts, run.rejected)


def _battery_12v(run: _Run, volts: float, scale: float, running: bool, cfg: RuleConfig) -> None:
    """Thresholds are for 12 V: ``scale`` brings the reading there (0.5 on a 24 V truck)."""
    state, ts, band, v = run.state, run.ts, cfg.timer_band_v, volts * scale
    if running:
        state.low12_since = state.crit12_since = None
        run.step("battery_12v_low", CLEAR if v >= cfg.clear_12v else HOLD)
        since = state.charge_since = _timer(state.charge_since, ts, v, cfg.charging_12v, band)
        due, clear = cfg.charging_sustain_s, v >= cfg.charging_clear_12v
        _sustained(run, "charging_fault", WARNING, since, due, volts, clear)
        return
    state.charge_since = None
    low = state.low12_since = _timer(state.low12_since, ts, v, cfg.low_12v, band)
    crit = state.crit12_since = _timer(state.crit12_since, ts, v, cfg.critical_12v, band)
    due, clear = cfg.low_12v_sustain_s, v >= cfg.clear_12v
    level = URGENT if crit is not None and ts - crit >= due else WARNING
    _sustained(run, "battery_12v_low", level, low, due, volts, clear)


def _timer(since: float | None, ts: float, volts: float, below: float, band: float) -> float | None:
    """When the voltage went under ``below``; it restarts only once back above it by the band."""
    if volts < below:
        return ts if since is None else since
    return None if volts >= below + band else since


def _sustained(
    run: _Run, code: str, level: int, since: float | None, due_s: float, volts: float, clear: bool
) -> None:
    """Fire (the family is the code) once the voltage has been low ``due_s`` since ``since``."""
    if since is not None and run.ts - since >= due_s:
        minutes = round((run.ts - since) / 60)
        run.step(code, (code, level, {"volts": round(volts, 2), "minutes": minutes}))
    else:
        run.step(code, CLEAR if clear else HOLD)


def _soc(run: _Run, sample: Sample, charger_km: float | None) -> Signal | None:
    cfg = run.cfg
    soc = run.ok(sample.soc_pct, 0.0, 100.0, "soc_pct")
    range_km = run.ok(sample.range_km, 0.0, 2000.0, "range_km")
    if charger_km is not None and math.isfinite(charger_km) and range_km is not None:
        need = charger_km * cfg.soc_need_factor + cfg.soc_margin_km
        if range_km >= need:
            return CLEAR if range_km >= need + cfg.soc_clear_band_km else HOLD
        code, level = "soc_low", WARNING
        if range_km < charger_km * cfg.soc_unreachable_factor:
            code, level = "soc_charger_unreachable", URGENT
        params = {"range_km": round(range_km), "charger_km": round(charger_km, 1)}
        return code, level, {**params, "needed_km": round(need), "soc_pct": soc}
    if soc is None:
        return None
    if soc < cfg.soc_fallback_pct:
        return "soc_low", WARNING, {"soc_pct": round(soc)}
    return CLEAR if soc >= 2 * cfg.soc_fallback_pct else HOLD


def _dtcs(run: _Run, dtcs: tuple[Dtc, ...]) -> None:
    seen: set[str] = set()
    for raw, severity in dtcs:
        code = raw.strip().upper()
        if not _DTC_RE.fullmatch(code):
            run.rejected.append("dtcs")
        elif code not in seen:
            seen.add(code)
            level = _DTC_LEVEL.get(severity, WARNING)
            run.step("dtc." + code, ("dtc", level, {"dtc": code, "class": severity}))
    for family in [f for f in run.state.episodes if f.startswith("dtc.") and f[4:] not in seen]:
        run.step(family, CLEAR)


def _traction_battery(run: _Run, sample: Sample, cfg: RuleConfig) -> None:
    pack = run.ok(sample.pack_temp_max_c, -60.0, 150.0, "pack_temp_max_c")
    if pack is not None:
        if pack > cfg.pack_warning_c:
            level = URGENT if pack > cfg.pack_urgent_c else WARNING
            run.step("pack_temp", ("battery_overtemp", level, {"pack_temp_c": pack}), confirm=2)
        else:
            run.step("pack_temp", CLEAR if pack <= cfg.pack_clear_c else HOLD)
    lo = run.ok(sample.cell_v_min, 0.0, 6.0, "cell_v_min")
    hi = run.ok(sample.cell_v_max, 0.0, 6.0, "cell_v_max")
    if lo is None or hi is None:
        return
    if lo > hi:
        run.rejected += ["cell_v_min", "cell_v_max"]
    elif (mv := round((hi - lo) * 1000.0, 1)) > cfg.cell_spread_mv:
        run.step("cell_spread", ("cell_imbalance", WARNING, {"spread_mv": mv}), confirm=3)
    else:
        run.step("cell_spread", CLEAR if mv < cfg.cell_clear_mv else HOLD)


def _crash(run: _Run, accel: tuple[float, float, float] | None, speed: float | None) -> None:
    """A spike over ``crash_g`` with the car moving just before; later spikes join the crash."""
    state, ts, cfg = run.state, run.ts, run.cfg
    g = -1.0 if accel is None else math.hypot(*accel)
    if not g <= 100.0:  # NaN too
        run.rejected.append("accel_g")
    if cfg.crash_g < g <= 100.0:
        last = state.last_speed
        before = last[0] if last is not None and ts - last[1] <= cfg.crash_speed_age_s else speed
        if before is not None and before > cfg.crash_min_speed_kmh:
            state.last_spike = ts
            params = {"speed_before_kmh": round(before, 1), "peak_g": round(g, 2)}
            run.step("crash", ("crash", URGENT, params))
            return
    if "crash" in state.episodes:
        spike = ts if state.last_spike is None else state.last_spike
        run.step("crash", CLEAR if ts - spike >= cfg.crash_episode_s else HOLD)
