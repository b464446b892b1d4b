"""The lean MQTT 5 subscriber: packets byte for byte, parsing split and merged chunks, and a
subscription against the local Mosquitto with paho as the independent publisher."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from carecover.telematics.service import mqtt_wire
from carecover.telematics.service.mqtt import publish_properties


def test_varint_matches_the_spec_examples() -> None:
    # MQTT 5 §1.5.5: the boundaries of one to four bytes
    assert mqtt_wire.varint(0) == b"\x00"
    assert mqtt_wire.varint(127) == b"\x7f"
    assert mqtt_wire.varint(128) == b"\x80\x01"
    assert mqtt_wire.varint(16_383) == b"\xff\x7f"
    assert mqtt_wire.varint(16_384) == b"\x80\x80\x01"
    assert mqtt_wire.varint(268_435_455) == b"\xff\xff\xff\x7f"


def test_a_publish_round_trips_with_its_content_type() -> None:
    packet = mqtt_wire.publish_packet(
        "carecover/v1/devices/D1/telemetry",
        b"\x81\xa3seq\x01",
        513,
        content_type="application/msgpack",
    )
    assert packet[0] == 0x32  # PUBLISH, QoS 1
    messages, others, used = mqtt_wire.parse(bytearray(packet))
    assert used == len(packet)
    assert others == []
    (m,) = messages
    assert (m.topic, m.packet_id, m.qos, m.payload, m.content_type) == (
        "carecover/v1/devices/D1/telemetry",
        513,
        1,
        b"\x81\xa3seq\x01",
        "application/msgpack",
    )


def test_parse_takes_only_complete_packets_and_keeps_the_rest() -> None:
    one = mqtt_wire.publish_packet("a/b", b"x" * 300, 1)
    two = mqtt_wire.publish_packet("a/c", b"{}", 2)
    stream = bytearray(one + two + mqtt_wire.PINGREQ_PACKET)
    cut = len(one) + 3  # in the middle of the second packet's header
    first, _, used = mqtt_wire.parse(stream[:cut])
    assert [m.packet_id for m in first] == [1]
    assert used == len(one)
    rest = bytearray(stream[used:])
    second, others, used2 = mqtt_wire.parse(rest)
    assert [m.payload for m in second] == [b"{}"]
    assert others == [(mqtt_wire.PINGREQ, b"")]
    assert used2 == len(rest)


def test_pubacks_go_out_in_arrival_order_in_one_buffer() -> None:
    assert (
        mqtt_wire.pubacks([1, 300, 65_535]) == b"\x40\x02\x00\x01\x40\x02\x01\x2c\x40\x02\xff\xff"
    )


def test_connack_receive_maximum_and_unknown_properties() -> None:
    # flags, reason 0, properties: receive maximum 20, topic alias maximum 10
    body = b"\x00\x00" + mqtt_wire.varint(6) + b"\x21\x00\x14\x22\x00\x0a"
    assert mqtt_wire.receive_maximum(body) == 20
    assert mqtt_wire.receive_maximum(b"\x00\x00\x00") == 65_535
    bad = mqtt_wire.publish_packet("t", b"p", 1)[:-1]  # fine so far ...
    with pytest.raises(mqtt_wire.MqttProtocolError):
        # a property id that does not exist in MQTT 5
        mqtt_wire._content_type(b"\x7f\x00")
    assert mqtt_wire.parse(bytearray(bad))[2] == 0  # incomplete: nothing taken


def _broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _broker_up(), reason="no MQTT broker on 127.0.0.1:1883")
def test_a_subscriber_receives_acknowledges_and_gets_redelivery_after_a_reconnect() -> None:
    topic = f"carecover-test/{uuid.uuid4().hex[:8]}/t"
    got: list[mqtt_wire.Message] = []
    lock = threading.Lock()

    def on(messages: list[mqtt_wire.Message]) -> None:
        with lock:
            got.extend(messages)

    client_id = f"cc-wire-{uuid.uuid4().hex[:8]}"
    sub = mqtt_wire.Subscriber("127.0.0.1", 1883, topic, on, client_id=client_id, session_expiry=60)
    sub.start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    pub.connect("127.0.0.1", 1883)
    pub.loop_start()
    try:
        for n in range(50):
            props = publish_properties("application/msgpack") if n % 2 else None
            pub.publish(topic, b"%d" % n, qos=1, properties=props).wait_for_publish(5)
        deadline = time.monotonic() + 10
        while len(got) < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m.payload for m in got] == [b"%d" % n for n in range(50)]
        assert got[1].content_type == "application/msgpack"
        assert got[0].content_type is None
        first = sub.generation
        sub.ack([m.packet_id for m in got[:30]], first)  # the last 20 stay unacknowledged
        time.sleep(0.3)
        sub.stop()  # a crash: the durable session keeps the 20 for us
        again: list[mqtt_wire.Message] = []
        sub2 = mqtt_wire.Subscriber(
            "127.0.0.1", 1883, topic, again.extend, client_id=client_id, session_expiry=60
        )
        sub2.start()
        deadline = time.monotonic() + 10
        while len(again) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(int(m.payload) for m in again) == list(range(30, 50))
        sub2.ack([m.packet_id for m in again], first)  # ids of the old connection: ignored
        sub2.ack([m.packet_id for m in again], sub2.generation)
        sub2.stop()
    finally:
        pub.loop_stop()
        pub.disconnect()
