"""Telemetry payloads: decoding JSON and MessagePack, and each field's checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import msgpack
import pytest

from carecover.telematics.enums import RejectReason
from carecover.telematics.service.payload import PayloadRejected, decode, validate

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
TS = int((NOW - timedelta(seconds=30)).timestamp() * 1000)
GOOD = {
    "seq": 17,
    "ts": TS,
    "lat": 31.2304,
    "lng": 121.4737,
    "speed": 63.5,
    "soc": 54.0,
    "pack_t_min": 24.0,
    "pack_t_max": 31.5,
    "cell_v_min": 3.62,
    "cell_v_max": 3.66,
    "tyres": {"fl": [235.0, 28.0], "fr": [236.0, 28.5], "rl": [228.0, 27.0], "rr": [229.0, 27.5]},
    "lv_v": 12.6,
    "ign": True,
    "acc": [0.02, -0.15, 1.0],
    "dtc": ["P0301", "P0301"],
    "obd": {"0c": "1af8", "05": "7B"},
}


def reason(obj: object) -> RejectReason:
    with pytest.raises(PayloadRejected) as caught:
        validate(obj, now=NOW)
    return caught.value.reason


def test_a_full_reading_is_validated() -> None:
    sample = validate(GOOD, now=NOW)
    assert sample.seq == 17
    assert sample.device_time == NOW - timedelta(seconds=30)
    assert (sample.lat, sample.lng, sample.speed_kmh) == (31.2304, 121.4737, 63.5)
    assert sample.signals["tyres"]["rl"] == [228.0, 27.0]
    assert sample.signals["dtc"] == ["P0301"]
    assert sample.signals["obd"] == {"engine_rpm": 1726.0, "coolant_temp": 83.0}
    assert "lat" not in sample.signals


def test_iso_times_need_an_offset() -> None:
    iso = dict(GOOD, ts="2026-11-25T15:59:00+08:00")
    assert validate(iso, now=NOW).device_time == datetime(2026, 11, 25, 7, 59, tzinfo=UTC)
    assert reason(dict(GOOD, ts="2026-11-25T07:59:00")) is RejectReason.bad_time


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"seq": -1}, RejectReason.bad_sequence),
        ({"seq": "17"}, RejectReason.bad_sequence),
        ({"seq": True}, RejectReason.bad_sequence),
        ({"ts": int((NOW + timedelta(hours=1)).timestamp() * 1000)}, RejectReason.bad_time),
        ({"ts": int((NOW - timedelta(days=40)).timestamp() * 1000)}, RejectReason.bad_time),
        ({"ts": 10**20}, RejectReason.bad_time),
        ({"ts": None}, RejectReason.bad_time),
        ({"speed": 900.0}, RejectReason.out_of_range),
        ({"speed": "fast"}, RejectReason.malformed),
        ({"soc": 101.0}, RejectReason.out_of_range),
        ({"tyres": {"fl": [2000.0, 20.0]}}, RejectReason.out_of_range),  # 20 bar
        ({"tyres": {"spare": [230.0, 20.0]}}, RejectReason.malformed),
        ({"tyres": {"fl": [230.0]}}, RejectReason.malformed),
        ({"acc": [0.0, 0.0]}, RejectReason.malformed),
        ({"acc": [0.0, 0.0, 99.0]}, RejectReason.out_of_range),
        ({"ign": "yes"}, RejectReason.malformed),
        ({"charging": "fast"}, RejectReason.malformed),
        ({"dtc": ["P0301", "X9999"]}, RejectReason.malformed),
        ({"obd": {"0C": "zz"}}, RejectReason.malformed),
        ({"obd": {"0C": "1A"}}, RejectReason.malformed),  # rpm needs two bytes
        ({"obd": {"FE": "00"}}, RejectReason.malformed),  # not a supported PID
        ({"cell_v_min": 3.9, "cell_v_max": 3.6}, RejectReason.out_of_range),
        ({"lat": 91.0}, RejectReason.out_of_range),
    ],
)
def test_bad_fields_are_refused_with_their_reason(
    change: dict[str, object], expected: RejectReason
) -> None:
    assert reason({**GOOD, **change}) is expected


def test_not_an_object() -> None:
    assert reason([1, 2]) is RejectReason.malformed
    assert reason("seq") is RejectReason.malformed


def test_json_nan_and_infinity_are_refused() -> None:
    body = json.dumps({"seq": 1, "ts": TS}).replace("}", ', "soc": NaN}').encode()
    with pytest.raises(PayloadRejected) as caught:
        decode(body, "application/json")
    assert caught.value.reason is RejectReason.out_of_range
    with pytest.raises(PayloadRejected):
        decode(b'{"seq": 1, "soc": -Infinity}', "application/json")
    items = decode(b'{"seq": 1, "ts": %d, "soc": 1e999}' % TS, "application/json")
    assert reason(items[0]) is RejectReason.out_of_range  # 1e999 parses as inf


def test_msgpack_batches_decode_like_json() -> None:
    body = msgpack.packb([GOOD, dict(GOOD, seq=18)])
    items = decode(body, "application/msgpack")
    assert [validate(i, now=NOW).seq for i in items] == [17, 18]
    assert decode(json.dumps(GOOD).encode(), "application/json") == [GOOD]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"seq": 1, "ts": ', "application/json"),
        (b"\xff\xfe", "application/json"),
        (msgpack.packb({"seq": 1})[:-1], "application/msgpack"),
        (b"\xc1", "application/msgpack"),
    ],
)
def test_truncated_or_garbage_bodies_are_malformed(body: bytes, content_type: str) -> None:
    with pytest.raises(PayloadRejected) as caught:
        decode(body, content_type)
    assert caught.value.reason is RejectReason.malformed
