"""Telematics end to end over MQTT into PostgreSQL (issue 6, "Numbers"), at a sustained rate.

Devices → the local Mosquitto → two ingest workers (``MqttIngestWorker``, each in its own process
as ``carecover ingest`` runs them, one shared subscription) → PostgreSQL. The publisher is a
separate process that offers a fixed rate for a fixed time (``ts`` = the moment a reading is
sent), over two connections at QoS 1, from 1,000 simulated cars (dongles: OBD and tyre frames,
JSON; EV boxes: MessagePack), with faults injected (a misfire code, a low tyre, a crash) and a
few intentional duplicates. Measured per offered rate: stored readings per second over the run,
device time → committed (each worker notes, for every message, when the batch holding it was
committed and acknowledged) p50/p99, alert latency (the alert's reading → its notification
queued, which is the same commit: the outbox row is written in the ingest transaction), loss
(acknowledged to the publisher but not stored) and alerts raised against faults injected.

Baselines in the same run: Traccar's published 8,000 msg/s per server (ratio = ours / 8,000),
and the broker alone (two subscribers that only count and acknowledge) at the same offered rate.

Run as a script: ``telematics_mqtt_bench.py publish SPEC`` (the publisher) or ``worker SPEC``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import msgpack
from telematics_bench import (
    JSON,
    MSGPACK,
    Car,
    FreshPg,
    Result,
    ResultFn,
    _faults,
    _template,
    _with,
    _world,
    load_average,
    pct,
    summary,
)

HERE = Path(__file__).resolve()
TRACCAR_MSG_S = 8_000.0
P99_TARGET_S = 1.0
BROKER = ("127.0.0.1", 1883)
TOPIC = "carecover/v1/devices/{}/telemetry"


# --- the publisher process: a paced QoS 1 load over raw sockets ----------------------------------


class _Conn:
    """One publishing connection; a thread counts the PUBACKs that come back."""

    def __init__(self, host: str, port: int) -> None:
        from carecover.telematics.service import mqtt_wire

        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(
            mqtt_wire.connect_packet(
                "", keepalive=60, clean_start=True, session_expiry=0, receive_maximum=100
            )
        )
        self.acked = 0
        self.sent = 0
        self.window = 65_535
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        if not self.ready.wait(10):
            raise TimeoutError("publisher not connected")

    def _read(self) -> None:
        from carecover.telematics.service import mqtt_wire

        buf = bytearray()
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            _msgs, others, used = mqtt_wire.parse(buf)
            del buf[:used]
            for kind, body in others:
                if kind == mqtt_wire.CONNACK:
                    self.window = mqtt_wire.receive_maximum(body)
                    self.ready.set()
                elif kind == mqtt_wire.PUBACK:
                    self.acked += 1

    def send(self, packet: bytes) -> None:
        """Send, keeping within the broker's Receive Maximum (its in-flight window)."""
        while self.sent - self.acked >= self.window:
            time.sleep(0.0002)
        self.sock.sendall(packet)
        self.sent += 1


def publish(spec: dict[str, Any]) -> dict[str, Any]:
    """Offer ``rate`` messages/s for ``seconds``, round-robin over the devices, each message
    ``per_message`` readings; returns what the broker acknowledged."""
    from carecover.telematics.service import mqtt_wire

    devices = spec["devices"]
    rate, seconds = float(spec["rate"]), float(spec["seconds"])
    per_message = int(spec.get("per_message", 1))
    total = int(rate * seconds)
    rounds = total // len(devices) + 1
    cars = [
        Car.make(d["kind"], 7_000 + i, d.get("fault"), fault_at=20 + i % 10)
        for i, d in enumerate(devices)
    ]
    plan: list[tuple[str, list[tuple[bytes, bytes]], str]] = []
    every = int(spec.get("duplicate_every") or 0)
    for _round in range(rounds):
        for i, car in enumerate(cars):
            ct = MSGPACK if devices[i]["kind"] == "ev" else JSON
            parts = [_template(car.next(0, dt_s=1.0), ct) for _ in range(per_message)]
            plan.append((TOPIC.format(devices[i]["no"]), parts, ct))
            if len(plan) >= total:
                break
        if len(plan) >= total:
            break
    conns = [_Conn(spec["host"], spec["port"]) for _ in range(int(spec.get("connections", 2)))]
    duplicates = 0
    pack = msgpack.packb
    tick = 0.005
    first = time.time()
    last_body: dict[str, bytes] = {}
    for n, (topic, parts, ct) in enumerate(plan):
        due = first + n / rate
        wait = due - time.time()
        if wait > tick:
            time.sleep(wait)
        ms = int(time.time() * 1000)
        stamp = pack(ms) if ct == MSGPACK else b"%d" % ms
        if per_message == 1:
            body = parts[0][0] + stamp + parts[0][1]
        elif ct == MSGPACK:
            body = bytes([0xDC]) + len(parts).to_bytes(2, "big")
            body += b"".join(head + stamp + tail for head, tail in parts)
        else:
            body = b"[" + b",".join(head + stamp + tail for head, tail in parts) + b"]"
        c = n % len(conns)
        pid = n // len(conns) % 65_535 + 1
        duplicate = bool(every) and n % every == every - 1 and topic in last_body
        if duplicate:
            body = last_body[topic]
        last_body[topic] = body
        conns[c].send(mqtt_wire.publish_packet(topic, body, pid, content_type=ct))
        duplicates += duplicate
    last = time.time()
    sent = sum(c.sent for c in conns)
    deadline = time.time() + 30
    while time.time() < deadline and sum(c.acked for c in conns) < sent:
        time.sleep(0.05)
    acked_at = time.time()
    acked = sum(c.acked for c in conns)
    for conn in conns:
        with contextlib.suppress(OSError):
            conn.sock.sendall(mqtt_wire.DISCONNECT_PACKET)
            conn.sock.close()
    return {
        "sent": sent,
        "acked": acked,
        "unique_acked": acked - duplicates if acked == sent else acked,
        "duplicates": duplicates,
        "broker_receive_maximum": conns[0].window,
        "readings_per_message": per_message,
        "first_publish": first,
        "last_publish": last,
        "all_acked": acked_at,
        "offered_rate": rate,
        "achieved_publish_rate": round(sent / max(last - first, 1e-9)),
    }


