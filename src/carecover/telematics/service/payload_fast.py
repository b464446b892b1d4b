"""The hot path for telemetry bodies: typed decoding in C, the reference checks as the fallback.

``payload.decode`` + ``payload.validate`` are the reference: they check a reading field by field
and name the reason when they refuse it. ``decode_samples`` gives the same answer for a whole
body faster: msgspec decodes JSON or MessagePack straight into the fields a reading may have,
with their types and physical ranges (so NaN, infinity, 900 km/h and 20 bar are refused in C),
unknown fields skipped unread; what a type cannot say (the time window, PIDs, trouble codes, a
minimum above its maximum) is checked in Python after it.

The fast path is only ever allowed to accept what ``validate`` accepts, with an equal ``Sample``
(the tests compare them). Whenever it is unsure — the typed decode fails, or one reading fails a
check — it steps aside: the body is decoded again by ``payload.decode`` and the readings the fast
path did not take are handed to ``validate``, so every refusal carries the reason code and detail
the reference gives, and one bad reading is refused alone while the rest of the batch is kept.

One difference, on purpose: fields the platform does not know are skipped without being read, so
in MessagePack an unknown field holding a map with integer keys no longer refuses the body (as
long as the fast path takes every reading of it; else the reference decides, and refuses it).
A reading's ``signals`` keep the device's field order (``validate`` orders them by name list);
the keys and values are the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import msgspec
from msgspec import Meta

from carecover.telematics.service import obd
from carecover.telematics.service.payload import (
    ACCEL_G,
    DTC_RE,
    MAX_BATCH,
    MAX_FUTURE,
    MAX_PAST,
    RANGES,
    TYRE_C,
    TYRE_KPA,
    PayloadRejected,
    Sample,
    decode,
    validate,
)

Rejection = tuple[int, PayloadRejected, str]
"""(index in the body, the error, an excerpt of the reading) for a refused reading."""

_MSGPACK = ("application/msgpack", "application/x-msgpack")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_Wheel = Literal["fl", "fr", "rl", "rr"]
if not (TYRE_C[0] <= TYRE_KPA[0] and TYRE_C[1] <= TYRE_KPA[1]):  # pragma: no cover
    raise RuntimeError("_Tyre below assumes the °C range starts and ends below the kPa range")
_Tyre = Annotated[float, Meta(ge=TYRE_C[0], le=TYRE_KPA[1])]
"""Either half of a wheel's [kPa, °C], decoded as lists (what ``signals`` keeps): the lowest
temperature to the highest pressure here, then kPa ≥ its low and °C ≤ its high in ``_sample``."""
_G = Annotated[float, Meta(ge=ACCEL_G[0], le=ACCEL_G[1])]

_FIELDS: dict[str, Any] = {
    "seq": Annotated[int, Meta(ge=0, le=2**63 - 1)],
    "ts": int | str,
    **{
        name: NotRequired[Annotated[float, Meta(ge=low, le=high)] | None]
        for name, (low, high) in RANGES.items()
    },
    "tyres": NotRequired[dict[_Wheel, Annotated[list[_Tyre], Meta(min_length=2, max_length=2)]]],
    "acc": NotRequired[Annotated[list[_G], Meta(min_length=3, max_length=3)]],
    "ign": NotRequired[bool],
    "mil": NotRequired[bool],
    "charging": NotRequired[Literal["none", "ac", "dc"]],
    "dtc": NotRequired[list[str]],
    "obd": NotRequired[dict[str, str]],
}
# A TypedDict decodes to a plain dict of the fields present: the reading's signals, nearly ready.
_Wire = TypedDict("_Wire", _FIELDS)  # type: ignore[misc]  # built from RANGES
_Body = Annotated[list[_Wire], Meta(max_length=MAX_BATCH)] | _Wire
_JSON = msgspec.json.Decoder(_Body)
_PACK = msgspec.msgpack.Decoder(_Body)
_KPA_LOW, _C_HIGH = TYRE_KPA[0], TYRE_C[1]


def decode_samples(
    body: bytes, content_type: str, *, now: datetime
) -> tuple[list[Sample], list[Rejection]]:
    """The valid readings of a body, in order, and ``(index, error, excerpt)`` for each refused.

    Equal to ``payload.decode`` then ``payload.validate`` on each reading (the excerpt is the
    reading's ``repr``, cut to 200 characters). A body that cannot be decoded at all, or holds
    more than ``MAX_BATCH`` readings, raises ``PayloadRejected`` as ``decode`` does (malformed;
    out_of_range for a JSON ``NaN`` or ``Infinity``).
    """
    try:
        data = (_PACK if content_type in _MSGPACK else _JSON).decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        items = decode(body, content_type)
        return _reference(items, [None] * len(items), now)
    window = _window(now)
    if not isinstance(data, list):
        sample = _sample(data, window, now)
        if sample is not None:
            return [sample], []
        return _reference(decode(body, content_type), [None], now)
    samples = [_sample(item, window, now) for item in data]
    if None in samples:
        return _reference(decode(body, content_type), samples, now)
    return samples, []  # type: ignore[return-value]  # no None in it


def _reference(
    items: list[Any], fast: list[Sample | None], now: datetime
) -> tuple[list[Sample], list[Rejection]]:
    """``validate`` on each reading the fast path did not take (None in ``fast``)."""
    samples: list[Sample] = []
    rejected: list[Rejection] = []
    for index, (item, sample) in enumerate(zip(items, fast, strict=True)):
        if sample is None:
            try:
                sample = validate(item, now=now)
            except PayloadRejected as error:
                rejected.append((index, error, repr(item)[:200]))
                continue
        samples.append(sample)
    return samples, rejected


_last_window: tuple[datetime, int, int] = (_EPOCH, 0, 0)


def _window(now: datetime) -> tuple[datetime, int, int]:
    """``now`` and the accepted device times around it in epoch µs (a worker's bodies share it)."""
    global _last_window
    window = _last_window
    if window[0] != now:
        now_us = (now - _EPOCH) // _US
        window = _last_window = (now, now_us - MAX_PAST // _US, now_us + MAX_FUTURE // _US)
    return window


def _sample(
    item: dict[str, Any], window: tuple[datetime, int, int], now: datetime
) -> Sample | None:
    """A typed reading as ``validate`` would make it, or None where only ``validate`` can say."""
    ts = item.pop("ts")
    if ts.__class__ is int:
        if not window[1] <= ts * 1000 <= window[2]:  # ms → µs: exact, as datetimes compare
            return None
        when = datetime.fromtimestamp(ts / 1000, UTC)
    else:
        try:
            when = datetime.fromisoformat(ts)
        except ValueError:
            return None
        if when.tzinfo is None or not now - MAX_PAST <= when <= now + MAX_FUTURE:
            return None
        when = when.astimezone(UTC)
    seq = item.pop("seq")
    lat = item.pop("lat", None)
    lng = item.pop("lng", None)
    speed = item.pop("speed", None)
    if None in item.values():  # a range field sent as null: absent, as ``validate`` has it
        item = {name: value for name, value in item.items() if value is not None}
    if "pack_t_min" in item and "pack_t_max" in item and item["pack_t_min"] > item["pack_t_max"]:
        return None
    if "cell_v_min" in item and "cell_v_max" in item and item["cell_v_min"] > item["cell_v_max"]:
        return None
    tyres = item.get("tyres")
    if tyres is not None:
        for kpa, temp in tyres.values():
            if kpa < _KPA_LOW or temp > _C_HIGH:  # the other bounds: _Tyre
                return None
    answers = item.get("obd")
    if answers is not None:
        values = obd.decode_answers(answers)
        if values is None:
            return None
        item["obd"] = values
    codes = item.get("dtc")
    if codes is not None:
        for code in codes:
            if not DTC_RE.match(code):
                return None
        item["dtc"] = sorted(set(codes))
    return Sample(seq, when, lat, lng, speed, item)
