"""Trips and the driving score (F1): one reading and the vehicle's state in, a finished trip out.

Pure: no database, no clock, no I/O. The caller keeps one JSON-able ``TripState`` per vehicle (like
the rules' ``RuleState``); ``observe`` folds each reading into the open trip's running totals, so a
trip is measured and scored as it ends, without re-reading its readings.

Segments. A trip starts as the ignition comes on, or above 5 km/h unless the ignition says off. It
ends on ignition off (at that reading), after 5 min at or below 3 km/h, or on a data gap over
10 min (those two end it when it stopped, else at its last reading; ``flush`` ends one whose
device went silent). Trips under 0.3 km or 1 min come back ``discarded`` with the reason and no
score. Out-of-order readings and speeds outside 0-400 km/h are ignored (``TripState.ignored``).

Measures. An interval between readings counts at the mean of its two speeds: moving above 3 km/h,
speeding above 120 km/h (road limits are not available offline, so one absolute threshold,
``TripConfig.speeding_kmh``, stands in on every road class). Distance sums the haversine between
fixes over moving intervals; a fix implying over 250 km/h from the last good one is a GPS jump,
skipped (three in a row: the new position is real). Harsh braking: forward acceleration below
-0.35 g (x forward, y lateral, gravity removed) or, with no accelerometer, speed falling faster
than 12 km/h per second; harsh acceleration above +0.35 g; harsh cornering |lateral| above 0.4 g.
Hits within 3 s of the last of their kind are one event; only moving readings count. Night is
22:00-05:00 Asia/Shanghai. Shares and the average speed are of moving time.

Score, 0-100 per trip. With ``km`` the trip's distance and ``per100(n) = 100 * n / max(km, 1)``::

    score = 100
          - min(30, 2.0 * per100(harsh braking))
          - min(20, 1.5 * per100(harsh acceleration))
          - min(20, 1.5 * per100(harsh cornering))
          - min(20, 50 * speeding share)     # 10 % of moving time over 120 km/h: -5
          - 10 * night share                 # all of it at night: -10
    clamped to [0, 100], rounded to 0.1

Monthly: trip scores weigh ``km * min(1, km)`` (by distance; under 1 km less again: 0.5 km weighs
0.25). UBI factor proposal for the renewal, never applied here, none under 100 km in a month::

    monthly score >= 90: 0.85 | >= 80: 0.95 | >= 70: 1.00 | >= 60: 1.05 | < 60: 1.15

Needs hints: ``needs_hints`` (docs/telematics-score.md has the rules and the whole formula).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

EndReason = Literal["ignition_off", "stationary", "gap", "flush"]
Discard = Literal["short_distance", "short_duration"]
NeedHint = Literal["training_offer", "safety_check", "night_driving_tips"]
_STATE_VERSION: Final = 1
_EARTH_M: Final = 6_371_008.8  # mean radius
_MAX_G: Final = 16.0  # beyond a MEMS accelerometer's range: a broken reading
UBI_TABLE: Final = ((90.0, Decimal("0.85")), (80.0, Decimal("0.95")), (70.0, Decimal("1.00")))
UBI_TABLE_LOW: Final = ((60.0, Decimal("1.05")), (-math.inf, Decimal("1.15")))
UBI_MIN_KM: Final = 100.0
YOUNG_AGE, LOW_SCORE, SENIOR_AGE = 25, 70.0, 65  # under 25 and under 70: training; 65+: check
NIGHT_KM, NIGHT_KM_MIN, NIGHT_KM_SHARE = 100.0, 30.0, 0.25


@dataclass(frozen=True, slots=True)
class TripSample:
    """One reading; the vehicle is the state's."""

    at: datetime  # device time, timezone-aware
    lat: float | None
    lng: float | None
    speed_kmh: float
    ignition: bool | None = None
    accel_g: tuple[float, float, float] | None = None  # x forward, y lateral, z up; gravity removed


@dataclass(frozen=True, slots=True)
class TripConfig:
    """The thresholds; an insurer tunes them, the tests pin them."""

    start_kmh: float = 5.0  # ignition not on: a trip starts above this
    stationary_kmh: float = 3.0  # at or below: standing still
    stationary_s: float = 300.0
    gap_s: float = 600.0
    min_km: float = 0.3
    min_s: float = 60.0
    jump_kmh: float = 250.0
    jump_reset: int = 3  # jumps in a row after which the new position is taken as real
    max_speed_kmh: float = 400.0
    brake_g: float = 0.35
    accel_g: float = 0.35
    corner_g: float = 0.4
    drop_kmh_s: float = 12.0  # no accelerometer: a speed drop faster than this is harsh braking
    drop_window_s: float = 2.0  # ... judged only between readings this close
    debounce_s: float = 3.0
    speeding_kmh: float = 120.0
    night_zone: str = "Asia/Shanghai"
    night_hours: tuple[int, int] = (22, 5)  # local, from (inclusive) to (exclusive)

    def is_night(self, at: datetime) -> bool:
        hour, (start, end) = at.astimezone(ZoneInfo(self.night_zone)).hour, self.night_hours
        return start <= hour < end if start <= end else hour >= start or hour < end