# --- a worker process ---------------------------------------------------------------------------


def worker(spec: dict[str, Any]) -> None:
    """One MqttIngestWorker in this process, until SIGTERM; then what it committed and when."""
    os.environ.setdefault("CARECOVER_ENV", "test")
    from carecover.entrypoints import registry
    from carecover.platform.db.session import Database
    from carecover.telematics.service.mqtt import MqttIngestWorker

    registry.load_all()
    db = Database(spec["url"])
    flushed: list[tuple[str | None, bytes, str, float]] = []
    errors: list[str] = []

    class Timed(MqttIngestWorker):
        def flush(self) -> None:
            with self._lock:
                batch = list(self._pending[: self.batch_size])
            try:
                super().flush()
            except Exception as exc:
                errors.append(repr(exc)[:300])
                raise
            done = time.time()
            flushed.extend((i.device_no, i.body, i.content_type, done) for i in batch)

    w = Timed(db.session, host=spec["host"], port=spec["port"], group=spec["group"])
    import gc

    gc.collect()
    gc.freeze()  # as `carecover ingest` does once its workers are built
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    w.start()
    Path(spec["ready"]).write_text("ready")
    stop.wait()
    w.stop()
    latencies: list[float] = []
    readings: list[tuple[str, int, int, float]] = []
    for device_no, body, ct, done in flushed:
        data = msgpack.unpackb(body) if ct == MSGPACK else json.loads(body)
        for r in data if isinstance(data, list) else [data]:
            readings.append((str(device_no), int(r["seq"]), int(r["ts"]), done))
            latencies.append(done - r["ts"] / 1000)
    out = {
        "stats": vars(w.stats),
        "errors": errors[:3],
        "readings": readings,
        "reconnects": w.client.reconnects,
    }
    Path(spec["out"]).write_text(json.dumps(out))
    db.dispose()


# --- the run ------------------------------------------------------------------------------------


