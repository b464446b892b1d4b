"""Telematics benchmarks (issue 6, "Numbers"): decoding on one core, and MQTT into the database.

* ``telematics decode``: about 200,000 device payloads of three shapes — an OBD-II dongle (raw
  mode 01 responses for PIDs 0C, 0D, 05 and 42, GPS, acceleration), an EV box (SOC, pack volts,
  amps and temperatures, cell voltages, tyres, 12 V) and a tyre-sensor frame (what a dongle's TPMS
  receiver forwards) — from 1,000 cars, each car's readings in time order, a few cars with a fault
  (misfire code, low tyre, cell imbalance, crash). Timed on one thread: ``json.loads`` of the same
  bytes (the baseline), the hot path ``payload_fast.decode_samples``, and that plus the alert
  rules (``alerts.rule_sample`` + ``rules.evaluate``, one ``RuleState`` per car); the reference
  ``payload.decode`` + ``payload.validate`` for comparison. The same for the MessagePack encoding
  against ``msgpack.unpackb``, and again with the readings cut into bodies of ten consecutive
  readings of a car (``*_batch10``). Every injected fault must raise its one alert.
* ``telematics mqtt`` lives in ``telematics_mqtt_bench.py``; the helpers it shares (the demo
  world with devices, the injected faults, body templates) are here.
"""

from __future__ import annotations

import cProfile
import gc
import json
import math
import os
import pstats
import random
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgpack

Result = dict[str, Any]
ResultFn = Callable[[str, float, str, str, float, str], Result]
FreshPg = Callable[[str, str], str]

DECODE_TARGET = 100_000.0
"""Readings per second, decode + validate + rules on one core (issue 6)."""
PLACARD_KPA = 230.0  # alerts.PLACARD_KPA: what the worker uses when a car's own is not known
MSGPACK = "application/msgpack"
JSON = "application/json"
BROKER = ("127.0.0.1", 1883)
WHEELS = ("fl", "fr", "rl", "rr")


# --- realistic readings --------------------------------------------------------------------------


def _hex(value: float, size: int) -> str:
    return int(value).to_bytes(size, "big").hex().upper()


def _tyre(cold_kpa: float, temp_c: float) -> list[float]:
    """The gauge pressure a tyre at ``cold_kpa`` (20 °C) shows at ``temp_c`` (ideal gas)."""
    hot = (cold_kpa + 101.325) * (temp_c + 273.15) / 293.15 - 101.325
    return [round(hot, 1), round(temp_c, 1)]