@dataclass(slots=True)
class _Acc:
    """An open trip's running totals; epoch seconds and metres."""

    start: float
    speed: float  # the last reading's
    fix: list[float] | None = None  # the last good one: lat, lng, time
    stop_since: float | None = None
    distance_m: float = 0.0
    night_m: float = 0.0
    moving_s: float = 0.0
    speeding_s: float = 0.0
    night_s: float = 0.0
    max_speed: float = 0.0
    jumps: int = 0
    jump_run: int = 0
    harsh: list[int] = field(default_factory=lambda: [0, 0, 0])  # braking, acceleration, cornering
    harsh_at: list[float | None] = field(default_factory=lambda: [None, None, None])  # last hit


@dataclass(slots=True, eq=False)
class TripState:
    """What the segmenter remembers about one vehicle between readings."""

    vehicle_id: str
    last_ts: float | None = None
    ignition: bool | None = None  # the last reported
    ignored: int = 0
    trip: _Acc | None = None

    def to_json(self) -> dict[str, Any]:
        trip = (acc := self.trip) and {f.name: copy(getattr(acc, f.name)) for f in fields(acc)}
        return {"v": _STATE_VERSION, "vehicle": self.vehicle_id, "last": self.last_ts,
                "ignition": self.ignition, "ignored": self.ignored, "trip": trip}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TripState:
        if data.get("v") != _STATE_VERSION:
            raise ValueError(f"unknown trip state version {data.get('v')!r}")
        acc = None if (trip := data["trip"]) is None else _Acc(**trip)
        return cls(str(data["vehicle"]), data["last"], data["ignition"], int(data["ignored"]), acc)


@dataclass(frozen=True, slots=True)
class Trip:
    vehicle_id: str
    start: datetime  # UTC
    end: datetime
    end_reason: EndReason
    discarded: Discard | None
    distance_km: float
    duration_s: float
    moving_s: float
    max_speed_kmh: float
    avg_speed_kmh: float  # over moving time
    harsh_braking: int
    harsh_acceleration: int
    harsh_cornering: int
    speeding_share: float  # of moving time
    night_share: float
    night_km: float
    gps_jumps: int
    score: float | None  # None when discarded

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trip:
        times = {k: datetime.fromisoformat(data[k]).astimezone(UTC) for k in ("start", "end")}
        return cls(**{**data, **times})


_DEFAULT: Final = TripConfig()


def observe(sample: TripSample, state: TripState, config: TripConfig | None = None) -> Trip | None:
    """Fold one reading in; ``state`` is updated in place. Returns the trip this reading ended."""
    cfg = config or _DEFAULT
    if sample.at.tzinfo is None:
        raise ValueError("sample time must be timezone-aware")
    ts, speed, last = sample.at.timestamp(), sample.speed_kmh, state.last_ts
    if (last is not None and ts <= last) or not 0.0 <= speed <= cfg.max_speed_kmh:
        state.ignored += 1
        return None
    ended: Trip | None = None
    acc, ignition = state.trip, sample.ignition
    edge = ignition is True and state.ignition is not True  # the ignition just came on
    if acc is not None and last is not None and ts - last > cfg.gap_s:
        ended, acc = _close(state, acc, last, "gap", cfg), None
    if acc is not None and last is not None:
        _fold(acc, sample, ts, ts - last, cfg)
        if ignition is False:
            ended = _close(state, acc, ts, "ignition_off", cfg)
        elif acc.stop_since is not None and ts - acc.stop_since >= cfg.stationary_s:
            ended = _close(state, acc, ts, "stationary", cfg)
    elif edge or (ignition is not False and speed > cfg.start_kmh):
        state.trip = acc = _Acc(ts, speed)
        _fold(acc, sample, ts, 0.0, cfg)
    state.last_ts = ts
    if ignition is not None:
        state.ignition = ignition
    return ended