def _spawn(kind: str, spec: dict[str, Any]) -> subprocess.Popen[str]:
    path = Path(tempfile.mkdtemp(prefix=f"cc-{kind}-")) / "spec.json"
    path.write_text(json.dumps(spec))
    return subprocess.Popen(
        [sys.executable, str(HERE), kind, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _publish(spec: dict[str, Any]) -> dict[str, Any]:
    proc = _spawn("publish", spec)
    stdout, stderr = proc.communicate(timeout=float(spec["seconds"]) + 120)
    if proc.returncode != 0:
        raise RuntimeError(f"publisher failed: {stderr[-2000:]}")
    summary_line: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return summary_line


def _raw_broker(host: str, port: int, spec: dict[str, Any]) -> dict[str, Any]:
    """The broker alone at the same offered rate: two subscribers that count and acknowledge."""
    from carecover.telematics.service import mqtt_wire

    received = [0]
    last = [0.0]
    lock = threading.Lock()
    group = f"bench-raw-{uuid.uuid4().hex[:8]}"
    subs: list[mqtt_wire.Subscriber] = []

    def counter(sub_index: int) -> Any:
        def on(messages: list[mqtt_wire.Message]) -> None:
            sub = subs[sub_index]
            sub.ack([m.packet_id for m in messages], sub.generation)
            with lock:
                received[0] += len(messages)
                last[0] = time.time()

        return on

    for i in range(2):
        subs.append(
            mqtt_wire.Subscriber(
                host, port, f"$share/{group}/carecover/v1/devices/+/telemetry", counter(i)
            )
        )
        subs[-1].start()
    try:
        pub = _publish({**spec, "host": host, "port": port})
        deadline = time.time() + 20
        while received[0] < pub["acked"] and time.time() < deadline:
            time.sleep(0.05)
    finally:
        for sub in subs:
            sub.stop()
    span = max(last[0] - pub["first_publish"], 1e-9)
    return {"publisher": pub, "received": received[0], "rate": received[0] / span}


def _run(
    db: Any, url: str, spec: dict[str, Any], devices: list[dict[str, Any]], workers: int = 2
) -> dict[str, Any]:
    from sqlalchemy import delete, func, select

    from carecover.telematics.models import Alert, Reading, RejectedReading, VehicleState

    with db.session() as session, session.begin():  # a clean slate for each offered rate
        for table in (Alert, Reading, RejectedReading, VehicleState):
            session.execute(delete(table))
    group = f"bench-{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="cc-workers-"))
    procs, outs = [], []
    for n in range(workers):
        ready, out = folder / f"ready{n}", folder / f"out{n}.json"
        procs.append(
            _spawn(
                "worker",
                {
                    "url": url,
                    "host": spec["host"],
                    "port": spec["port"],
                    "group": group,
                    "ready": str(ready),
                    "out": str(out),
                },
            )
        )
        outs.append((ready, out))
    deadline = time.time() + 60
    while not all(r.exists() for r, _ in outs):
        if time.time() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError("an ingest worker did not start")
        time.sleep(0.05)
    load_before = load_average()
    pub = _publish(spec)
    expected = pub["unique_acked"] * pub["readings_per_message"]

    def stored() -> int:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Reading)) or 0)

    last, moved, end = -1, time.time(), time.time() + 30
    while True:
        count = stored()
        if count >= expected or time.time() > end or time.time() - moved > 5:
            break
        if count != last:
            last, moved = count, time.time()
        time.sleep(0.2)
    for p in procs:
        p.send_signal(signal.SIGTERM)
    errors = [p.communicate(timeout=120)[1] for p in procs]
    for (_ready, out), err in zip(outs, errors, strict=True):
        if not out.exists():
            raise RuntimeError(f"an ingest worker failed: {err[-3000:]}")
    results = [json.loads(out.read_text()) for _, out in outs]
    commit_of: dict[tuple[str, int, int], float] = {}
    for r in results:
        for device_no, seq, ts, done in r["readings"]:
            key = (device_no, seq, ts)
            if key not in commit_of or done < commit_of[key]:
                commit_of[key] = done
    latency = [done - ts / 1000 for (_d, _s, ts), done in commit_of.items()]
    with db.session() as session:
        n_stored = stored()
        alerts = session.execute(select(Alert.vehicle_id, Alert.code, Alert.raised_at)).all()
    by_vehicle = {uuid.UUID(d["vehicle_id"]): d["no"] for d in devices}
    by_device_ts = {(d, ts): done for (d, _s, ts), done in commit_of.items()}
    alert_latency = []
    for vehicle_id, _code, raised_at in alerts:
        ts = round(raised_at.timestamp() * 1000)
        done = by_device_ts.get((by_vehicle.get(vehicle_id, ""), ts))
        if done is not None:
            alert_latency.append(done - ts / 1000)
    commits = sorted(commit_of.values())
    span = max((commits[-1] if commits else pub["first_publish"]) - pub["first_publish"], 1e-9)
    return {
        "publisher": pub,
        "expected_readings": expected,
        "stored": n_stored,
        "lost": expected - n_stored,
        "rate": n_stored / span,
        "span_s": round(span, 2),
        "latency": latency,
        "alert_latency": alert_latency,
        "alerts": Counter(code for _v, code, _r in alerts),
        "workers": [
            {
                **{k: r["stats"][k] for k in ("messages", "accepted", "duplicates", "batches")},
                "mean_batch": round(r["stats"]["messages"] / max(r["stats"]["batches"], 1), 1),
                "rejected": r["stats"]["rejected"],
                "errors": r["errors"],
                "reconnects": r["reconnects"],
            }
            for r in results
        ],
        "load_average_1m": {"before": load_before, "after": load_average()},
    }


