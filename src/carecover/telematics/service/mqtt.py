"""MQTT ingest: devices publish to ``carecover/v1/devices/{device_no}/telemetry`` at QoS 1
(JSON, or MessagePack when the MQTT 5 content type says ``application/msgpack``).

Workers subscribe through an MQTT 5 shared subscription (``$share/<group>/…``), so N workers split
the stream (``mqtt_wire``: a lean MQTT 5 subscriber that parses a socket chunk's publishes in one
go and acknowledges a batch in one write). Messages are acknowledged manually and only after the
batch holding them committed: a worker killed mid-batch leaves its messages unacknowledged and
the broker delivers them again; storage is idempotent on (device, seq, device time), so nothing
is lost and nothing is stored twice.

Device authentication is the broker's (a password file with one user per device and an ACL such as
``pattern write carecover/v1/devices/%u/telemetry``); the worker also refuses readings for unknown
or revoked devices, counting them like any other refused reading.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.telematics.enums import DeviceStatus, RejectReason
from carecover.telematics.service import devices, ingest, mqtt_wire, payload, payload_fast

TOPIC = "carecover/v1/devices/+/telemetry"
GROUP = "carecover-ingest"
TICK_SECONDS = 0.01
IDLE_SECONDS = 0.05
"""Flush once the stream has paused this long (the broker's in-flight window may be small)."""
log = structlog.get_logger(__name__)
SESSION_EXPIRY_SECONDS = 300
RECEIVE_MAXIMUM = 2_000


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
    generation: int = 0
    """The connection it came on (its packet id means nothing on another)."""


@dataclass
class _Counts:
    accepted: int = 0
    duplicates: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


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
    """One ingest worker: a lean MQTT 5 subscriber (``mqtt_wire``) and a batching loop."""

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
        self.last_committed = 0.0
        """Wall time (epoch s) of the last batch's commit and acknowledgement."""
        self._pending: list[_Pending] = []
        self._last_arrival = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        durable = bool(client_id)
        self.host, self.port, self.client_id = host, port, client_id
        # A named worker keeps its session for 5 minutes: after a crash and restart the broker
        # delivers again what it had sent but never saw acknowledged. Acknowledgement waits for
        # the commit, so the broker must let a batch or more be in flight (MQTT 5 Receive
        # Maximum; Mosquitto's own default window is 20 messages).
        self.client = mqtt_wire.Subscriber(
            host,
            port,
            f"$share/{group}/{TOPIC}",
            self._on_messages,
            client_id=client_id,
            session_expiry=SESSION_EXPIRY_SECONDS if durable else 0,
            receive_maximum=min(65_535, max(RECEIVE_MAXIMUM, 4 * batch_size)),
        )

    def _on_messages(self, messages: list[mqtt_wire.Message]) -> None:
        arrived = time.monotonic()
        generation = self.client.generation
        items = [
            _Pending(
                m.packet_id,
                m.qos,
                device_of(m.topic),
                m.payload,
                m.content_type or "application/json",
                arrived,
                generation,
            )
            for m in messages
        ]
        with self._lock:
            self._pending.extend(items)
            self._last_arrival = arrived

    def start(self, timeout: float = 10.0) -> None:
        self.client.start(timeout)
        self._thread = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
        self.client.stop()

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
        now = utc_now()
        try:
            with self.session_factory() as session, session.begin():
                counts = self._store(session, batch, now)
        except Exception:
            with self._lock:  # nothing was acknowledged: keep the messages for the next try
                self._pending[:0] = batch
            raise
        for generation in sorted({item.generation for item in batch}):
            self.client.ack(
                [i.mid for i in batch if i.qos and i.generation == generation], generation
            )
        self.stats.messages += len(batch)
        self.stats.batches += 1
        self.stats.accepted += counts.accepted
        self.stats.duplicates += counts.duplicates
        self._count_rejects(counts.reasons)
        self.last_committed = time.time()

    def _store(self, session: Session, batch: list[_Pending], now: Any) -> _Counts:
        """One batch of many devices: one query for the devices, one store for all readings
        (with the cyclic garbage collector held off: ``ingest.collector_paused``)."""
        counts = _Counts()
        with ingest.collector_paused():  # the batch's garbage is freed as it ends
            nos = sorted({item.device_no for item in batch if item.device_no})
            known = {d.device_no: d for d in devices.by_nos(session, nos)} if nos else {}
            refused: list[tuple[str | None, payload.PayloadRejected, str | None]] = []
            samples: dict[str, list[payload.Sample]] = {}
            for item in batch:
                device = known.get(item.device_no or "")
                if device is None or device.status is not DeviceStatus.active:
                    unknown = device is None
                    why = RejectReason.unknown_device if unknown else RejectReason.revoked_device
                    refusal = payload.PayloadRejected(why, "not an active device")
                    refused.append((item.device_no, refusal, None))
                    continue
                try:
                    good, bad = payload_fast.decode_samples(item.body, item.content_type, now=now)
                except payload.PayloadRejected as error:
                    refused.append((item.device_no, error, item.body[:100].hex()))
                    continue
                refused.extend((item.device_no, why, excerpt) for _, why, excerpt in bad)
                samples.setdefault(device.device_no, []).extend(good)
            ingest.reject_many(session, refused, now)
            for _, refusal, _ in refused:
                reason = refusal.reason.value
                counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
            # one order for every worker: state locks are taken in car order inside ``store``
            batches = [ingest.DeviceBatch(known[no], samples[no]) for no in sorted(samples)]
            ingest.store(session, batches, now=now)
        for b in batches:
            counts.accepted += b.result.accepted
            counts.duplicates += b.result.duplicates
        return counts

    def _count_rejects(self, counts: dict[str, int]) -> None:
        for reason, n in counts.items():
            self.stats.rejected += n
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + n


def publish_properties(content_type: str) -> Properties:
    """MQTT 5 PUBLISH properties carrying the payload's content type."""
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ContentType = content_type
    return props
