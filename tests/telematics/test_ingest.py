"""Ingest on the real database: devices, duplicates, out-of-order readings, refused readings kept
with their reason, the latest state moving forward only; the HTTP endpoint with device auth."""

from __future__ import annotations

import base64
import gc
import json
from datetime import timedelta

import msgpack
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden
from carecover.telematics.enums import DeviceKind, DeviceStatus, RejectReason
from carecover.telematics.models import Device, Reading, RejectedReading, VehicleState
from carecover.telematics.service import devices, ingest, payload
from tests.accounts.test_api import sign_in
from tests.factories.claims import make_insured


def reading(seq: int, seconds_ago: float = 0, **signals: object) -> dict[str, object]:
    ts = int((utc_now() - timedelta(seconds=seconds_ago)).timestamp() * 1000)
    return {"seq": seq, "ts": ts, **signals}


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_is_stored_once_however_often_it_arrives(session: Session) -> None:
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.ev_box)
    batch = [reading(n, 60 - n, soc=80.0 - n, lat=31.23, lng=121.47) for n in range(10)]
    first = ingest.ingest(session, device, batch, now=utc_now())
    assert (first.accepted, first.duplicates, first.rejected) == (10, 0, [])
    again = ingest.ingest(session, device, [*batch, batch[0]], now=utc_now())
    assert (again.accepted, again.duplicates) == (0, 11)
    assert count(session, Reading) == 10
    assert device.last_seq == 9
    state = session.get(VehicleState, insured.car.id)
    assert state is not None
    assert state.signals["soc"] == 71.0


def test_an_older_reading_never_rewinds_the_latest_state(session: Session) -> None:
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.obd_dongle)
    ingest.ingest(session, device, [reading(5, 10, lv_v=12.4)], now=utc_now())
    late = ingest.ingest(session, device, [reading(4, 300, lv_v=11.2)], now=utc_now())
    assert late.accepted == 1  # stored for history
    state = session.get(VehicleState, insured.car.id)
    assert state is not None
    assert state.signals["lv_v"] == 12.4


def test_bad_readings_are_refused_counted_and_the_rest_stored(session: Session) -> None:
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.ev_box)
    batch = [reading(1, 5), {"seq": 2}, reading(3, 5, speed=900.0), "junk", reading(4, 4)]
    result = ingest.ingest(session, device, batch, now=utc_now())
    assert result.accepted == 2
    assert [(i, r) for i, r, _ in result.rejected] == [
        (1, RejectReason.bad_time),
        (2, RejectReason.out_of_range),
        (3, RejectReason.malformed),
    ]
    assert result.reasons == {"bad_time": 1, "out_of_range": 1, "malformed": 1}
    kept = session.scalars(select(RejectedReading.reason)).all()
    assert sorted(kept) == sorted(r for _, r, _ in result.rejected)


def test_device_secrets_and_revocation(session: Session) -> None:
    insured = make_insured(session)
    device, secret = devices.register(session, insured.actor, insured.car.id, DeviceKind.phone)
    assert devices.authenticate(session, device.device_no, secret) is device
    for device_no, word, why in (
        (device.device_no, "wrong", RejectReason.bad_credentials),
        ("DNOSUCHDEVICE", secret, RejectReason.unknown_device),
    ):
        with pytest.raises(payload.PayloadRejected) as caught:
            devices.authenticate(session, device_no, word)
        assert caught.value.reason is why
    devices.revoke(session, insured.actor, device)
    assert device.status is DeviceStatus.revoked
    with pytest.raises(payload.PayloadRejected) as revoked:
        devices.authenticate(session, device.device_no, secret)
    assert revoked.value.reason is RejectReason.revoked_device
    stranger = make_insured(session)
    with pytest.raises(Forbidden):
        devices.register(session, stranger.actor, insured.car.id, DeviceKind.phone)


def basic(device_no: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{device_no}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_the_http_endpoint_takes_json_and_msgpack(client: TestClient, session: Session) -> None:
    make_insured(session, username="tele.owner")
    headers = sign_in(client, "tele.owner")
    car = client.get("/api/v1/me/vehicles", headers=headers).json()[0]["id"]
    created = client.post(
        f"/api/v1/vehicles/{car}/devices", json={"kind": "obd_dongle"}, headers=headers
    )
    assert created.status_code == 201
    device_no, secret = created.json()["device_no"], created.json()["secret"]
    auth = basic(device_no, secret)
    sent = client.post(
        "/api/v1/telematics/readings",
        content=json.dumps([reading(1, 20, lv_v=12.5), reading(2, 10, speed=900.0)]),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert sent.status_code == 200
    assert sent.json()["accepted"] == 1
    assert sent.json()["rejected"][0]["reason"] == "out_of_range"
    packed = client.post(
        "/api/v1/telematics/readings",
        content=msgpack.packb([reading(3, 5, lv_v=12.3, ign=False)]),
        headers={**auth, "Content-Type": "application/msgpack"},
    )
    assert packed.json()["accepted"] == 1
    state = client.get(f"/api/v1/vehicles/{car}/state", headers=headers).json()
    assert state["signals"]["lv_v"] == 12.3
    garbage = client.post(
        "/api/v1/telematics/readings",
        content=b"\xc1\xc1",
        headers={**auth, "Content-Type": "application/msgpack"},
    )
    assert garbage.json()["rejected"][0]["reason"] == "malformed"
    wrong = client.post(
        "/api/v1/telematics/readings",
        content=b"[]",
        headers={**basic(device_no, "nope"), "Content-Type": "application/json"},
    )
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Basic")
    missing = client.post(
        "/api/v1/telematics/readings", content=b"[]", headers={"Content-Type": "application/json"}
    )
    assert missing.status_code == 401
    listed = client.get(f"/api/v1/vehicles/{car}/devices", headers=headers).json()
    assert [d["last_seq"] for d in listed] == [3]


def test_a_flush_holds_the_cyclic_collector_off_and_resumes_it(session: Session) -> None:
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.obd_dongle)
    seen: list[bool] = []
    collections: list[str] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        collections.append(phase)

    assert gc.isenabled()
    with ingest.collector_paused():
        seen.append(gc.isenabled())
        gc.callbacks.append(watch)
        try:
            junk = [[n] for n in range(50_000)]  # far past the first generation's threshold
        finally:
            gc.callbacks.remove(watch)
        with ingest.collector_paused():  # nested: the outer one resumes it
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert (seen, collections, len(junk)) == ([False, False, False], [], 50_000)
    assert gc.isenabled()
    ingest.ingest(session, device, [reading(1, 5, lv_v=12.5)], now=utc_now())
    assert gc.isenabled()
    gc.disable()  # paused by someone else: a flush leaves it so
    try:
        ingest.ingest(session, device, [reading(2, 4, lv_v=12.5)], now=utc_now())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_devices_are_found_by_number_whatever_characters_it_holds(session: Session) -> None:
    car = make_insured(session).car
    odd = ['D"1', "D\\2", "D,{3}", "D\n4", "设备五"]
    for no in odd:
        session.add(
            Device(
                device_no=no,
                vehicle_id=car.id,
                kind=DeviceKind.phone,
                status=DeviceStatus.active,
                secret_hash="0" * 64,
            )
        )
    session.flush()
    found = devices.by_nos(session, [*odd, "DNOSUCH", 'D"1'])
    assert sorted(d.device_no for d in found) == sorted(odd)
    assert [d.id for d in found] == sorted(d.id for d in found)  # in id order
    assert {(d.vehicle_id, d.status, d.last_seq) for d in found} == {
        (car.id, DeviceStatus.active, None)
    }
