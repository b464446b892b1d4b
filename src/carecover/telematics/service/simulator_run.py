"""Sending a simulation somewhere: in-process ingest, the HTTP batch endpoint, or MQTT 5.

``run`` walks the merged stream and hands each device's readings to a target in batches: as fast
as the target takes them (``speed=None``, for tests and history back-fill) or paced against the
wall clock (``speed=10`` is ten simulated seconds per second), flushing at least every
``flush_s``. Targets:

* ``InProcessTarget`` — ``ingest.ingest`` per device in its own session, one commit per batch
  (the embedded ``make run`` feed and the demo seed's history);
* ``HttpTarget`` — ``POST /api/v1/telematics/readings`` with each device's HTTP Basic secret,
  JSON or MessagePack, over one kept-alive connection (or any ``Poster``, e.g. a test client);
* ``MqttTarget`` — a paho MQTT 5 publisher at QoS 1 on ``carecover/v1/devices/{no}/telemetry``,
  one message per device and batch (a list), MessagePack flagged by the content type.

``LiveFeed`` runs a few cars at 1x in a background thread for ``carecover serve``.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgpack
import paho.mqtt.client as mqtt
import structlog
from paho.mqtt.enums import CallbackAPIVersion

from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.telematics.models import Device
from carecover.telematics.service import ingest, simulator_fleet
from carecover.telematics.service.mqtt import publish_properties, topic_for
from carecover.telematics.service.simulator import Scenario, Simulation

READINGS_PATH = "/api/v1/telematics/readings"
MSGPACK = "application/msgpack"
log = structlog.get_logger(__name__)
Batch = Mapping[str, list[dict[str, Any]]]
Poster = Callable[[str, bytes, dict[str, str]], tuple[int, bytes]]
"""(path, body, headers) → (HTTP status, response body)."""


@dataclass
class RunStats:
    """``accepted``: stored (in-process and HTTP, as the server answered) or acknowledged by
    the broker (MQTT: the ingest workers store them after)."""

    readings: int = 0
    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0
    wall_s: float = 0.0


class Target(Protocol):
    name: str

    def send(self, batch: Batch, stats: RunStats) -> None: ...

    def close(self, stats: RunStats) -> None: ...


def _encode(items: list[dict[str, Any]], encoding: str) -> tuple[bytes, str]:
    if encoding == "msgpack":
        return msgpack.packb(items), MSGPACK
    return json.dumps(items, separators=(",", ":")).encode(), "application/json"


class InProcessTarget:
    """The ingest pipeline in this process; one transaction per batch."""

    name = "inprocess"

    def __init__(self, database: Database, device_ids: Mapping[str, uuid.UUID]) -> None:
        self.database, self.device_ids = database, dict(device_ids)

    def send(self, batch: Batch, stats: RunStats) -> None:
        now = utc_now()
        with self.database.session() as session, session.begin():
            for device_no in sorted(batch):
                device = session.get(Device, self.device_ids[device_no])
                if device is None:
                    stats.errors += len(batch[device_no])
                    continue
                result = ingest.ingest(session, device, batch[device_no], now=now)
                stats.accepted += result.accepted
                stats.duplicates += result.duplicates
                stats.rejected += len(result.rejected)

    def close(self, stats: RunStats) -> None:
        return None


class HttpTarget:
    """Devices that post batches over HTTP, each with its own secret."""

    name = "http"

    def __init__(
        self,
        secrets: Mapping[str, str],
        *,
        base_url: str = "http://127.0.0.1:8000",
        post: Poster | None = None,
        encoding: str = "json",
    ) -> None:
        self.secrets, self.encoding = dict(secrets), encoding
        self.base = urlsplit(base_url)
        self._conn: http.client.HTTPConnection | None = None
        self.post = post or self._post

    def _post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            if self._conn is None:
                cls = (
                    http.client.HTTPSConnection
                    if self.base.scheme == "https"
                    else http.client.HTTPConnection
                )
                self._conn = cls(self.base.netloc, timeout=30)
            try:
                self._conn.request("POST", self.base.path.rstrip("/") + path, body, headers)
                response = self._conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        return 0, b""  # pragma: no cover - the loop returns or raises

    def send(self, batch: Batch, stats: RunStats) -> None:
        for device_no, items in batch.items():
            body, content_type = _encode(items, self.encoding)
            token = base64.b64encode(f"{device_no}:{self.secrets[device_no]}".encode()).decode()
            headers = {"Authorization": f"Basic {token}", "Content-Type": content_type}
            status, answer = self.post(READINGS_PATH, body, headers)
            if status == 200:
                result = json.loads(answer)
                stats.accepted += int(result["accepted"])
                stats.duplicates += int(result["duplicates"])
                stats.rejected += len(result["rejected"])
            else:
                stats.errors += len(items)
                log.warning("simulator_http_refused", device=device_no, status=status)

    def close(self, stats: RunStats) -> None:
        if self._conn is not None:
            self._conn.close()


class MqttTarget:
    """Devices on the broker: MQTT 5, QoS 1, one message per device and batch."""

    name = "mqtt"
    MAX_IN_FLIGHT = 2_000

    def __init__(self, host: str = "127.0.0.1", port: int = 1883, encoding: str = "json") -> None:
        self.encoding = encoding
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        self._infos: list[tuple[mqtt.MQTTMessageInfo, int]] = []

    def send(self, batch: Batch, stats: RunStats) -> None:
        props = publish_properties(MSGPACK) if self.encoding == "msgpack" else None
        for device_no, items in batch.items():
            body, _ = _encode(items, self.encoding)
            info = self.client.publish(topic_for(device_no), body, qos=1, properties=props)
            self._infos.append((info, len(items)))
        if len(self._infos) > self.MAX_IN_FLIGHT:
            self._drain(stats)

    def _drain(self, stats: RunStats) -> None:
        for info, readings in self._infos:
            info.wait_for_publish(timeout=30)
            if info.is_published():
                stats.accepted += readings
            else:
                stats.errors += readings
        self._infos.clear()

    def close(self, stats: RunStats) -> None:
        self._drain(stats)
        self.client.loop_stop()
        self.client.disconnect()


def run(
    simulation: Simulation,
    target: Target,
    *,
    speed: float | None = None,
    batch_readings: int = 2_000,
    flush_s: float = 1.0,
    progress: Callable[[float, RunStats], None] | None = None,
    stop: threading.Event | None = None,
) -> RunStats:
    """Send the simulation's readings to ``target``; ``speed`` None is as fast as possible."""
    stats = RunStats()
    wall0 = time.monotonic()
    pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
    count, last_flush, last_progress = 0, wall0, 0.0

    def flush() -> None:
        nonlocal count, last_flush
        if pending:
            target.send(pending, stats)
            stats.batches += 1
            pending.clear()
        count, last_flush = 0, time.monotonic()

    try:
        for ts, device_no, reading in simulation.readings():
            if stop is not None and stop.is_set():
                break
            if speed is not None:
                due = wall0 + (ts - simulation.start) / speed
                while (delay := due - time.monotonic()) > 0:
                    if pending and time.monotonic() - last_flush >= flush_s:
                        flush()
                    if stop is not None and stop.wait(min(delay, flush_s)):
                        break
                    if stop is None:
                        time.sleep(min(delay, flush_s))
            pending[device_no].append(reading)
            stats.readings += 1
            count += 1
            if count >= batch_readings or (
                speed is not None and time.monotonic() - last_flush >= flush_s
            ):
                flush()
            if progress is not None and time.monotonic() - last_progress >= 0.2:
                last_progress = time.monotonic()
                progress(ts, stats)
        flush()
    finally:
        target.close(stats)
        stats.wall_s = time.monotonic() - wall0
    if progress is not None:
        progress(simulation.end, stats)
    return stats


