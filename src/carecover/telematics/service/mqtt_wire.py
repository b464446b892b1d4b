"""A lean MQTT 5 subscriber for the ingest workers: the few packets they need, parsed in bulk.

A general client (paho) spends ~100 µs of Python per QoS 1 message — properties parsed into
objects, a callback, a lock and a socket write per acknowledgement — which caps one process at a
few thousand messages a second. The ingest worker needs much less of MQTT: CONNECT with a
session expiry and a Receive Maximum, SUBSCRIBE to one shared subscription, PUBLISH in (topic,
packet id, content type, payload), PUBACK out after the batch committed — in arrival order, all
of a batch in one write —, PINGREQ to keep the connection, DISCONNECT. ``Subscriber`` does that
over one socket: a reader thread parses every complete packet in each chunk it reads and hands
the publishes over in one call per chunk. Devices keep whatever client they like (OASIS MQTT
5.0); ``paho`` remains the publisher in the simulator and the independent peer in the tests.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK = 0x10, 0x20, 0x30, 0x40
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 0x82, 0x90, 0xC0, 0xD0, 0xE0
PROP_CONTENT_TYPE = 0x03
PINGREQ_PACKET = bytes((PINGREQ, 0))
DISCONNECT_PACKET = bytes((DISCONNECT, 0))
MAX_PACKET = 1 << 20
"""The largest PUBLISH we accept (Maximum Packet Size: the broker drops larger ones for us)."""
_U16 = struct.Struct("!H")
# bytes a property's value takes after its id, by id (-1: varint, -2: string/binary, -3: pair)
_PROP_SIZES = {
    0x01: 1, 0x02: 4, 0x03: -2, 0x08: -2, 0x09: -2, 0x0B: -1, 0x11: 4, 0x12: -2, 0x13: 2,
    0x15: -2, 0x16: -2, 0x17: 1, 0x18: 4, 0x19: 1, 0x1A: -2, 0x1C: -2, 0x1F: -2, 0x21: 2,
    0x22: 2, 0x23: 2, 0x24: 1, 0x25: 1, 0x26: -3, 0x27: 4, 0x28: 1, 0x29: 1, 0x2A: 1,
}  # fmt: skip


class MqttProtocolError(ConnectionError):
    """The broker refused us, or sent something this client cannot read."""


@dataclass(slots=True)
class Message:
    topic: str
    packet_id: int
    qos: int
    payload: bytes
    content_type: str | None


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return _U16.pack(len(raw)) + raw


def _packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + varint(len(body)) + body


def connect_packet(
    client_id: str,
    *,
    keepalive: int,
    clean_start: bool,
    session_expiry: int,
    receive_maximum: int,
    username: str | None = None,
    password: str | None = None,
) -> bytes:
    flags = (0x02 if clean_start else 0) | (0x80 if username else 0) | (0x40 if password else 0)
    props = (
        bytes((0x11,))
        + struct.pack("!I", session_expiry)
        + bytes((0x21,))
        + _U16.pack(receive_maximum)
        + bytes((0x27,))
        + struct.pack("!I", MAX_PACKET)
    )
    body = _string("MQTT") + bytes((5, flags)) + _U16.pack(keepalive) + varint(len(props)) + props
    body += _string(client_id)
    if username:
        body += _string(username)
    if password:
        body += _string(password)
    return _packet(CONNECT, body)


def subscribe_packet(packet_id: int, topic_filter: str, qos: int = 1) -> bytes:
    return _packet(
        SUBSCRIBE, _U16.pack(packet_id) + b"\x00" + _string(topic_filter) + bytes((qos,))
    )


def publish_packet(
    topic: str, payload: bytes, packet_id: int, *, qos: int = 1, content_type: str | None = None
) -> bytes:
    """A PUBLISH (the load generators use it; devices may use any client)."""
    props = (bytes((PROP_CONTENT_TYPE,)) + _string(content_type)) if content_type else b""
    head = _string(topic) + (_U16.pack(packet_id) if qos else b"")
    return _packet(PUBLISH | (qos << 1), head + varint(len(props)) + props + payload)


def pubacks(packet_ids: list[int]) -> bytes:
    """PUBACKs for ``packet_ids``, in that order (success needs no reason code in MQTT 5)."""
    return b"".join(b"\x40\x02" + _U16.pack(pid) for pid in packet_ids)


def _read_varint(buf: bytes | bytearray, at: int) -> tuple[int, int] | None:
    value, shift = 0, 0
    for i in range(at, min(at + 4, len(buf))):
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    if len(buf) - at >= 4:
        raise MqttProtocolError("malformed remaining length")
    return None


def _content_type(props: bytes) -> str | None:
    """The Content Type property of a PUBLISH, skipping the others."""
    found = _property(props, PROP_CONTENT_TYPE)
    return found.decode("utf-8", "replace") if found is not None else None


def receive_maximum(connack: bytes) -> int:
    """The broker's Receive Maximum from a CONNACK body: how many QoS 1 publishes a client may
    have unacknowledged (65,535 when the broker does not say)."""
    decoded = _read_varint(connack, 2)
    if decoded is None:
        return 65_535
    length, at = decoded
    found = _property(connack[at : at + length], 0x21)
    return int.from_bytes(found, "big") if found else 65_535


def _property(props: bytes, wanted: int) -> bytes | None:
    """The raw value of property ``wanted`` (strings without their length), skipping others."""
    at, found = 0, None
    while at < len(props):
        pid = props[at]
        at += 1
        size = _PROP_SIZES.get(pid)
        if size is None:
            raise MqttProtocolError(f"unknown property 0x{pid:02x}")
        if size == -1:
            decoded = _read_varint(props, at)
            if decoded is None:
                raise MqttProtocolError("truncated property")
            at = decoded[1]
        elif size == -2:
            (n,) = _U16.unpack_from(props, at)
            if pid == wanted:
                found = props[at + 2 : at + 2 + n]
            at += 2 + n
        elif size == -3:
            for _ in range(2):
                (n,) = _U16.unpack_from(props, at)
                at += 2 + n
        else:
            if pid == wanted:
                found = props[at : at + size]
            at += size
    return found


def parse(buf: bytearray) -> tuple[list[Message], list[tuple[int, bytes]], int]:
    """Every complete packet at the start of ``buf``: the publishes, the other packets as
    (type, body), and how many bytes they took."""
    messages: list[Message] = []
    others: list[tuple[int, bytes]] = []
    at, end = 0, len(buf)
    while end - at >= 2:
        first = buf[at]
        decoded = _read_varint(buf, at + 1)
        if decoded is None:
            break
        length, start = decoded
        stop = start + length
        if stop > end:
            break
        kind = first & 0xF0
        if kind == PUBLISH:
            qos = (first >> 1) & 0x03
            (n,) = _U16.unpack_from(buf, start)
            pos = start + 2 + n
            topic = buf[start + 2 : pos].decode("utf-8", "replace")
            packet_id = 0
            if qos:
                (packet_id,) = _U16.unpack_from(buf, pos)
                pos += 2
            prop_len, pos = _read_varint(buf, pos) or (0, pos)
            content_type = _content_type(bytes(buf[pos : pos + prop_len])) if prop_len else None
            messages.append(
                Message(topic, packet_id, qos, bytes(buf[pos + prop_len : stop]), content_type)
            )
        else:
            others.append((kind, bytes(buf[start:stop])))
        at = stop
    return messages, others, at


class Subscriber:
    """One connection with one QoS 1 subscription; ``on_messages`` gets each chunk's publishes
    (on the reader thread); ``ack`` sends their PUBACKs later, from any thread."""

    def __init__(
        self,
        host: str,
        port: int,
        topic_filter: str,
        on_messages: Callable[[list[Message]], None],
        *,
        client_id: str = "",
        session_expiry: int = 0,
        receive_maximum: int = 2_000,
        keepalive: int = 30,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port, self.topic_filter = host, port, topic_filter
        self.on_messages = on_messages
        self.client_id, self.session_expiry = client_id, session_expiry
        self.receive_maximum, self.keepalive = receive_maximum, keepalive
        self.username, self.password = username, password
        self.connected = threading.Event()
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_sent = time.monotonic()
        self.reconnects = 0
        self.generation = 0
        """Counts connections: packet ids are only valid on the connection that gave them."""

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._run, name="mqtt-reader", daemon=True)
        self._thread.start()
        if not self.connected.wait(timeout):
            raise TimeoutError("the MQTT subscription was not confirmed")

    def stop(self) -> None:
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                self._send(DISCONNECT_PACKET)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def ack(self, packet_ids: list[int], generation: int) -> None:
        """Acknowledge these QoS 1 messages (in arrival order) received on connection
        ``generation``. Those of an earlier connection are not acknowledged: the broker delivers
        them again, and storage is idempotent."""
        if packet_ids and generation == self.generation:
            with contextlib.suppress(OSError):
                self._send(pubacks(packet_ids))

    def _send(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            raise OSError("not connected")
        with self._send_lock:
            sock.sendall(data)
            self._last_sent = time.monotonic()

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._session()
                backoff = 0.1
            except (OSError, MqttProtocolError):
                self.connected.clear()
                if self._stop.is_set():
                    return
                self.reconnects += 1
                self._stop.wait(backoff)
                backoff = min(5.0, backoff * 2)

    def _session(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.generation += 1
        try:
            sock.sendall(
                connect_packet(
                    self.client_id,
                    keepalive=self.keepalive,
                    clean_start=not self.session_expiry,
                    session_expiry=self.session_expiry,
                    receive_maximum=self.receive_maximum,
                    username=self.username,
                    password=self.password,
                )
            )
            sock.settimeout(min(1.0, self.keepalive / 4))
            buf = bytearray()
            subscribed = False
            while not self._stop.is_set():
                if time.monotonic() - self._last_sent > self.keepalive / 2:
                    self._send(PINGREQ_PACKET)
                try:
                    chunk = sock.recv(1 << 18)
                except TimeoutError:
                    continue
                if not chunk:
                    raise ConnectionResetError("the broker closed the connection")
                buf += chunk
                messages, others, used = parse(buf)
                del buf[:used]
                for kind, body in others:
                    if kind == CONNACK:
                        if len(body) < 2 or body[1] != 0:
                            raise MqttProtocolError(f"connection refused: {body[1:2].hex()}")
                        self._send(subscribe_packet(1, self.topic_filter))
                    elif kind == SUBACK:
                        if body[-1:] not in (b"\x00", b"\x01"):
                            raise MqttProtocolError(f"subscription refused: {body[-1:].hex()}")
                        subscribed = True
                        self.connected.set()
                    elif kind == DISCONNECT:
                        raise ConnectionResetError(f"the broker disconnected: {body[:1].hex()}")
                if messages:
                    if not subscribed:  # a durable session's messages may come before SUBACK
                        self.connected.set()
                    self.on_messages(messages)
        finally:
            self._sock = None
            sock.close()