def flush(
    state: TripState, now: datetime | None = None, config: TripConfig | None = None
) -> Trip | None:
    """End the open trip (when it stopped, else at its last reading): at once, or, given ``now``,
    only once the data gap has passed (a sweeper for devices that went silent)."""
    cfg, acc, last = config or _DEFAULT, state.trip, state.last_ts
    if acc is None or last is None:
        return None
    if now is None:
        return _close(state, acc, last, "flush", cfg)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _close(state, acc, last, "gap", cfg) if now.timestamp() - last > cfg.gap_s else None


def _fold(acc: _Acc, s: TripSample, ts: float, dt: float, cfg: TripConfig) -> None:
    """One interval (``dt`` since the last reading) into the totals."""
    speed = s.speed_kmh
    v = (acc.speed + speed) / 2.0
    metres = _fix(acc, s.lat, s.lng, ts, cfg)
    if v > cfg.stationary_kmh:  # moving
        acc.moving_s += dt
        acc.distance_m += metres
        if v > cfg.speeding_kmh:
            acc.speeding_s += dt
        if cfg.is_night(s.at):
            acc.night_s += dt
            acc.night_m += metres
    acc.max_speed = max(acc.max_speed, speed)
    if speed > cfg.stationary_kmh:
        acc.stop_since = None
    elif acc.stop_since is None:
        acc.stop_since = ts
    if max(acc.speed, speed) > cfg.stationary_kmh:
        _harsh(acc, s, ts, dt, cfg)
    acc.speed = speed


def _fix(acc: _Acc, lat: float | None, lng: float | None, ts: float, cfg: TripConfig) -> float:
    """Take a fix as the last good one; the metres from the previous, 0 after a jump or none."""
    if lat is None or lng is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        return 0.0  # NaN fails the range check too
    if lat == 0.0 and lng == 0.0:
        return 0.0  # "null island": a device without a fix
    metres = 0.0
    if acc.fix is not None:
        metres = haversine_m(acc.fix[0], acc.fix[1], lat, lng)
        if metres * 3.6 > cfg.jump_kmh * (ts - acc.fix[2]):
            acc.jumps, acc.jump_run = acc.jumps + 1, acc.jump_run + 1
            if acc.jump_run < cfg.jump_reset:
                return 0.0
            metres = 0.0
        acc.jump_run = 0
    acc.fix = [lat, lng, ts]
    return metres


def _harsh(acc: _Acc, s: TripSample, ts: float, dt: float, cfg: TripConfig) -> None:
    accel = s.accel_g
    if accel is not None and abs(accel[0]) <= _MAX_G and abs(accel[1]) <= _MAX_G:  # NaN: False
        x, y = accel[0], accel[1]
        hits = (x < -cfg.brake_g, x > cfg.accel_g, abs(y) > cfg.corner_g)
    else:
        drop = 0.0 < dt <= cfg.drop_window_s and (acc.speed - s.speed_kmh) / dt > cfg.drop_kmh_s
        hits = (drop, False, False)
    for kind, hit in enumerate(hits):
        if hit:
            seen = acc.harsh_at[kind]
            if seen is None or ts - seen > cfg.debounce_s:
                acc.harsh[kind] += 1
            acc.harsh_at[kind] = ts


def _close(state: TripState, acc: _Acc, last: float, reason: EndReason, cfg: TripConfig) -> Trip:
    """End the trip: on ignition off at ``last``, otherwise when it stopped, if it had."""
    state.trip = None
    end = last if reason == "ignition_off" or acc.stop_since is None else acc.stop_since
    km, duration, moving = acc.distance_m / 1000.0, end - acc.start, acc.moving_s
    discarded: Discard | None = "short_distance" if km < cfg.min_km else None
    if discarded is None and duration < cfg.min_s:
        discarded = "short_duration"
    speeding, night = (acc.speeding_s / moving, acc.night_s / moving) if moving else (0.0, 0.0)
    braking, accelerating, cornering = acc.harsh
    score = trip_score(km, braking, accelerating, cornering, speeding, night)
    return Trip(
        vehicle_id=state.vehicle_id, end_reason=reason, discarded=discarded,
        start=datetime.fromtimestamp(acc.start, UTC), end=datetime.fromtimestamp(end, UTC),
        distance_km=km, duration_s=duration, moving_s=moving, max_speed_kmh=acc.max_speed,
        avg_speed_kmh=km / (moving / 3600.0) if moving > 0 else 0.0,
        harsh_braking=braking, harsh_acceleration=accelerating, harsh_cornering=cornering,
        speeding_share=speeding, night_share=night, night_km=acc.night_m / 1000.0,
        gps_jumps=acc.jumps, score=None if discarded else score,
    )  # fmt: skip


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres on the mean-radius sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2.0) ** 2
    a += math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2.0) ** 2
    return 2.0 * _EARTH_M * math.asin(math.sqrt(min(1.0, a)))


