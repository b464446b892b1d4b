"""MQTT ingest: devices publish to ``carecover/v1/devices/{device_no}/telemetry`` at QoS 1
(JSON, or MessagePack when the MQTT 5 content type says ``application/msgpack``).

Workers subscribe through an MQTT 5 shared subscription (``$share/<group>/…``), so N workers split
the stream. Messages are acknowledged manually and only after the batch holding them committed:
a worker killed mid-batch leaves its messages unacknowledged and the broker delivers them again;
storage is idempotent on (device, seq), so nothing is lost and nothing is stored twice.

Device authentication is the broker's (a password file with one user per device and an ACL such as
``pattern write carecover/v1/devices/%u/telemetry``); the worker also refuses readings for unknown
or revoked devices, counting them like any other refused reading.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import structlog
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.telematics.enums import DeviceStatus, RejectReason
from carecover.telematics.service import devices, ingest, payload

TOPIC = "carecover/v1/devices/+/telemetry"
GROUP = "carecover-ingest"
TICK_SECONDS = 0.01
IDLE_SECONDS = 0.05
"""Flush once the stream has paused this long (the broker's in-flight window may be small)."""
log = structlog.get_logger(__name__)
SESSION_EXPIRY_SECONDS = 300


def topic_for(device_no: str) -> str:
    return f"carecover/v1/devices/{device_no}/telemetry"


def device_of(topic: str) -> str | None:
    parts = topic.split("/")
    if len(parts) == 5 and parts[:3] == ["carecover", "v1", "devices"] and parts[4] == "telemetry":
        return parts[3] or None
    return None


@dataclass
class _Pending:
    mid: int
    qos: int
    device_no: str | None
    body: bytes
    content_type: str
    arrived: float = field(default_factory=time.monotonic)


@dataclass
class WorkerStats:
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    failures: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class MqttIngestWorker:
    """One ingest worker: a paho client on a background thread and a batching loop."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        group: str = GROUP,
        client_id: str = "",
        batch_size: int = 500,
        flush_seconds: float = 0.2,
    ) -> None:
        self.session_factory = session_factory
        self.group, self.batch_size, self.flush_seconds = group, batch_size, flush_seconds
        self.stats = WorkerStats()
        self._pending: list[_Pending] = []
        self._last_arrival = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._subscribed = threading.Event()
        self._thread: threading.Thread | None = None
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.host, self.port, self.client_id = host, port, client_id

    def _on_connect(self, client: mqtt.Client, *_args: Any) -> None:
        client.subscribe(f"$share/{self.group}/{TOPIC}", options=SubscribeOptions(qos=1))

    def _on_subscribe(self, *_args: Any) -> None:
        self._subscribed.set()

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        props = getattr(message, "properties", None)
        content_type = str(getattr(props, "ContentType", "") or "application/json")
        item = _Pending(
            message.mid, message.qos, device_of(message.topic), bytes(message.payload), content_type
        )
        with self._lock:
            self._pending.append(item)
            self._last_arrival = item.arrived

    def start(self, timeout: float = 10.0) -> None:
        # A named worker keeps its session for 5 minutes: after a crash and restart the broker
        # delivers again what it had sent but never saw acknowledged.
        durable = bool(self.client_id)
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS if durable else 0
        self.client.connect(
            self.host, self.port, keepalive=30, clean_start=not durable, properties=props
        )
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            raise TimeoutError("the MQTT subscription was not confirmed")
        self._thread = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()

    def _run(self) -> None:
        """Flush when a batch is full, when the stream pauses (no message for IDLE_SECONDS), or
        at the latest after ``flush_seconds``. A failing flush (database down, a deadlock) puts
        its messages back, waits with backoff and tries again: the loop never dies."""
        failures = 0
        while not self._stop.is_set():
            time.sleep(TICK_SECONDS)
            with self._lock:
                ready = len(self._pending)
                oldest = self._pending[0].arrived if ready else None
            now = time.monotonic()
            due = ready >= self.batch_size or (
                oldest is not None
                and (now - self._last_arrival >= IDLE_SECONDS or now - oldest >= self.flush_seconds)
            )
            if not due:
                continue
            try:
                self.flush()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - the loop must survive anything a flush raises
                failures += 1
                self.stats.failures += 1
                log.warning("ingest_flush_failed", error=type(exc).__name__, attempt=failures)
                self._stop.wait(min(5.0, 0.2 * 2**failures))

    def flush(self) -> None:
        """Store what arrived, commit, then acknowledge it (at-least-once, idempotent)."""
        with self._lock:
            batch, self._pending = (
                self._pending[: self.batch_size],
                self._pending[self.batch_size :],
            )
        if not batch:
            return
        by_device: dict[str | None, list[_Pending]] = defaultdict(list)
        for item in batch:
            by_device[item.device_no].append(item)
        now = utc_now()
        try:
            with self.session_factory() as session, session.begin():
                # one order for every worker: rows and state locks are taken in device order,
                # so two workers holding parts of the same streams cannot deadlock
                for device_no in sorted(by_device, key=lambda d: d or ""):
                    self._store(session, device_no, by_device[device_no], now)
        except Exception:
            with self._lock:  # nothing was acknowledged: keep the messages for the next try
                self._pending[:0] = batch
            raise
        for item in batch:
            self.client.ack(item.mid, item.qos)
        self.stats.messages += len(batch)
        self.stats.batches += 1

    def _store(
        self, session: Session, device_no: str | None, items: list[_Pending], now: Any
    ) -> None:
        device = devices.by_no(session, device_no) if device_no else None
        if device is None or device.status is not DeviceStatus.active:
            reason = RejectReason.unknown_device if device is None else RejectReason.revoked_device
            error = payload.PayloadRejected(reason, "not an active device")
            for _ in items:
                ingest.reject(session, device_no, error, None, now)
            self._count_rejects({reason.value: len(items)})
            return
        readings: list[Any] = []
        for item in items:
            try:
                readings.extend(payload.decode(item.body, item.content_type))
            except payload.PayloadRejected as error:
                ingest.reject(session, device_no, error, item.body[:100].hex(), now)
                self._count_rejects({error.reason.value: 1})
        result = ingest.ingest(session, device, readings, now=now)
        self.stats.accepted += result.accepted
        self.stats.duplicates += result.duplicates
        self._count_rejects(dict(result.reasons))

    def _count_rejects(self, counts: dict[str, int]) -> None:
        for reason, n in counts.items():
            self.stats.rejected += n
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + n


def publish_properties(content_type: str) -> Properties:
    """MQTT 5 PUBLISH properties carrying the payload's content type."""
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ContentType = content_type
    return props
