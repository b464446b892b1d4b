"""At-least-once without loss: a worker that dies holding unacknowledged messages, and a broker
restarted mid-stream (a private Mosquitto with persistence, so the shared one is not touched)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Reading
from carecover.telematics.service import devices
from carecover.telematics.service.mqtt import MqttIngestWorker, topic_for
from tests.factories.claims import make_insured

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
pytestmark = pytest.mark.skipif(not Path(MOSQUITTO).exists(), reason="mosquitto not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """A private Mosquitto that keeps its sessions and queued messages on disk."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cc-broker-"))
        self.folder.chmod(0o777)  # run as root, Mosquitto drops to its own user to write here
        self.port = _free_port()
        (self.folder / "m.conf").write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {self.folder}/\nlog_dest none\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.folder / "m.conf")])
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: Mosquitto writes its persistence file
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def broker() -> Iterator[Broker]:
    b = Broker()
    b.start()
    yield b
    b.stop()


def _device(db: Database) -> str:
    with db.session() as session, session.begin():
        car = make_insured(session).car
        device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
        return device.device_no


def _publisher(port: int) -> mqtt.Client:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv5
    )
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 300
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    return client


def _publish(client: mqtt.Client, device_no: str, seqs: range) -> None:
    start = utc_now() - timedelta(minutes=5)
    for n in seqs:
        body = json.dumps(
            {"seq": n, "ts": int((start + timedelta(seconds=n)).timestamp() * 1000), "soc": 60.0}
        )
        client.publish(topic_for(device_no), body, qos=1).wait_for_publish(10)


def _stored(db: Database, expected: int, timeout: float = 20.0) -> int:
    deadline, count = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        with db.session() as session:
            count = int(session.scalar(select(func.count()).select_from(Reading)) or 0)
        if count >= expected:
            break
        time.sleep(0.1)
    return count


def test_a_worker_killed_before_its_commit_loses_nothing(
    fresh_db: Database, broker: Broker
) -> None:
    device_no = _device(fresh_db)
    name, group = f"ingest-{uuid.uuid4().hex[:6]}", f"g-{uuid.uuid4().hex[:6]}"

    def no_database() -> Session:
        raise OSError("the worker's database never answers (it is about to be killed)")

    doomed = MqttIngestWorker(no_database, port=broker.port, group=group, client_id=name)
    doomed.start()
    publisher = _publisher(broker.port)
    try:
        _publish(publisher, device_no, range(40))  # acknowledged by the broker
        deadline = time.monotonic() + 10
        while len(doomed._pending) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(doomed._pending) == 40  # received, never acknowledged
        doomed._stop.set()  # the process dies: no flush, no DISCONNECT
        sock = doomed.client._sock
        assert sock is not None
        doomed.client._stop.set()
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        heir = MqttIngestWorker(fresh_db.session, port=broker.port, group=group, client_id=name)
        heir.start()
        try:
            assert _stored(fresh_db, 40) == 40
        finally:
            heir.stop()
        assert heir.stats.accepted == 40
    finally:
        publisher.loop_stop()
        publisher.disconnect()


def test_a_broker_restart_mid_stream_loses_no_acknowledged_reading(
    fresh_db: Database, broker: Broker
) -> None:
    device_no = _device(fresh_db)
    name, group = f"ingest-{uuid.uuid4().hex[:6]}", f"g-{uuid.uuid4().hex[:6]}"
    worker = MqttIngestWorker(fresh_db.session, port=broker.port, group=group, client_id=name)
    worker.start()
    try:
        publisher = _publisher(broker.port)
        _publish(publisher, device_no, range(30))
        assert _stored(fresh_db, 30) == 30
        worker._stop.set()  # the worker pauses (its loop stopped), messages keep coming
        time.sleep(0.1)
        _publish(publisher, device_no, range(30, 60))  # acknowledged, queued for the worker
        publisher.loop_stop()
        publisher.disconnect()
        broker.stop()
        broker.start()  # the same port and persistence: unacknowledged messages survive
        with worker._lock:  # whatever the worker held goes with it: only the broker has them
            worker._pending.clear()
        worker.stop()
        resumed = MqttIngestWorker(fresh_db.session, port=broker.port, group=group, client_id=name)
        resumed.start()
        try:
            assert _stored(fresh_db, 60) == 60
        finally:
            resumed.stop()
    finally:
        worker.client.stop()
    with fresh_db.session() as session:
        seqs = session.scalars(select(Reading.seq).order_by(Reading.seq)).all()
    assert list(seqs) == list(range(60))