@dataclass(slots=True)
class Car:
    """One car's telemetry stream: ``obd`` (a dongle whose every fifth frame is its TPMS
    receiver's tyre frame) or ``ev`` (an EV box, tyres in every reading)."""

    kind: str
    rng: random.Random
    fault: str | None
    fault_at: int
    lat: float
    lng: float
    heading: float
    speed: float
    soc: float
    odometer: float
    tyres_cold: tuple[float, float, float, float]
    seq: int = 0
    coolant: float = 22.0
    tyre_c: float = 22.0

    @classmethod
    def make(cls, kind: str, seed: int, fault: str | None = None, fault_at: int = 0) -> Car:
        rng = random.Random(seed)
        base = rng.uniform(232.0, 246.0)
        tyres = [base + rng.uniform(-3.0, 3.0) for _ in WHEELS]
        if fault == "tyre":
            tyres[0] = 168.0  # about 73% of the placard: low, a warning
        if fault == "crash" and kind == "obd" and fault_at % 5 == 4:
            fault_at += 1  # on a dongle frame, not a tyre frame
        return cls(
            kind=kind,
            rng=rng,
            fault=fault,
            fault_at=fault_at,
            lat=31.23 + rng.uniform(-0.15, 0.15),
            lng=121.47 + rng.uniform(-0.15, 0.15),
            heading=rng.uniform(0.0, 360.0),
            speed=rng.uniform(0.0, 60.0),
            soc=rng.uniform(45.0, 95.0),
            odometer=rng.uniform(3_000.0, 120_000.0),
            tyres_cold=(tyres[0], tyres[1], tyres[2], tyres[3]),
        )

    def _move(self, dt_s: float) -> None:
        rng = self.rng
        if rng.random() < 0.03:
            self.speed = 0.0  # a red light
        else:
            self.speed = min(120.0, max(0.0, self.speed + rng.uniform(-6.0, 6.5)))
        if self.fault == "crash" and self.seq in (self.fault_at - 2, self.fault_at - 1):
            self.speed = 48.0
        if self.fault == "crash" and self.seq > self.fault_at:
            self.speed = 0.0
        self.heading = (self.heading + rng.uniform(-12.0, 12.0)) % 360.0
        km = self.speed * dt_s / 3600.0
        rad = math.radians(self.heading)
        self.lat += km / 111.0 * math.cos(rad)
        self.lng += km / (111.0 * math.cos(math.radians(self.lat))) * math.sin(rad)
        self.odometer += km
        self.coolant = min(90.0 + rng.uniform(-1.5, 1.5), self.coolant + 1.2)
        self.tyre_c = min(34.0, self.tyre_c + 0.05)
        self.soc = max(20.0, self.soc - 0.015)

    def _acc(self, seq: int) -> list[float]:
        if self.fault == "crash" and seq == self.fault_at:
            return [-5.6, 1.3, 1.6]
        g = self.rng.gauss
        return [round(g(0.0, 0.08), 3), round(g(0.0, 0.05), 3), round(1.0 + g(0.0, 0.03), 3)]

    def _tyres(self) -> dict[str, list[float]]:
        temp = self.tyre_c if self.fault != "tyre" else 24.0
        return {
            w: _tyre(p, temp + self.rng.uniform(-0.5, 0.5))
            for w, p in zip(WHEELS, self.tyres_cold, strict=True)
        }

    def shape(self) -> str:
        """The shape of the next reading: ``obd``, ``tyre`` or ``ev``."""
        if self.kind == "ev":
            return "ev"
        return "tyre" if self.seq % 5 == 4 else "obd"

    def next(self, ts_ms: int, dt_s: float = 10.0) -> dict[str, Any]:
        """The car's next reading at ``ts_ms`` (epoch ms), ``dt_s`` after the previous one."""
        shape = self.shape()
        self._move(dt_s)
        seq = self.seq
        self.seq += 1
        if shape == "tyre":
            return {"seq": seq, "ts": ts_ms, "tyres": self._tyres()}
        rng = self.rng
        reading: dict[str, Any] = {
            "seq": seq,
            "ts": ts_ms,
            "lat": round(self.lat, 6),
            "lng": round(self.lng, 6),
            "speed": round(self.speed, 1),
            "heading": round(self.heading, 1),
            "ign": True,
            "acc": self._acc(seq),
        }
        if shape == "obd":
            rpm = 760.0 + self.speed * 27.0 + rng.uniform(-40.0, 40.0)
            reading["obd"] = {
                "0C": _hex(rpm * 4, 2),
                "0D": _hex(self.speed, 1),
                "05": _hex(self.coolant + 40, 1),
                "42": _hex(rng.uniform(13.9, 14.3) * 1000, 2),
            }
            if self.fault == "dtc" and seq >= self.fault_at:
                reading["dtc"] = ["P0301"]
                reading["mil"] = True
            return reading
        spread = 0.14 if self.fault == "cell" and seq >= self.fault_at else rng.uniform(0.01, 0.03)
        cell_min = 3.45 + self.soc * 0.0075 + rng.uniform(-0.005, 0.005)
        pack_t = 24.0 + self.speed * 0.08 + rng.uniform(0.0, 1.0)
        reading.update(
            {
                "soc": round(self.soc, 1),
                "range_km": round(self.soc * 4.6, 0),
                "pack_v": round(96 * (cell_min + spread / 2), 1),
                "pack_a": round(self.speed * 1.4 + rng.uniform(-8.0, 8.0), 1),
                "pack_t_min": round(pack_t - rng.uniform(2.0, 4.0), 1),
                "pack_t_max": round(pack_t, 1),
                "cell_v_min": round(cell_min, 3),
                "cell_v_max": round(cell_min + spread, 3),
                "charging": "none",
                "lv_v": round(rng.uniform(13.8, 14.2), 2),
                "odometer_km": round(self.odometer, 1),
                "tyres": self._tyres(),
            }
        )
        return reading


def _encode(reading: dict[str, Any], content_type: str) -> bytes:
    if content_type == MSGPACK:
        return bytes(msgpack.packb(reading))
    return json.dumps(reading, separators=(",", ":")).encode()


# --- small helpers --------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = q * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def summary(values: Sequence[float], digits: int = 3) -> dict[str, float | int] | None:
    if not values:
        return None
    return {
        "n": len(values),
        "p50": round(pct(values, 0.50), digits),
        "p95": round(pct(values, 0.95), digits),
        "p99": round(pct(values, 0.99), digits),
        "max": round(max(values), digits),
    }


