"""The ingest hot path, ``payload_fast.decode_samples``: for any body it gives exactly what the
reference (``payload.decode`` + ``payload.validate`` reading by reading) gives — the same
samples, and each refused reading with the same index, reason, detail and excerpt — in JSON and
in MessagePack, one reading or a batch."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecover.telematics.enums import RejectReason
from carecover.telematics.service import obd, payload, rules
from carecover.telematics.service.payload import MAX_BATCH, RANGES, PayloadRejected, validate
from carecover.telematics.service.payload_fast import decode_samples
from carecover.vehicles.enums import Powertrain
from tests.telematics.test_payload import GOOD, NOW, TS

JSON, MSGPACK = "application/json", "application/msgpack"
CONTENT_TYPES = (JSON, MSGPACK, "application/x-msgpack")


def encode(obj: Any, content_type: str) -> bytes:
    if content_type == JSON:
        return json.dumps(obj).encode()
    return bytes(msgpack.packb(obj))


Outcome = tuple[str, Any]


def reference(body: bytes, content_type: str) -> Outcome:
    """What the reference path makes of a body: its samples and refusals, or its error."""
    try:
        items = payload.decode(body, content_type)
    except PayloadRejected as error:
        return "body", (error.reason, error.detail)
    samples, refused = [], []
    for index, item in enumerate(items):
        try:
            samples.append(validate(item, now=NOW))
        except PayloadRejected as error:
            refused.append((index, error.reason, error.detail, repr(item)[:200]))
    return "readings", (samples, refused)


def fast(body: bytes, content_type: str) -> Outcome:
    try:
        samples, refused = decode_samples(body, content_type, now=NOW)
    except PayloadRejected as error:
        return "body", (error.reason, error.detail)
    return "readings", (samples, [(i, e.reason, e.detail, x) for i, e, x in refused])


def same(body: bytes, content_type: str) -> Outcome:
    got, expected = fast(body, content_type), reference(body, content_type)
    assert got == expected
    if got[0] == "readings":  # equal dicts, and the same keys each way: nothing lost or added
        for a, b in zip(got[1][0], expected[1][0], strict=True):
            assert sorted(a.signals) == sorted(b.signals)
    return got


def refusals(body: bytes, content_type: str = JSON) -> list[RejectReason]:
    kind, (_, refused) = same(body, content_type)
    assert kind == "readings"
    return [reason for _, reason, _, _ in refused]


# --- shapes the devices send ---------------------------------------------------------------

OBD_FRAME = {
    "seq": 3,
    "ts": TS,
    "lat": 31.262274,
    "lng": 121.588027,
    "speed": 18.9,
    "heading": 278.7,
    "ign": True,
    "acc": [-0.12, -0.041, 0.952],
    "obd": {"0C": "13D5", "0D": "12", "05": "3F", "42": "370F", "01": "83076100"},
}
EV_FRAME = {
    "seq": 4,
    "ts": TS,
    "lat": 31.14563,
    "lng": 121.363994,
    "speed": 4,  # an integer is a number too
    "soc": 88.8,
    "range_km": 409,
    "pack_v": 395.8,
    "pack_a": -9.8,
    "pack_t_min": 22.9,
    "pack_t_max": 25.1,
    "cell_v_min": 4.113,
    "cell_v_max": 4.132,
    "charging": "dc",
    "lv_v": 13.88,
    "odometer_km": 61534.8,
    "tyres": {"fl": [244.6, 21.9], "fr": [241.1, 21.9], "rl": [243.9, 22], "rr": [244.3, 22.1]},
    "mil": False,
}
TYRE_FRAME = {"seq": 5, "ts": TS, "tyres": {"rr": [230, 20], "fl": [231.5, 19.5]}}


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("reading", [GOOD, OBD_FRAME, EV_FRAME, TYRE_FRAME], ids=str)
def test_device_frames_decode_as_the_reference_validates_them(
    reading: dict[str, Any], content_type: str
) -> None:
    kind, (samples, refused) = same(encode(reading, content_type), content_type)
    assert (kind, refused, len(samples)) == ("readings", [], 1)
    batch = [dict(reading, seq=n) for n in range(10)]
    kind, (samples, refused) = same(encode(batch, content_type), content_type)
    assert [s.seq for s in samples] == list(range(10))


def test_what_the_fast_path_builds() -> None:
    [sample], _ = decode_samples(json.dumps(OBD_FRAME).encode(), JSON, now=NOW)
    assert sample.device_time == datetime.fromtimestamp(TS / 1000, UTC)
    assert (sample.lat, sample.lng, sample.speed_kmh) == (31.262274, 121.588027, 18.9)
    assert sample.signals["obd"] == {
        "engine_rpm": 1269.25,
        "vehicle_speed": 18.0,
        "coolant_temp": 23.0,
        "module_voltage": 14.095,
        "monitor_status": 3.0,
        "mil_on": 1.0,
    }
    [ev], _ = decode_samples(msgpack.packb(EV_FRAME), MSGPACK, now=NOW)
    assert ev.signals["tyres"]["rl"] == [243.9, 22.0]
    assert type(ev.signals["tyres"]["rl"]) is list
    assert type(ev.speed_kmh) is float
    assert type(ev.signals["range_km"]) is float
    iso = dict(TYRE_FRAME, ts="2026-11-25T15:59:00+08:00")
    [at], _ = decode_samples(json.dumps(iso).encode(), JSON, now=NOW)
    assert at.device_time == datetime(2026, 11, 25, 7, 59, tzinfo=UTC)


# --- every class of bad input, with the reference's reason -----------------------------------

BAD: list[tuple[dict[str, Any], RejectReason]] = [
    ({"seq": -1}, RejectReason.bad_sequence),
    ({"seq": 2**63}, RejectReason.bad_sequence),
    ({"seq": "17"}, RejectReason.bad_sequence),
    ({"seq": True}, RejectReason.bad_sequence),
    ({"seq": 17.0}, RejectReason.bad_sequence),
    ({"seq": None}, RejectReason.bad_sequence),
    ({"ts": int((NOW + timedelta(hours=1)).timestamp() * 1000)}, RejectReason.bad_time),
    ({"ts": int((NOW - timedelta(days=40)).timestamp() * 1000)}, RejectReason.bad_time),
    ({"ts": 10**20}, RejectReason.bad_time),
    ({"ts": -(10**20)}, RejectReason.bad_time),
    ({"ts": None}, RejectReason.bad_time),
    ({"ts": True}, RejectReason.bad_time),
    ({"ts": float(TS)}, RejectReason.bad_time),
    ({"ts": "2026-11-25T07:59:00"}, RejectReason.bad_time),  # no offset
    ({"ts": "2026-11-26T07:59:00+00:00"}, RejectReason.bad_time),  # tomorrow
    ({"ts": "yesterday"}, RejectReason.bad_time),
    ({"speed": 900.0}, RejectReason.out_of_range),
    ({"speed": -0.5}, RejectReason.out_of_range),
    ({"speed": 10**400}, RejectReason.out_of_range),  # past any float
    ({"speed": "fast"}, RejectReason.malformed),
    ({"speed": True}, RejectReason.malformed),  # a bool is not a number
    ({"speed": [60]}, RejectReason.malformed),
    ({"soc": 101.0}, RejectReason.out_of_range),
    ({"lat": 91.0}, RejectReason.out_of_range),
    ({"tyres": {"fl": [2000.0, 20.0]}}, RejectReason.out_of_range),  # 20 bar
    ({"tyres": {"fl": [-1.0, 20.0]}}, RejectReason.out_of_range),
    ({"tyres": {"fl": [230.0, 151.0]}}, RejectReason.out_of_range),
    ({"tyres": {"fl": [230.0, -41.0]}}, RejectReason.out_of_range),
    ({"tyres": {"spare": [230.0, 20.0]}}, RejectReason.malformed),
    ({"tyres": {"fl": [230.0]}}, RejectReason.malformed),
    ({"tyres": {"fl": [230.0, 20.0, 1.0]}}, RejectReason.malformed),
    ({"tyres": {"fl": {"kpa": 230.0}}}, RejectReason.malformed),  # an unknown nested shape
    ({"tyres": {"fl": [True, 20.0]}}, RejectReason.malformed),
    ({"tyres": {"fl": [None, 20.0]}}, RejectReason.malformed),
    ({"tyres": None}, RejectReason.malformed),
    ({"tyres": [230.0, 20.0]}, RejectReason.malformed),
    ({"acc": [0.0, 0.0]}, RejectReason.malformed),
    ({"acc": [0.0, 0.0, 99.0]}, RejectReason.out_of_range),
    ({"acc": [None, 0.0, 1.0]}, RejectReason.malformed),
    ({"acc": [[0.0], 0.0, 1.0]}, RejectReason.malformed),
    ({"ign": "yes"}, RejectReason.malformed),
    ({"ign": 1}, RejectReason.malformed),
    ({"mil": None}, RejectReason.malformed),
    ({"charging": "fast"}, RejectReason.malformed),
    ({"charging": ["ac"]}, RejectReason.malformed),
    ({"dtc": ["P0301", "X9999"]}, RejectReason.malformed),
    ({"dtc": "P0301"}, RejectReason.malformed),
    ({"dtc": [301]}, RejectReason.malformed),
    ({"obd": {"0C": "zz"}}, RejectReason.malformed),
    ({"obd": {"0C": "1A"}}, RejectReason.malformed),  # rpm needs two bytes
    ({"obd": {"0C": "1A F8"}}, RejectReason.malformed),
    ({"obd": {"FE": "00"}}, RejectReason.malformed),  # not a supported PID
    ({"obd": {"0C": 6904}}, RejectReason.malformed),
    ({"obd": {"0C": {"A": 26}}}, RejectReason.malformed),
    ({"obd": ["0C", "1AF8"]}, RejectReason.malformed),
    ({"cell_v_min": 3.9, "cell_v_max": 3.6}, RejectReason.out_of_range),
    ({"pack_t_min": 40.0, "pack_t_max": 30.0}, RejectReason.out_of_range),
]


@pytest.mark.parametrize("content_type", [JSON, MSGPACK])
@pytest.mark.parametrize(("change", "expected"), BAD, ids=str)
def test_a_bad_field_is_refused_alone_with_the_reference_reason(
    change: dict[str, Any], expected: RejectReason, content_type: str
) -> None:
    if content_type == MSGPACK and any(
        isinstance(v, int) and abs(v) >= 2**64 for v in change.values()
    ):
        pytest.skip("MessagePack integers stop at 64 bits")
    bad = {**EV_FRAME, **change}
    assert refusals(encode(bad, content_type), content_type) == [expected]
    batch = [dict(EV_FRAME, seq=1), dict(bad, seq=bad.get("seq", 2)), dict(OBD_FRAME, seq=3)]
    _, (samples, refused) = same(encode(batch, content_type), content_type)
    assert [s.seq for s in samples] == [1, 3]  # the rest of the batch is kept
    assert [(i, reason) for i, reason, _, _ in refused] == [(1, expected)]


def test_nan_and_infinity_in_messagepack_are_out_of_range() -> None:
    for name in ("speed", "lat", "soc", "pack_t_max", "lv_v"):
        for value in (math.nan, math.inf, -math.inf):
            body = msgpack.packb(dict(EV_FRAME, **{name: value}))
            assert refusals(body, MSGPACK) == [RejectReason.out_of_range]
    tyre = dict(EV_FRAME, tyres={"fl": [230.0, math.nan]})
    assert refusals(msgpack.packb(tyre), MSGPACK) == [RejectReason.out_of_range]
    float32 = msgpack.packb(dict(EV_FRAME, speed=61.1), use_single_float=True)
    assert refusals(float32, MSGPACK) == []


def test_json_nan_refuses_the_body_as_before() -> None:
    body = json.dumps({"seq": 1, "ts": TS}).replace("}", ', "soc": NaN}').encode()
    kind, (reason, _) = same(body, JSON)
    assert (kind, reason) == ("body", RejectReason.out_of_range)
    assert refusals(b'{"seq": 1, "ts": %d, "soc": 1e999}' % TS) == [RejectReason.out_of_range]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"seq": 1, "ts": ', JSON),
        (b"\xff\xfe", JSON),
        (b"", JSON),
        (b'{"seq": 1} trailing', JSON),
        (bytes(msgpack.packb({"seq": 1}))[:-1], MSGPACK),
        (b"\xc1", MSGPACK),
        (bytes(msgpack.packb({"seq": 1, "ts": TS})) + b"\x01", MSGPACK),
        (bytes(msgpack.packb({1: 2})), MSGPACK),  # a map key that is not a string
        (json.dumps([{"seq": n, "ts": TS} for n in range(MAX_BATCH + 1)]).encode(), JSON),
    ],
)
def test_a_body_that_cannot_be_decoded_is_malformed(body: bytes, content_type: str) -> None:
    kind, (reason, _) = same(body, content_type)
    assert (kind, reason) == ("body", RejectReason.malformed)


@pytest.mark.parametrize("content_type", [JSON, MSGPACK])
def test_odd_bodies_decode_as_the_reference_has_them(content_type: str) -> None:
    for odd in (
        [],
        "junk",
        17,
        None,
        [GOOD, "junk", [GOOD], {"ts": TS}],
        dict(GOOD, firmware="2.4.1", extra={"nested": [1, {"deep": None}]}),  # unknown: ignored
        dict(GOOD, speed=None, lat=None),  # a number sent as null is absent
        dict(GOOD, tyres={}, obd={}, dtc=[]),
        dict(GOOD, obd={"0c": "1af8", "0C": "1AF9"}),  # spellings of one PID: the last counts
        dict(GOOD, obd={"000C": "1AF8"}),  # the reference reads it: the fast path steps aside
        [dict(GOOD, seq=n) for n in range(MAX_BATCH)],
    ):
        same(encode(odd, content_type), content_type)
    bom = b"\xef\xbb\xbf" + json.dumps(GOOD).encode()  # json.loads reads a BOM; so do we
    assert same(bom, JSON)[0] == "readings"


def test_an_unknown_field_is_not_read_in_messagepack() -> None:
    """The one documented difference: the reference unpacks everything, so a map with integer
    keys anywhere refuses the body; the fast path skips unknown fields unread."""
    body = msgpack.packb(dict(GOOD, vendor={1: "x"}))
    with pytest.raises(PayloadRejected):
        payload.decode(body, MSGPACK)
    samples, refused = decode_samples(body, MSGPACK, now=NOW)
    assert (len(samples), refused) == (1, [])
    assert samples == [validate(GOOD, now=NOW)]


# --- any body at all ---------------------------------------------------------------------------

WINDOW_MS = (
    int((NOW - payload.MAX_PAST).timestamp() * 1000),
    int((NOW + payload.MAX_FUTURE).timestamp() * 1000),
)
weird = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(),
    st.text(max_size=4),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.sampled_from(["fl", "x"]), st.integers(0, 3), max_size=2),
)


def number(low: float, high: float) -> st.SearchStrategy[Any]:
    span = high - low
    return st.one_of(
        st.floats(low, high),
        st.integers(math.ceil(low), math.floor(high)),
        st.sampled_from([low, high, low - 0.001, high + 0.001, -0.0]),
        st.floats(low - span, high + span),
        weird,
    )


pid_answers = st.sampled_from(
    [
        *[("0C", "1AF8"), ("0c", "1af8"), ("0D", "3C"), ("05", "7B"), ("42", "370F")],
        *[("01", "83076100"), ("A6", "0001E240"), ("0C", "1A"), ("FE", "00"), ("0C", "zzzz")],
        *[("000C", "1AF8"), ("0C", "1AF8\n"), ("0d", "+1"), ("0D", " 3"), ("0C", "0x1A")],
    ]
)
fields: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.one_of(st.integers(0, 2**63 - 1), st.integers(-5, 2**64 - 1), weird),
    "ts": st.one_of(
        st.integers(*WINDOW_MS),
        st.integers(WINDOW_MS[0] - 10**9, WINDOW_MS[1] + 10**9),
        st.sampled_from([WINDOW_MS[0], WINDOW_MS[1], WINDOW_MS[0] - 1, WINDOW_MS[1] + 1]),
        st.datetimes(
            min_value=datetime(2026, 10, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
            max_value=datetime(2026, 12, 1),  # noqa: DTZ001
            timezones=st.sampled_from([UTC, None]),
        ).map(lambda d: d.isoformat()),
        weird,
    ),
    **{name: number(low, high) for name, (low, high) in RANGES.items()},
    "tyres": st.one_of(
        st.dictionaries(
            st.sampled_from(["fl", "fr", "rl", "rr"]),
            st.tuples(number(0.0, 800.0), number(-40.0, 150.0)).map(list),
            max_size=4,
        ),
        st.dictionaries(st.sampled_from(["fl", "spare"]), weird, max_size=2),
        weird,
    ),
    "acc": st.one_of(st.lists(number(-30.0, 30.0), min_size=2, max_size=4), weird),
    "ign": weird,
    "mil": weird,
    "charging": st.one_of(st.sampled_from(["none", "ac", "dc", "AC"]), weird),
    "dtc": st.one_of(
        st.lists(st.sampled_from(["P0301", "C0035", "U0100", "P0301", "p0301", "X1"]), max_size=3),
        weird,
    ),
    "obd": st.one_of(st.lists(pid_answers, max_size=4).map(dict), weird),
    "other": weird,
}


def plausible(low: float, high: float) -> st.SearchStrategy[Any]:
    return st.one_of(st.floats(low, high), st.integers(math.ceil(low), math.floor(high)))


clean: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(0, 2**63 - 1),
    "ts": st.integers(*WINDOW_MS),
    **{name: plausible(low, high) for name, (low, high) in RANGES.items()},
    "tyres": st.dictionaries(
        st.sampled_from(["fl", "fr", "rl", "rr"]),
        st.tuples(plausible(0.0, 800.0), plausible(-40.0, 150.0)).map(list),
        max_size=4,
    ),
    "acc": st.lists(plausible(-30.0, 30.0), min_size=3, max_size=3),
    "ign": st.booleans(),
    "mil": st.booleans(),
    "charging": st.sampled_from(["none", "ac", "dc"]),
    "dtc": st.lists(st.sampled_from(["P0301", "C0035", "U0100", "B1234"]), max_size=3),
    "obd": st.lists(
        st.sampled_from(sorted(obd.PIDS)).flatmap(
            lambda pid: st.tuples(
                st.sampled_from([f"{pid:02X}", f"{pid:02x}"]),
                st.binary(min_size=obd.PIDS[pid].length, max_size=obd.PIDS[pid].length).map(
                    bytes.hex
                ),
            )
        ),
        max_size=4,
    ).map(dict),
    "other": weird,
}


@st.composite
def readings(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 20)) == 0:
        return draw(weird)
    pool = clean if draw(st.booleans()) else fields  # half of them plausible throughout
    chosen = draw(st.sets(st.sampled_from(sorted(pool)), max_size=len(pool)))
    reading = {name: draw(pool[name]) for name in sorted(chosen)}
    reading.setdefault("seq", draw(st.integers(0, 1000)))
    reading.setdefault("ts", draw(st.integers(*WINDOW_MS)))
    return reading


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(readings(), st.lists(readings(), max_size=5)),
    content_type=st.sampled_from([JSON, MSGPACK]),
)
def test_any_body_gets_the_reference_answer(body: Any, content_type: str) -> None:
    # JSON: NaN and Infinity as the JavaScript literals, as some devices send them
    same(encode(body, content_type), content_type)


# --- the OBD-II decoder behind it ------------------------------------------------------------


def test_decode_answers_is_decode_pid_for_every_pid_and_byte_pattern() -> None:
    for pid, spec in obd.PIDS.items():
        for pattern in (b"\x00", b"\xff", b"\x80", b"\x7f", b"\x1a", b"\x01"):
            data = (pattern * spec.length)[: spec.length]
            for spelling in (f"{pid:02X}", f"{pid:02x}"):
                for hex_data in (data.hex(), data.hex().upper()):
                    reading = obd.decode_pid(pid, data)
                    expected = {reading.name: reading.value}
                    if reading.mil_on is not None:
                        expected["mil_on"] = float(reading.mil_on)
                    for _ in range(2):  # decoded, then remembered
                        assert obd.decode_answers({spelling: hex_data}) == expected
        wrong = "00" * (spec.length + 1)
        assert obd.decode_answers({f"{pid:02X}": wrong}) is None
    assert obd.decode_answers({"0C": "1AF8", "FE": "00"}) is None
    assert obd.decode_answers({"0C": "1AF8", "0D": "3G"}) is None
    assert obd.decode_answers({}) == {}


# --- the rules' memory on the ingest path ------------------------------------------------------


def test_a_reading_without_tyres_leaves_the_stored_tyre_memory_undecoded() -> None:
    """A car's rule memory is read from its state row for every reading; its tyre tracks are
    decoded only for a reading with tyres, and otherwise written back exactly as they were."""
    profile = rules.VehicleProfile(230.0, 230.0, Powertrain.ice)
    at = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    eager = rules.RuleState("car")
    for n in range(40):  # a slow leak's worth of tyre frames, two minutes apart
        tyres = {w: 228.0 - 0.4 * n for w in ("fl", "fr")}
        sample = rules.Sample("car", at + timedelta(minutes=2 * n), tyre_kpa=tyres)
        rules.evaluate(sample, eager, profile)
    stored = json.loads(json.dumps(eager.to_json()))
    lazy = rules.RuleState.from_json(stored)
    engine = rules.Sample("car", at + timedelta(hours=2), speed_kmh=40.0, battery_v=14.1)
    rules.evaluate(engine, lazy, profile)
    assert lazy.tyres == {}  # never decoded
    assert lazy.to_json()["tyres"] == stored["tyres"]
    raised: dict[str, list[str]] = {"lazy": [], "eager": []}
    for k in range(1, 4):  # the front-left goes flat: decoded now, as if never stored
        flat = rules.Sample("car", at + timedelta(hours=2, minutes=k), tyre_kpa={"fl": 150.0})
        for name, state in (("lazy", lazy), ("eager", eager)):
            raised[name] += [a.episode_key for a in rules.evaluate(flat, state, profile).alerts]
    assert raised["lazy"] == raised["eager"] != []
    assert set(lazy.tyres) == {"fl", "fr"}
    assert lazy.to_json()["tyres"] == eager.to_json()["tyres"]