def bench_mqtt(
    result: ResultFn,
    pg_url: str | None,
    fresh_pg: FreshPg,
    *,
    rates: tuple[float, ...] = (4_000.0, 8_000.0, 10_000.0),
    seconds: float = 20.0,
    devices: int = 2_000,
    workers: int = 2,
    batched: int = 10,
) -> list[Result]:
    """One result per offered rate of single-reading messages, and one with devices that send
    ``batched`` readings per message at the highest rate (a Teltonika-style record packet)."""
    from telematics_bench import _broker_up

    if not _broker_up(*BROKER) or pg_url is None:
        return []
    started = time.perf_counter()
    url = fresh_pg(pg_url, "cc_bench_telematics")
    db, registered = _world(url, devices, customers=devices * 2)
    faults = _faults(len(registered))
    host, port = BROKER
    plan = [(rate, 1) for rate in rates] + [(rates[-1] / batched, batched)]
    out: list[Result] = []
    for rate, per_message in plan:
        spec = {
            "devices": [{**d, "fault": faults.get(i)} for i, d in enumerate(registered)],
            "rate": rate,
            "seconds": seconds,
            "per_message": per_message,
            "duplicate_every": 997,
            "host": host,
            "port": port,
        }
        raw = _raw_broker(host, port, spec) if per_message == 1 else None
        run = _run(db, url, spec, registered, workers)
        out.append(_record(result, run, raw, spec, faults, registered))
    db.dispose()
    for r in out:
        r["details"]["step_seconds"] = round(time.perf_counter() - started, 1)
    return out


def _record(
    result: ResultFn,
    run: dict[str, Any],
    raw: dict[str, Any] | None,
    spec: dict[str, Any],
    faults: dict[int, str],
    registered: list[dict[str, Any]],
) -> Result:
    per_message = int(spec["per_message"])
    offered = spec["rate"] * per_message
    p99 = pct(run["latency"], 0.99) if run["latency"] else float("inf")
    expected_alerts = {
        "dtc": sum(1 for i, f in faults.items() if f == "dtc" and registered[i]["kind"] == "obd"),
        "tyre_pressure_low": sum(1 for f in faults.values() if f == "tyre"),
        "crash": 1,
    }
    raised = dict(run["alerts"])
    met = run["rate"] >= TRACCAR_MSG_S and p99 < P99_TARGET_S and run["lost"] == 0
    target = f"≥ {TRACCAR_MSG_S:,.0f} readings/s, p99 device time → committed < 1 s, zero loss"
    if not met:
        target += f" — MISSED at this offered rate: {run['rate']:,.0f}/s, p99 {p99:.2f} s"
        target += f", lost {run['lost']:,}"
    name = (
        f"telematics_mqtt_postgres_offered_{int(offered)}_per_s"
        if per_message == 1
        else f"telematics_mqtt_postgres_batched_{per_message}_per_message_{int(offered)}_per_s"
    )
    pub = run["publisher"]
    return _with(
        result(
            name,
            run["rate"],
            "readings/s",
            "Traccar's published 8,000 msg/s per server (maintainer, traccar#619)",
            TRACCAR_MSG_S,
            target,
        ),
        {
            "offered_readings_per_s": offered,
            "readings_per_message": per_message,
            "seconds_offered": spec["seconds"],
            "devices": len(registered),
            "workers": "2 processes, one MqttIngestWorker each (batch 500, flush ≤ 0.2 s)",
            "broker": "the machine's Mosquitto 2.0 on 127.0.0.1:1883 as configured",
            "published_acked": pub["acked"],
            "publisher_achieved_msg_per_s": pub["achieved_publish_rate"],
            "expected_readings": run["expected_readings"],
            "stored": run["stored"],
            "lost": run["lost"],
            "zero_loss": run["lost"] == 0,
            "latency_device_time_to_committed_s": summary(run["latency"]),
            "alert_latency_reading_to_notification_queued_s": summary(run["alert_latency"]),
            "alerts_raised": raised,
            "alerts_expected": expected_alerts,
            "alerts_equal_faults": raised == expected_alerts,
            "span_first_publish_to_last_commit_s": run["span_s"],
            "per_worker": run["workers"],
            "broker_alone_same_offer": None
            if raw is None
            else {"received_per_s": round(raw["rate"]), "received": raw["received"]},
            "load_average_1m": run["load_average_1m"],
        },
    )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    if len(sys.argv) == 3 and sys.argv[1] == "publish":
        spec_in = json.loads(Path(sys.argv[2]).read_text())
        sys.stdout.write(json.dumps(publish(spec_in)) + "\n")
    elif len(sys.argv) == 3 and sys.argv[1] == "worker":
        worker(json.loads(Path(sys.argv[2]).read_text()))
    else:
        raise SystemExit("usage: telematics_mqtt_bench.py publish|worker SPEC.json")


__all__ = ["bench_mqtt"]