def _with(r: Result, details: dict[str, Any]) -> Result:
    r["details"] = details
    return r


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# --- 1. decode + validate + rules on one core -------------------------------------------------


BATCH = 10
"""Readings per body in the batch shape: what a device sends after buffering ~100 s."""
FAULT_ALERT = {
    "tyre": "tyre_pressure_low",
    "dtc": "dtc",
    "crash": "crash",
    "cell": "cell_imbalance",
}
"""The one alert each injected fault must raise (once per faulty car)."""


@dataclass(slots=True)
class _Corpus:
    vehicle_ids: list[uuid.UUID]
    json_bodies: list[bytes]
    msgpack_bodies: list[bytes]
    profiles: dict[uuid.UUID, Any]
    shapes: Counter[str]
    faults: Counter[str]
    batch_vehicle_ids: list[uuid.UUID]
    """The same readings again, ``BATCH`` consecutive readings of a car per body."""
    json_batches: list[bytes]
    msgpack_batches: list[bytes]


def build_corpus(readings: int, vehicles: int, now: datetime, seed: int = 2026) -> _Corpus:
    """``readings`` payloads from ``vehicles`` cars, 10 s apart per car, all cars interleaved in
    time order; 60% dongle cars, 40% EVs; 2% a misfire code (dongles) or a cell imbalance
    (EVs), 2% a low tyre, 0.5% a crash. The same readings are also cut into bodies of
    ``BATCH`` consecutive readings of one car (the batch shape)."""
    from carecover.telematics.service.rules import VehicleProfile
    from carecover.vehicles.enums import Powertrain

    rng = random.Random(seed)
    per_car = max(1, readings // vehicles)

    def fault_at(r: random.Random) -> int:  # early enough that the fault shows
        return r.randrange(per_car // 10, max(per_car // 10 + 1, per_car * 8 // 10))

    cars: list[tuple[uuid.UUID, Car, int]] = []
    profiles: dict[uuid.UUID, Any] = {}
    faults: Counter[str] = Counter()
    # one profile per powertrain, as the worker has it (alerts.profile_for, once per batch)
    by_kind = {
        kind: VehicleProfile(PLACARD_KPA, PLACARD_KPA, powertrain)
        for kind, powertrain in (("ev", Powertrain.bev), ("obd", Powertrain.ice))
    }
    for n in range(vehicles):
        kind = "ev" if n % 5 in (1, 3) else "obd"
        roll = rng.random()
        fault = None
        if roll < 0.02:
            fault = "dtc" if kind == "obd" else "cell"
        elif roll < 0.04:
            fault = "tyre"
        elif roll < 0.045:
            fault = "crash"
        if fault:
            faults[fault] += 1
        vid = uuid.UUID(int=rng.getrandbits(128), version=4)
        cars.append(
            (
                vid,
                Car.make(kind, seed * 100_000 + n, fault, fault_at(rng)),
                rng.randrange(10_000),
            )
        )
        profiles[vid] = by_kind[kind]
    start_ms = int((now - timedelta(hours=1)).timestamp() * 1000)
    corpus = _Corpus([], [], [], profiles, Counter(), faults, [], [], [])
    buffered: dict[uuid.UUID, list[dict[str, Any]]] = {vid: [] for vid, _, _ in cars}

    def flush(vid: uuid.UUID) -> None:
        corpus.batch_vehicle_ids.append(vid)
        corpus.json_batches.append(_encode_batch(buffered[vid], JSON))
        corpus.msgpack_batches.append(_encode_batch(buffered[vid], MSGPACK))
        buffered[vid] = []

    for i in range(per_car):
        for vid, car, offset_ms in cars:
            corpus.shapes[car.shape()] += 1
            reading = car.next(start_ms + i * 10_000 + offset_ms)
            corpus.vehicle_ids.append(vid)
            corpus.json_bodies.append(_encode(reading, JSON))
            corpus.msgpack_bodies.append(_encode(reading, MSGPACK))
            buffered[vid].append(reading)
            if len(buffered[vid]) == BATCH:
                flush(vid)
    for vid in [v for v, pending in buffered.items() if pending]:
        flush(vid)
    return corpus


def _encode_batch(readings: list[dict[str, Any]], content_type: str) -> bytes:
    if content_type == MSGPACK:
        return bytes(msgpack.packb(readings))
    return json.dumps(readings, separators=(",", ":")).encode()


def _raw(bodies: Sequence[bytes], content_type: str) -> int:
    parse: Callable[[bytes], Any] = msgpack.unpackb if content_type == MSGPACK else json.loads
    n = 0
    for body in bodies:
        data = parse(body)
        n += len(data) if isinstance(data, list) else 1
    return n


def _reference(bodies: Sequence[bytes], content_type: str, now: datetime) -> int:
    """The reference path, for comparison: ``payload.decode`` + ``payload.validate``."""
    from carecover.telematics.service.payload import decode, validate

    n = 0
    for body in bodies:
        for item in decode(body, content_type):
            validate(item, now=now)
            n += 1
    return n


def _decode_validate(bodies: Sequence[bytes], content_type: str, now: datetime) -> int:
    """The hot path: ``payload_fast.decode_samples`` per body; every reading must pass."""
    from carecover.telematics.service.payload_fast import decode_samples

    n = 0
    for body in bodies:
        samples, refused = decode_samples(body, content_type, now=now)
        if refused:
            raise AssertionError(f"the corpus holds only valid readings: {refused[0]}")
        n += len(samples)
    return n


def _with_rules(
    vehicle_ids: Sequence[uuid.UUID],
    bodies: Sequence[bytes],
    profiles: dict[uuid.UUID, Any],
    content_type: str,
    now: datetime,
) -> tuple[int, Counter[str]]:
    """decode_samples → rule_sample → evaluate, one ``RuleState`` per car; readings, alerts."""
    from carecover.telematics.service.alerts import rule_sample
    from carecover.telematics.service.payload_fast import decode_samples
    from carecover.telematics.service.rules import RuleState, evaluate

    cars = {vid: (vid, RuleState(str(vid)), profile) for vid, profile in profiles.items()}
    per_body = [cars[vid] for vid in vehicle_ids]  # what a worker holds per batch: not timed
    raised: Counter[str] = Counter()
    n = 0
    for (vid, state, profile), body in zip(per_body, bodies, strict=True):
        samples, refused = decode_samples(body, content_type, now=now)
        if refused:
            raise AssertionError(f"the corpus holds only valid readings: {refused[0]}")
        for sample in samples:
            for alert in evaluate(rule_sample(vid, sample), state, profile).alerts:
                raised[alert.code] += 1
        n += len(samples)
    return n, raised


def _profile_top(
    corpus: _Corpus, now: datetime, sample: int = 30_000, top: int = 8
) -> list[dict[str, Any]]:
    """cProfile of the hot path with rules over the first ``sample`` JSON payloads: the ``top``
    functions by own time."""
    profiler = cProfile.Profile()
    vids, bodies = corpus.vehicle_ids[:sample], corpus.json_bodies[:sample]
    profiler.enable()
    _with_rules(vids, bodies, corpus.profiles, JSON, now)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, calls, f"{Path(filename).name}:{line}({name})"))
    rows.sort(reverse=True)
    return [
        {
            "function": where,
            "calls": calls,
            "own_s": round(own, 3),
            "cumulative_s": round(cum, 3),
            "own_share": round(own / total, 3),
        }
        for own, cum, calls, where in rows[:top]
    ]