def trip_score(
    km: float, braking: int, accelerating: int, cornering: int, speeding: float, night: float
) -> float:
    """The formula in the module docstring; ``speeding`` and ``night`` are shares (0-1)."""
    per100 = 100.0 / max(km, 1.0)
    harsh = min(30.0, 2.0 * braking * per100) + min(20.0, 1.5 * accelerating * per100)
    harsh += min(20.0, 1.5 * cornering * per100)
    penalty = harsh + min(20.0, 50.0 * speeding) + 10.0 * night
    return round(min(100.0, max(0.0, 100.0 - penalty)), 1)


@dataclass(frozen=True, slots=True)
class MonthlyScore:
    trips: int  # kept
    discarded: int
    distance_km: float  # the month's mileage (kept trips)
    moving_s: float
    score: float | None  # None without a kept trip
    harsh_braking: int
    harsh_acceleration: int
    harsh_cornering: int
    braking_per_100km: float
    acceleration_per_100km: float
    cornering_per_100km: float
    speeding_share: float  # of moving time
    night_share: float
    night_km: float
    max_speed_kmh: float


def monthly(trips: Iterable[Trip]) -> MonthlyScore:
    """A month's report from its trips (the caller picks them); discarded ones are only counted."""
    every = list(trips)
    kept = [(t, t.score) for t in every if t.score is not None]
    km, moving = sum(t.distance_km for t, _ in kept), sum(t.moving_s for t, _ in kept)
    weights = [(t.distance_km * min(1.0, t.distance_km), score) for t, score in kept]
    weight = sum(w for w, _ in weights)
    braking = sum(t.harsh_braking for t, _ in kept)
    accelerating = sum(t.harsh_acceleration for t, _ in kept)
    cornering = sum(t.harsh_cornering for t, _ in kept)
    per100, per_s = 100.0 / km if km > 0 else 0.0, 1.0 / moving if moving > 0 else 0.0
    return MonthlyScore(
        trips=len(kept), discarded=len(every) - len(kept), distance_km=km, moving_s=moving,
        score=round(sum(w * s for w, s in weights) / weight, 1) if weight > 0 else None,
        harsh_braking=braking, harsh_acceleration=accelerating, harsh_cornering=cornering,
        braking_per_100km=braking * per100, acceleration_per_100km=accelerating * per100,
        cornering_per_100km=cornering * per100,
        speeding_share=sum(t.moving_s * t.speeding_share for t, _ in kept) * per_s,
        night_share=sum(t.moving_s * t.night_share for t, _ in kept) * per_s,
        night_km=sum(t.night_km for t, _ in kept),
        max_speed_kmh=max((t.max_speed_kmh for t, _ in kept), default=0.0),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class UbiProposal:
    """A factor proposed for the renewal; nothing here applies it, an underwriter decides."""

    factor: Decimal | None  # None: too little driving in the month to judge
    score: float | None
    distance_km: float
    reason: Literal["score_band", "insufficient_mileage"]


def ubi_factor(score: float) -> Decimal:
    """The table in the module docstring."""
    return next(factor for floor, factor in UBI_TABLE + UBI_TABLE_LOW if score >= floor)


def propose_ubi(month: MonthlyScore, min_km: float = UBI_MIN_KM) -> UbiProposal:
    if month.score is None or month.distance_km < min_km:
        return UbiProposal(None, month.score, month.distance_km, "insufficient_mileage")
    return UbiProposal(ubi_factor(month.score), month.score, month.distance_km, "score_band")


def needs_hints(month: MonthlyScore, driver_age: int | None = None) -> tuple[NeedHint, ...]:
    """Segment hints from a month's report (codes only; the offers live elsewhere)."""
    if month.trips == 0:
        return ()
    hints: list[NeedHint] = []
    if driver_age is not None and driver_age < YOUNG_AGE and (month.score or 0.0) < LOW_SCORE:
        hints.append("training_offer")
    if driver_age is not None and driver_age >= SENIOR_AGE:
        hints.append("safety_check")
    night = month.night_km
    if night >= NIGHT_KM or (night >= NIGHT_KM_MIN and night >= NIGHT_KM_SHARE * month.distance_km):
        hints.append("night_driving_tips")
    return tuple(hints)