class LiveFeed:
    """A few cars at 1x, in-process, in a background thread (``carecover serve``'s demo feed):
    the cars that already have a device continue their stream; any missing are fitted. They drive
    like ride-hailing cars, so something moves on the fleet page at any hour."""

    def __init__(
        self, database: Database, vehicles: int, *, seed: int = 2026, days: float = 30.0
    ) -> None:
        self.database, self.vehicles, self.seed, self.days = database, vehicles, seed, days
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats: RunStats | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="carecover-simulator", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            start = utc_now()
            with self.database.session() as session, session.begin():
                fleet = simulator_fleet.pick(
                    session, count=self.vehicles, seed=self.seed, reuse=True, not_before=start
                )
            scenario = Scenario(
                [replace(car.spec, usage="ride_hailing") for car in fleet],
                start,
                start + timedelta(days=self.days),
                seed=self.seed,
                faults=[],
            )
            target = InProcessTarget(self.database, {c.spec.device_no: c.device_id for c in fleet})
            log.info("simulator_live_started", vehicles=len(fleet))
            self.stats = run(Simulation(scenario), target, speed=1.0, stop=self._stop)
        except Exception as exc:  # noqa: BLE001 - a demo feed must never take the server down
            log.warning("simulator_live_failed", error=type(exc).__name__, detail=str(exc)[:200])

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