def _passes(
    times: dict[str, list[float]],
    key: str,
    vids: Sequence[uuid.UUID],
    bodies: Sequence[bytes],
    profiles: dict[uuid.UUID, Any],
    ct: str,
    now: datetime,
    *,
    reference: bool,
) -> tuple[int, Counter[str]]:
    """One timed pass of each kind over ``bodies`` (raw parse, hot path, hot path + rules, and
    the reference path when asked): the readings, the alerts raised by the pass with rules."""
    passes: list[tuple[str, Callable[[], Any]]] = [
        ("raw", lambda: _raw(bodies, ct)),
        ("validate", lambda: _decode_validate(bodies, ct, now)),
        ("rules", lambda: _with_rules(vids, bodies, profiles, ct, now)),
    ]
    if reference:
        passes.append(("reference", lambda: _reference(bodies, ct, now)))
    from carecover.telematics.service.ingest import collector_paused

    counts, raised = [], Counter[str]()
    for kind, run in passes:
        gc.collect()
        with collector_paused():  # as a worker's flush runs (ADR 0008)
            start = time.perf_counter()
            out = run()
            times.setdefault(f"{key}_{kind}", []).append(time.perf_counter() - start)
        if kind == "rules":
            out, raised = out
        counts.append(out)
    if len(set(counts)) != 1:
        raise AssertionError(f"{key}: the passes saw {counts} readings")
    return counts[0], raised


