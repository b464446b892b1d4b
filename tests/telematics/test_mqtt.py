"""Two ingest workers on one MQTT 5 shared subscription against the local Mosquitto: the stream
is split between them, every reading is stored once, unknown devices are refused and counted."""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import timedelta

import msgpack
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Reading, RejectedReading
from carecover.telematics.service import devices
from carecover.telematics.service.mqtt import MqttIngestWorker, publish_properties, topic_for
from tests.factories.claims import make_insured

PER_DEVICE = 60


def _broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _broker_up(), reason="no MQTT broker on 127.0.0.1:1883")


def _publisher() -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


def test_two_workers_split_the_stream_and_store_each_reading_once(fresh_db: Database) -> None:
    with fresh_db.session() as session, session.begin():
        nos = []
        for _ in range(4):
            car = make_insured(session).car
            device, _secret = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
            nos.append(device.device_no)
    group = f"test-{uuid.uuid4().hex[:8]}"
    workers = [MqttIngestWorker(fresh_db.session, group=group, batch_size=50) for _ in range(2)]
    for worker in workers:
        worker.start()
    publisher = _publisher()
    try:
        start = utc_now() - timedelta(minutes=10)
        infos = []
        for n in range(PER_DEVICE):
            for k, device_no in enumerate(nos):
                reading = {
                    "seq": n,
                    "ts": int((start + timedelta(seconds=n)).timestamp() * 1000),
                    "soc": 80.0 - n / 10,
                    "speed": 40.0,
                }
                if k % 2:
                    body, props = msgpack.packb(reading), publish_properties("application/msgpack")
                else:
                    body, props = json.dumps(reading).encode(), None
                infos.append(publisher.publish(topic_for(device_no), body, qos=1, properties=props))
            if n == 10:  # a redelivered message and an unknown device
                infos.append(
                    publisher.publish(
                        topic_for(nos[0]),
                        json.dumps(
                            {
                                "seq": 3,
                                "ts": int((start + timedelta(seconds=3)).timestamp() * 1000),
                                "soc": 80.0 - 3 / 10,
                                "speed": 40.0,
                            }
                        ),
                        qos=1,
                    )
                )
                infos.append(publisher.publish(topic_for("DUNKNOWN0001"), b"{}", qos=1))
        for info in infos:
            info.wait_for_publish(timeout=10)
        expected = PER_DEVICE * len(nos)
        deadline = time.monotonic() + 30
        stored = 0
        while time.monotonic() < deadline:
            with fresh_db.session() as session:
                stored = int(session.scalar(select(func.count()).select_from(Reading)) or 0)
                refused = int(
                    session.scalar(select(func.count()).select_from(RejectedReading)) or 0
                )
            if stored >= expected and refused >= 1:
                break
            time.sleep(0.2)
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        for worker in workers:
            worker.stop()
    assert stored == expected
    assert refused == 1
    assert all(w.stats.messages > 0 for w in workers)  # the shared subscription split the load
    assert sum(w.stats.messages for w in workers) == expected + 2
    assert sum(w.stats.duplicates for w in workers) == 1
    assert sum(w.stats.reasons.get("unknown_device", 0) for w in workers) == 1


def test_a_failing_flush_keeps_the_messages_and_the_loop_alive(fresh_db: Database) -> None:
    with fresh_db.session() as session, session.begin():
        car = make_insured(session).car
        device, _secret = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
        device_no = device.device_no
    calls = {"n": 0}

    def flaky_session() -> Session:
        calls["n"] += 1
        if calls["n"] <= 2:  # the database is down for the first two flushes
            raise OperationalError("SELECT 1", {}, Exception("database unavailable"))
        return fresh_db.session()

    worker = MqttIngestWorker(flaky_session, group=f"test-{uuid.uuid4().hex[:8]}")
    worker.start()
    publisher = _publisher()
    try:
        start = utc_now() - timedelta(minutes=5)
        for n in range(20):
            reading = {"seq": n, "ts": int((start + timedelta(seconds=n)).timestamp() * 1000)}
            publisher.publish(topic_for(device_no), json.dumps(reading), qos=1).wait_for_publish(5)
        deadline, stored = time.monotonic() + 20, 0
        while time.monotonic() < deadline and stored < 20:
            time.sleep(0.2)
            with fresh_db.session() as session:
                stored = int(session.scalar(select(func.count()).select_from(Reading)) or 0)
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        worker.stop()
    assert stored == 20
    assert worker.stats.failures == 2
    assert worker.stats.accepted == 20
