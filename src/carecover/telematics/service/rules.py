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
from datetime import datetime
from typing import Any, Final, Literal, NamedTuple

import msgspec

from carecover.telematics.service import rules_tyres
from carecover.telematics.service.rules_config import QuietHours as QuietHours
from carecover.telematics.service.rules_config import RuleConfig as RuleConfig
from carecover.telematics.service.rules_config import RuleContext as RuleContext
from carecover.telematics.service.rules_config import VehicleProfile as VehicleProfile
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


class Sample(msgspec.Struct, frozen=True):
    """One reading; every measurement is optional (devices send what they have).

    A frozen msgspec ``Struct`` (``msgspec.structs.replace`` makes a changed copy): one is built
    per reading, and a frozen dataclass of this many fields costs about 2 µs to build.
    """

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
    stored_tyres: dict[str, Any] | None = None  # as read by from_json, until tracks() decodes it

    def to_json(self) -> dict[str, Any]:
        return {
            "v": _STATE_VERSION,
            "vehicle": self.vehicle_id,
            "last": self.last_ts,
            "episodes": {f: [e.key, e.level, e.clear_n] for f, e in self.episodes.items()},
            "pending": dict(self.pending),
            "tyres": self.stored_tyres
            if self.stored_tyres is not None
            else {wheel: track.to_json() for wheel, track in self.tyres.items()},
            "timers": [self.low12_since, self.crit12_since, self.charge_since, self.last_spike],
            "speed": list(self.last_speed) if self.last_speed else None,
        }

    def tracks(self) -> dict[str, rules_tyres.TyreTrack]:
        """The tyre tracks (most readings carry no tyres: those never decode or re-encode them)."""
        if self.stored_tyres is not None:
            found = self.stored_tyres.items()
            self.tyres = {w: rules_tyres.TyreTrack.from_json(t) for w, t in found}
            self.stored_tyres = None
        return self.tyres

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleState:
        if data.get("v") != _STATE_VERSION:
            raise ValueError(f"unknown rule state version {data.get('v')!r}")
        state = cls(str(data["vehicle"]), data["last"])
        for family, (key, level, clear_n) in data["episodes"].items():
            state.episodes[family] = _Episode(key, int(level), int(clear_n))
        state.pending = {f: int(n) for f, n in data["pending"].items()}
        state.stored_tyres = dict(data["tyres"])  # decoded by the first sample with tyres
        state.low12_since, state.crit12_since, state.charge_since, state.last_spike = data["timers"]
        state.last_speed = (float(sp[0]), float(sp[1])) if (sp := data["speed"]) else None
        return state


class Evaluation(msgspec.Struct):
    state: RuleState
    alerts: list[Alert]
    rejected_fields: list[str]
    stale: bool = False  # older than the state's last sample: ignored by the rules


class _Run(msgspec.Struct):
    """One sample's pass: the episode machine, and what it found (a Struct: cheap to make)."""

    state: RuleState
    ts: float
    cfg: RuleConfig
    out: list[tuple[str, int, str | None, dict[str, Any], str]] = msgspec.field(
        default_factory=list
    )
    rejected: list[str] = msgspec.field(default_factory=list)
    calm: bool = False
    """No episode open and none pending: a hold or a clear then changes nothing, and the rules
    skip ``step`` for it (the common case: a healthy car). Cleared by a step that opens one."""

    def step(self, family: str, signal: Signal, confirm: int = 1, wheel: str | None = None) -> None:
        """Move one rule family's episode along; a new or worse episode appends an alert."""
        state = self.state
        if isinstance(signal, str):  # hold or clear: nothing to do for a family at rest
            if state.pending:
                state.pending.pop(family, None)
            episode = state.episodes.get(family) if state.episodes else None
            if episode is not None:
                episode.clear_n = episode.clear_n + 1 if signal == CLEAR else 0
                if episode.clear_n >= self.cfg.clear_samples:
                    del state.episodes[family]
            return
        episode = state.episodes.get(family)
        code, level, params = signal
        if episode is None:
            if confirm > 1:
                seen = state.pending.get(family, 0) + 1
                if seen < confirm:
                    state.pending[family] = seen
                    self.calm = False
                    return
                del state.pending[family]
            key = f"{state.vehicle_id}:{family}:{self.ts * 1000:.0f}"  # epoch ms
            state.episodes[family] = _Episode(key, level)
            self.calm = False
            if level >= 0:
                self.out.append((code, level, wheel, params, key))
        elif level > episode.level >= 0:  # worse; a silent episode stays silent
            episode.level, episode.clear_n = level, 0
            self.out.append((code, level, wheel, params, episode.key))
        else:
            episode.clear_n = 0