def bench_decode(
    result: ResultFn, *, readings: int = 200_000, vehicles: int = 1_000, rounds: int = 5
) -> list[Result]:
    """Decode + validate (+ rules) on one thread, against the raw parse of the same bytes."""
    from carecover.platform.clock import utc_now
    from carecover.telematics.service import alerts, payload, payload_fast, rules

    del alerts, payload, payload_fast, rules  # imported here, so that no timed pass pays for it
    started = time.perf_counter()
    load_before = load_average()
    now = utc_now()
    corpus = build_corpus(readings, vehicles, now)
    gc.collect()
    gc.freeze()  # the corpus and the loaded code stay, as a worker freezes what it loaded
    n = len(corpus.json_bodies)
    built = time.perf_counter()
    shapes = {
        "": (corpus.vehicle_ids, corpus.json_bodies, corpus.msgpack_bodies),
        f"_batch{BATCH}": (corpus.batch_vehicle_ids, corpus.json_batches, corpus.msgpack_batches),
    }
    times: dict[str, list[float]] = {}
    raised: dict[str, Counter[str]] = {}
    loads: list[float] = []
    for _ in range(rounds):  # interleaved, the best of each kept
        for suffix, (vids, json_bodies, msgpack_bodies) in shapes.items():
            for ct, prefix, bodies in (
                (JSON, "json", json_bodies),
                (MSGPACK, "msgpack", msgpack_bodies),
            ):
                loads.append(load_average())
                key = prefix + suffix
                seen, raised[key] = _passes(
                    times, key, vids, bodies, corpus.profiles, ct, now, reference=suffix == ""
                )
                if seen != n:
                    raise AssertionError(f"{key}: {seen} readings, expected {n}")
    best = {k: min(v) for k, v in times.items()}
    rate = {k: n / v for k, v in best.items()}
    us = {k: round(v / n * 1e6, 2) for k, v in best.items()}
    expected = Counter({FAULT_ALERT[f]: k for f, k in corpus.faults.items()})
    alerts_ok = all(r == expected for r in raised.values())
    profile = _profile_top(corpus, now)
    bytes_json = sum(map(len, corpus.json_bodies))
    bytes_mp = sum(map(len, corpus.msgpack_bodies))
    details = {
        "readings": n,
        "vehicles": vehicles,
        "shapes": dict(corpus.shapes),
        "mean_bytes": {"json": round(bytes_json / n), "msgpack": round(bytes_mp / n)},
        "batch_bodies": len(corpus.json_batches),
        "readings_per_batch_body": BATCH,
        "faults_injected": dict(corpus.faults),
        "alerts_expected": dict(expected),
        "alerts_raised": {k: dict(v) for k, v in raised.items()},
        "alerts_match_faults": alerts_ok,
        "readings_per_s": {k: round(v) for k, v in rate.items()},
        "per_reading_us": us,
        "ratio_to_raw_parse": {
            k: round(rate[k] / rate[k.rsplit("_", 1)[0] + "_raw"], 4)
            for k in rate
            if not k.endswith("_raw")
        },
        "where_the_time_goes_json_us": {
            "json.loads (baseline)": us["json_raw"],
            "decode_samples (typed decode + checks)": us["json_validate"],
            "rule_sample_and_evaluate": round(us["json_rules"] - us["json_validate"], 2),
            "reference payload.decode + validate": us["json_reference"],
        },
        "cprofile_top_by_own_time_json_rules": profile,
        "cprofile_note": "first 30,000 JSON payloads under cProfile (its overhead inflates "
        "Python-level calls; shares are indicative)",
        "rounds": rounds,
        "seconds_all_rounds": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "what": (
            "one thread; bodies pre-built in memory; each timing is a full pass over all "
            "payloads (best of the rounds). validate: payload_fast.decode_samples per body (the "
            "hot path: msgspec typed decode + checks; payload.decode + validate stays the "
            "reference, timed as *_reference). rules: that + alerts.rule_sample + rules.evaluate "
            "with one RuleState per car, placard 230 kPa, payloads in time order per car. "
            f"*_batch{BATCH}: the same readings, {BATCH} consecutive readings of a car per body; "
            "its baseline is the raw parse of those bodies"
        ),
        "build_seconds": round(built - started, 1),
        "step_seconds": round(time.perf_counter() - started, 1),
        "load_average_1m": {
            "before": load_before,
            "during_max": max(loads),
            "after": load_average(),
        },
        "cpu_count": os.cpu_count(),
    }

    def target(key: str) -> str:
        line = f"≥ {DECODE_TARGET:,.0f} readings/s for decode + validate + rules on one core"
        if not alerts_ok:
            return line + " — ALERTS DO NOT MATCH THE INJECTED FAULTS"
        return line + ("" if rate[key] >= DECODE_TARGET else f" — MISSED ({rate[key]:,.0f}/s)")

    out = []
    for suffix in shapes:
        for prefix, parser in (("json", "json.loads"), ("msgpack", "msgpack.unpackb")):
            key, baseline = prefix + suffix, f"{parser} of the same bytes"
            if suffix == "":
                out.append(
                    _with(
                        result(
                            f"telematics_decode_validate_{prefix}",
                            rate[f"{key}_validate"],
                            "readings/s",
                            baseline,
                            rate[f"{key}_raw"],
                            "no target of its own (part of the line below)",
                        ),
                        details,
                    )
                )
            out.append(
                _with(
                    result(
                        f"telematics_decode_validate_rules_{key}",
                        rate[f"{key}_rules"],
                        "readings/s",
                        baseline,
                        rate[f"{key}_raw"],
                        target(f"{key}_rules"),
                    ),
                    details,
                )
            )
    return out


