"""Telemetry payloads: decode (JSON or MessagePack), then validate one reading at a time.

A reading is an object: ``seq`` (the device's counter), ``ts`` (epoch milliseconds or an ISO 8601
time with its offset) and any signals the device has — position and speed, raw OBD-II mode 01
responses, EV pack and cells, tyres per wheel, 12 V, ignition, acceleration, trouble codes. Each
problem is a ``PayloadRejected`` with a reason code (counted, never fatal to the ingest loop);
absurd values (NaN, infinity, 900 km/h, 20 bar) refuse the reading and name the field.

This is the reference, checked field by field; the ingest hot path is
``payload_fast.decode_samples``, which gives the same samples and the same refusals for a whole
body several times faster.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgpack
import msgspec

from carecover.telematics.enums import RejectReason
from carecover.telematics.service import obd

MAX_FUTURE = timedelta(minutes=5)
MAX_PAST = timedelta(days=30)
MAX_BATCH = 5_000
WHEELS = ("fl", "fr", "rl", "rr")
DTC_RE = re.compile(r"^[PCBU][0-3][0-9A-F]{3}$")
HEX_RE = re.compile(r"^[0-9A-Fa-f]{2,16}$")

#: field → (low, high): physically possible values; outside them the reading is refused.
RANGES: dict[str, tuple[float, float]] = {
    "lat": (-90.0, 90.0),
    "lng": (-180.0, 180.0),
    "speed": (0.0, 300.0),
    "heading": (0.0, 360.0),
    "soc": (0.0, 100.0),
    "soh": (0.0, 100.0),
    "range_km": (0.0, 2_000.0),
    "pack_v": (0.0, 1_000.0),
    "pack_a": (-1_500.0, 1_500.0),
    "pack_t_min": (-40.0, 120.0),
    "pack_t_max": (-40.0, 120.0),
    "cell_v_min": (0.0, 5.0),
    "cell_v_max": (0.0, 5.0),
    "charge_kw": (0.0, 600.0),
    "lv_v": (0.0, 32.0),
    "odometer_km": (0.0, 3_000_000.0),
}
TYRE_KPA = (0.0, 800.0)
TYRE_C = (-40.0, 150.0)
ACCEL_G = (-30.0, 30.0)
CHARGING = frozenset({"none", "ac", "dc"})


class PayloadRejected(ValueError):
    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason, self.detail = reason, detail[:200]


class Sample(msgspec.Struct, frozen=True):
    """A validated reading: the device's sequence and time, position, and the signals.

    A frozen msgspec ``Struct`` rather than a dataclass: it is made once per reading on the ingest
    hot path, and a frozen dataclass costs ten times as much to build.
    """

    seq: int
    device_time: datetime
    lat: float | None
    lng: float | None
    speed_kmh: float | None
    signals: dict[str, Any]


def _no_constants(name: str) -> float:
    raise PayloadRejected(RejectReason.out_of_range, f"{name} is not a number")


def decode(body: bytes, content_type: str) -> list[Any]:
    """The readings of a body: one object or a list of them."""
    try:
        if content_type in ("application/msgpack", "application/x-msgpack"):
            data = msgpack.unpackb(body, raw=False, strict_map_key=True, timestamp=0)
        else:
            data = json.loads(body, parse_constant=_no_constants)
    except PayloadRejected:
        raise
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise PayloadRejected(RejectReason.malformed, f"cannot decode: {exc}") from None
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_BATCH:
        raise PayloadRejected(RejectReason.malformed, f"more than {MAX_BATCH} readings")
    return items


def _number(obj: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadRejected(RejectReason.malformed, f"{name} must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer past any float (JSON allows 4,300 digits)
        number = math.inf
    if not math.isfinite(number) or not low <= number <= high:
        raise PayloadRejected(RejectReason.out_of_range, f"{name}={value!r} outside {low}..{high}")
    return number


def _time(value: Any, now: datetime) -> datetime:
    if isinstance(value, bool):
        raise PayloadRejected(RejectReason.bad_time, "ts must be epoch ms or ISO 8601")
    if isinstance(value, int):
        try:
            when = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadRejected(RejectReason.bad_time, "ts out of range") from None
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise PayloadRejected(RejectReason.bad_time, "ts is not ISO 8601") from None
        if when.tzinfo is None:
            raise PayloadRejected(RejectReason.bad_time, "ts needs a UTC offset")
    else:
        raise PayloadRejected(RejectReason.bad_time, "ts missing")
    if when > now + MAX_FUTURE:
        raise PayloadRejected(RejectReason.bad_time, "ts is in the future")
    if when < now - MAX_PAST:
        raise PayloadRejected(RejectReason.bad_time, "ts is too old")
    return when.astimezone(UTC)


def _tyres(value: Any) -> dict[str, list[float]]:
    if not isinstance(value, dict) or not set(value) <= set(WHEELS):
        raise PayloadRejected(RejectReason.malformed, "tyres maps fl/fr/rl/rr to [kPa, °C]")
    out = {}
    for wheel, pair in value.items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise PayloadRejected(RejectReason.malformed, f"tyres.{wheel} is [kPa, °C]")
        kpa = _number({"kpa": pair[0]}, "kpa", *TYRE_KPA)
        temp = _number({"c": pair[1]}, "c", *TYRE_C)
        if kpa is None or temp is None:
            raise PayloadRejected(RejectReason.malformed, f"tyres.{wheel} is [kPa, °C]")
        out[wheel] = [kpa, temp]
    return out


def _obd(raw: Mapping[str, str]) -> dict[str, float]:
    """Mode 01 responses by PID (hex) → values by name (SAE J1979 formulas, ``obd``)."""
    out: dict[str, float] = {}
    for pid_hex, data_hex in raw.items():
        try:
            reading = obd.decode_pid(int(pid_hex, 16), bytes.fromhex(data_hex))
        except (obd.ObdDecodeError, ValueError) as exc:
            raise PayloadRejected(RejectReason.malformed, f"obd.{pid_hex}: {exc}") from None
        out[reading.name] = reading.value
        if reading.mil_on is not None:
            out["mil_on"] = float(reading.mil_on)
    return out


def validate(obj: Any, *, now: datetime) -> Sample:
    """One reading, checked field by field."""
    if not isinstance(obj, dict):
        raise PayloadRejected(RejectReason.malformed, "a reading is an object")
    seq = obj.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**63:
        raise PayloadRejected(RejectReason.bad_sequence, "seq is a non-negative integer")
    when = _time(obj.get("ts"), now)
    signals: dict[str, Any] = {}
    for name, (low, high) in RANGES.items():
        value = _number(obj, name, low, high)
        if value is not None:
            signals[name] = value
    if "tyres" in obj:
        signals["tyres"] = _tyres(obj["tyres"])
    if "acc" in obj:
        acc = obj["acc"]
        if not isinstance(acc, list) or len(acc) != 3 or None in acc:
            raise PayloadRejected(RejectReason.malformed, "acc is [x, y, z] in g")
        signals["acc"] = [_number({"g": a}, "g", *ACCEL_G) for a in acc]
    for flag in ("ign", "mil"):
        if flag in obj:
            if not isinstance(obj[flag], bool):
                raise PayloadRejected(RejectReason.malformed, f"{flag} is true or false")
            signals[flag] = obj[flag]
    if "charging" in obj:
        if not isinstance(obj["charging"], str) or obj["charging"] not in CHARGING:
            raise PayloadRejected(RejectReason.malformed, "charging is none, ac or dc")
        signals["charging"] = obj["charging"]
    if "dtc" in obj:
        codes = obj["dtc"]
        if not isinstance(codes, list) or not all(
            isinstance(c, str) and DTC_RE.match(c) for c in codes
        ):
            raise PayloadRejected(RejectReason.malformed, "dtc is a list of codes like P0301")
        signals["dtc"] = sorted(set(codes))
    if "obd" in obj:
        raw = obj["obd"]
        if not isinstance(raw, dict) or not all(
            isinstance(k, str) and HEX_RE.match(k) and isinstance(v, str) and HEX_RE.match(v)
            for k, v in raw.items()
        ):
            raise PayloadRejected(RejectReason.malformed, "obd maps a PID (hex) to its bytes (hex)")
        signals["obd"] = _obd(raw)
    for low_name, high_name in (("pack_t_min", "pack_t_max"), ("cell_v_min", "cell_v_max")):
        if low_name in signals and high_name in signals and signals[low_name] > signals[high_name]:
            raise PayloadRejected(RejectReason.out_of_range, f"{low_name} > {high_name}")
    return Sample(
        seq=seq,
        device_time=when,
        lat=signals.pop("lat", None),
        lng=signals.pop("lng", None),
        speed_kmh=signals.pop("speed", None),
        signals=signals,
    )