_NO_CONTEXT: Final = RuleContext()
_TYRE_FAMILY: Final = {wheel: "tyre." + wheel for wheel in rules_tyres.WHEELS}
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
    run = _Run(state, ts, cfg, calm=not state.episodes and not state.pending)
    speed = sample.speed_kmh
    if speed is not None and not 0.0 <= speed <= cfg.max_speed_kmh:  # NaN and inf fail too
        run.rejected.append("speed_kmh")
        speed = None
    if sample.tyre_kpa:
        placards = (profile.placard_front_kpa, profile.placard_rear_kpa)
        found = rules_tyres.check_tyres(
            state.tracks(), sample, placards, ts, cfg.tyres, run.rejected, quiet=run.calm
        )
        for wheel, signal in found:
            run.step(_TYRE_FAMILY[wheel], signal, cfg.tyres.confirm_samples, wheel)
    volts = sample.battery_v
    if volts is not None and not 0.0 <= volts <= 40.0:
        run.rejected.append("battery_v")
    elif volts is not None:
        running = (speed or 0.0) > 5.0 if sample.engine_running is None else sample.engine_running
        _battery_12v(run, volts, 12.0 / profile.nominal_12v, running, cfg)
    if profile.powertrain == Powertrain.bev and (
        sample.soc_pct is not None or sample.range_km is not None
    ):
        soc = _soc(run, sample, ctx.charger_km)
        if soc is not None and (not run.calm or not isinstance(soc, str)):
            run.step("soc", soc)
    if sample.dtcs is not None:
        _dtcs(run, sample.dtcs)
    if sample.mil_on is not None:
        level = -1 if any(f.startswith("dtc.") for f in state.episodes) else WARNING  # -1: silent
        run.step("mil", ("fault_lamp_on", level, {}) if sample.mil_on else CLEAR)
    if sample.pack_temp_max_c is not None or sample.cell_v_max is not None:
        _traction_battery(run, sample, cfg)
    accel = sample.accel_g
    if accel is not None:
        g = math.hypot(*accel)
        if cfg.crash_g < g or not g <= 100.0 or "crash" in state.episodes:  # else nothing to do
            _crash(run, g, speed)
    elif "crash" in state.episodes:
        _crash(run, -1.0, speed)
    if speed is not None:
        state.last_speed = (speed, ts)
    state.last_ts = ts
    if not run.out:
        return Evaluation(state, [], run.rejected)
    quiet = ctx.quiet_hours is not None and ctx.quiet_hours.contains(at)
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
        if not run.calm:
            run.step("battery_12v_low", CLEAR if v >= cfg.clear_12v else HOLD)
        clear = v >= cfg.charging_clear_12v
        if state.charge_since is None and v >= cfg.charging_12v:  # charging, no timer running
            if not run.calm:
                run.step("charging_fault", CLEAR if clear else HOLD)
            return
        since = state.charge_since = _timer(state.charge_since, ts, v, cfg.charging_12v, band)
        _sustained(run, "charging_fault", WARNING, since, cfg.charging_sustain_s, volts, clear)
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
    elif not run.calm:
        run.step(code, CLEAR if clear else HOLD)


def _soc(run: _Run, sample: Sample, charger_km: float | None) -> Signal | None:
    cfg = run.cfg
    soc, range_km = sample.soc_pct, sample.range_km
    if soc is not None and not 0.0 <= soc <= 100.0:  # NaN and inf fail too
        run.rejected.append("soc_pct")
        soc = None
    if range_km is not None and not 0.0 <= range_km <= 2000.0:
        run.rejected.append("range_km")
        range_km = None
    if charger_km is not None and math.isfinite(charger_km) and range_km is not None:
        need = charger_km * cfg.soc_need_factor + cfg.soc_margin_km
        params = {"range_km": round(range_km), "charger_km": round(charger_km, 1)}
        if range_km >= need:  # a charger close by: still, under the floor the pack is low
            if soc is not None and soc < cfg.soc_fallback_pct:
                return "soc_low", WARNING, {**params, "needed_km": round(need), "soc_pct": soc}
            full = soc is None or soc >= 2 * cfg.soc_fallback_pct
            return CLEAR if full and range_km >= need + cfg.soc_clear_band_km else HOLD
        code, level = "soc_low", WARNING
        if range_km < charger_km * cfg.soc_unreachable_factor:
            code, level = "soc_charger_unreachable", URGENT
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
    pack = sample.pack_temp_max_c
    if pack is not None and not -60.0 <= pack <= 150.0:  # NaN and inf fail too
        run.rejected.append("pack_temp_max_c")
    elif pack is not None:
        if pack > cfg.pack_warning_c:
            level = URGENT if pack > cfg.pack_urgent_c else WARNING
            run.step("pack_temp", ("battery_overtemp", level, {"pack_temp_c": pack}), confirm=2)
        elif not run.calm:
            run.step("pack_temp", CLEAR if pack <= cfg.pack_clear_c else HOLD)
    lo, hi = sample.cell_v_min, sample.cell_v_max
    if lo is not None and not 0.0 <= lo <= 6.0:
        run.rejected.append("cell_v_min")
        lo = None
    if hi is not None and not 0.0 <= hi <= 6.0:
        run.rejected.append("cell_v_max")
        hi = None
    if lo is None or hi is None:
        return
    if lo > hi:
        run.rejected += ["cell_v_min", "cell_v_max"]
    elif (mv := round((hi - lo) * 1000.0, 1)) > cfg.cell_spread_mv:
        run.step("cell_spread", ("cell_imbalance", WARNING, {"spread_mv": mv}), confirm=3)
    elif not run.calm:
        run.step("cell_spread", CLEAR if mv < cfg.cell_clear_mv else HOLD)


def _crash(run: _Run, g: float, speed: float | None) -> None:
    """A spike over ``crash_g`` (``g``: the acceleration's magnitude, -1 when none was read)
    with the car moving just before; later spikes join the crash."""
    state, ts, cfg = run.state, run.ts, run.cfg
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