# --- 2. end to end over MQTT ----------------------------------------------------------------------


def _broker_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _world(url: str, devices: int, customers: int = 300) -> tuple[Any, list[dict[str, Any]]]:
    """Accounts and a 300-customer, one-city world (what ``carecover seed --demo --customers 300
    --cities 1`` builds, less the demo parts and claims), and ``devices`` devices on its cars:
    EV boxes on battery-electric cars, dongles on the others."""
    from sqlalchemy import select

    from carecover.accounts.demo import seed_demo_accounts
    from carecover.entrypoints.seed.world import WorldSpec, link_demo_owners, seed_world
    from carecover.platform.clock import utc_now
    from carecover.platform.context import Actor
    from carecover.platform.db import migrate
    from carecover.platform.db.session import Database
    from carecover.telematics.enums import DeviceKind
    from carecover.telematics.service import devices as registry
    from carecover.vehicles.enums import Powertrain
    from carecover.vehicles.models import Vehicle

    migrate.upgrade(url)
    db = Database(url)
    out: list[dict[str, Any]] = []
    with db.session() as session, session.begin():
        seed_demo_accounts(session, Actor.system())
        seed_world(session, WorldSpec(customers=customers, cities=1, seed=2026, now=utc_now()))
        link_demo_owners(session)
        cars = session.execute(
            select(Vehicle.id, Vehicle.powertrain).order_by(Vehicle.id).limit(devices)
        ).all()
        if len(cars) < devices:
            raise RuntimeError(f"the world has {len(cars)} cars, {devices} wanted")
        for vehicle_id, powertrain in cars:
            ev = powertrain is Powertrain.bev
            kind = DeviceKind.ev_box if ev else DeviceKind.obd_dongle
            device, _secret = registry.register(session, Actor.system(), vehicle_id, kind)
            out.append(
                {
                    "no": device.device_no,
                    "vehicle_id": str(vehicle_id),
                    "kind": "ev" if ev else "obd",
                }
            )
    return db, out


def _faults(n_devices: int) -> dict[int, str]:
    """Device index → injected fault: a misfire code on every 20th dongle, a low front-left tyre
    on every 20th car, one crash."""
    faults: dict[int, str] = {}
    for i in range(n_devices):
        if i % 20 == 3:
            faults[i] = "dtc"
        elif i % 20 == 7:
            faults[i] = "tyre"
    faults[11] = "crash"
    return faults


# --- bodies with their time filled in at send time -----------------------------------------------


TS_SENTINEL = (1 << 63) - 7
"""Stands in for ``ts`` while a body is pre-built; replaced by the publish time when sent."""


def _template(reading: dict[str, Any], content_type: str) -> tuple[bytes, bytes]:
    """A body split around its ``ts`` value: ``head + encode(ms) + tail`` is the reading."""
    body = _encode({**reading, "ts": TS_SENTINEL}, content_type)
    marker = bytes(msgpack.packb(TS_SENTINEL)) if content_type == MSGPACK else b"%d" % TS_SENTINEL
    head, tail = body.split(marker, 1)
    return head, tail


__all__ = ["bench_decode"]
