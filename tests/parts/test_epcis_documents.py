"""EPCIS builders (schema-valid, hash-identified) and strict parsing of partner submissions."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from carecover.parts.service.epcis import (
    EpcisError,
    check_error_declaration,
    check_submitted_event,
    commissioning_event,
    destroying_event,
    epcis_document,
    error_declaration_event,
    event_hash_id,
    installing_event,
    parse_document,
    receiving_event,
    removing_event,
    shipping_event,
    validate_document,
    validate_event,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))
EPC = "https://id.gs1.org/01/09521234543213/21/7Q4M2X9KD3WZ8R1F"
EPC2 = "https://id.gs1.org/01/09521234543213/21/5H8N3Q0TBV6Y2C4J"
FACTORY = "https://id.gs1.org/414/9521234000006"
WAREHOUSE = "https://id.gs1.org/414/9521234000013/254/7"
SHOP = "https://id.gs1.org/414/9521234000020"
VEHICLE = "urn:carecover:vehicle:" + "3f9a" * 8


def _at(days_ago: float) -> datetime:
    return (NOW - timedelta(days=days_ago)).astimezone(CST)


def _chain() -> list[dict[str, Any]]:
    return [
        commissioning_event(
            EPC, when=_at(10), location_gln_uri=FACTORY, org_id="oem-1", lot="L2026-04", now=NOW
        ),
        shipping_event(
            [EPC, EPC2],
            when=_at(9),
            from_location=FACTORY,
            to_location=WAREHOUSE,
            from_org="oem-1",
            to_org="dist-2",
            biz_transactions=[("po", "urn:carecover:po:PO-1"), ("desadv", "urn:x:asn:9")],
            now=NOW,
        ),
        receiving_event(EPC, when=_at(8), location=WAREHOUSE, from_location=FACTORY, now=NOW),
        installing_event(EPC, parent_id=VEHICLE, when=_at(3), location=SHOP, now=NOW),
        removing_event(EPC, parent_id=VEHICLE, when=_at(2), location=SHOP, repair_order="RO-7"),
        destroying_event(EPC, when=_at(1), location=SHOP, now=NOW),
    ]


def test_builders_emit_schema_valid_hash_identified_events() -> None:
    events = _chain()
    for event in events:
        validate_event(event)
        assert event["eventID"] == event_hash_id(event)
        assert event["eventID"].startswith("ni:///sha-256;")
        assert event["eventTime"].endswith("Z")
        assert event["eventTimeZoneOffset"] == "+08:00"
        assert "recordTime" not in event
    assert len({e["eventID"] for e in events}) == len(events)
    document = epcis_document(events, created=NOW)
    validate_document(document)
    assert document["@context"] == [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    ]
    parsed = parse_document(json.dumps(document).encode(), now=NOW)
    assert parsed.hash_ids() == tuple(e["eventID"] for e in events)


def test_event_contents() -> None:
    commissioning, shipping, receiving, installing, removing, destroying = _chain()
    assert commissioning["eventTime"] == "2026-04-21T12:00:00.000Z"
    assert (commissioning["action"], commissioning["bizStep"]) == ("ADD", "commissioning")
    assert commissioning["disposition"] == "active"
    assert commissioning["ilmd"] == {"cbvmda:lotNumber": "L2026-04"}
    assert commissioning["bizLocation"] == {"id": FACTORY}
    assert commissioning["destinationList"] == [
        {"type": "owning_party", "destination": "urn:carecover:org:oem-1"}
    ]
    assert (shipping["action"], shipping["disposition"]) == ("OBSERVE", "in_transit")
    assert shipping["sourceList"][0] == {"type": "location", "source": FACTORY}
    assert shipping["destinationList"][0] == {"type": "location", "destination": WAREHOUSE}
    assert shipping["bizTransactionList"][0] == {
        "type": "po",
        "bizTransaction": "urn:carecover:po:PO-1",
    }
    assert receiving["disposition"] == "sellable_not_accessible"
    assert (installing["type"], installing["action"]) == ("AggregationEvent", "ADD")
    assert installing["parentID"] == VEHICLE
    assert installing["childEPCs"] == [EPC]
    assert (removing["action"], removing["disposition"]) == ("DELETE", "needs_replacement")
    assert removing["bizTransactionList"] == [
        {
            "type": "urn:carecover:btt:repair_order",
            "bizTransaction": "urn:carecover:repair-order:RO-7",
        }
    ]
    assert (destroying["action"], destroying["disposition"]) == ("DELETE", "destroyed")


def test_explicit_offset_and_millisecond_time() -> None:
    when = datetime(2026, 4, 30, 1, 2, 3, 456789, tzinfo=UTC)
    event = destroying_event(EPC, when=when, location=SHOP, now=NOW, time_zone_offset="+08:00")
    assert event["eventTime"] == "2026-04-30T01:02:03.456Z"
    assert event["eventTimeZoneOffset"] == "+08:00"


@pytest.mark.parametrize("offset", ["+14:30", "-12:30", "+15:00", "+8:00", "08:00", "+08:60", ""])
def test_bad_offsets_are_rejected(offset: str) -> None:
    with pytest.raises(EpcisError) as caught:
        destroying_event(EPC, when=_at(1), location=SHOP, now=NOW, time_zone_offset=offset)
    assert caught.value.code == "epcis.bad_time_zone_offset"


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "+05:45", "-00:00"])
def test_edge_offsets_are_accepted(offset: str) -> None:
    event = destroying_event(EPC, when=_at(1), location=SHOP, now=NOW, time_zone_offset=offset)
    assert event["eventTimeZoneOffset"] == offset


def test_future_event_time_allows_five_minutes_of_skew() -> None:
    destroying_event(EPC, when=NOW + timedelta(minutes=5), location=SHOP, now=NOW)
    with pytest.raises(EpcisError) as caught:
        destroying_event(EPC, when=NOW + timedelta(minutes=5, seconds=1), location=SHOP, now=NOW)
    assert caught.value.code == "epcis.future_event_time"


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(EpcisError) as caught:
        destroying_event(EPC, when=datetime(2026, 4, 1), location=SHOP, now=NOW)  # noqa: DTZ001
    assert caught.value.code == "epcis.naive_datetime"


@pytest.mark.parametrize(
    "parent_id",
    [
        "LSVAU2180N2183294",  # a VIN
        "urn:carecover:vehicle:LSVAU2180N2183294",
        "urn:carecover:vehicle:abc",
        "urn:x-insurer:vehicle:" + "ab" * 16,
    ],
)
def test_vehicle_must_be_an_opaque_key(parent_id: str) -> None:
    with pytest.raises(EpcisError) as caught:
        installing_event(EPC, parent_id=parent_id, when=_at(1), location=SHOP, now=NOW)
    assert caught.value.code == "epcis.invalid_vehicle_id"


def test_epc_list_checks() -> None:
    for epcs, code in (
        ([], "epcis.no_epcs"),
        ([EPC, EPC], "epcis.duplicate_epc"),
        (["not a uri"], "epcis.bad_epc"),
        ([f"{EPC}{i}" for i in range(10_001)], "epcis.too_many_epcs"),
    ):
        with pytest.raises(EpcisError) as caught:
            destroying_event(epcs, when=_at(1), location=SHOP, now=NOW)
        assert caught.value.code == code
    many = destroying_event([f"{EPC}{i}" for i in range(10_000)], when=_at(1), location=SHOP)
    assert len(many["epcList"]) == 10_000


def test_other_builder_input_checks() -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (
            lambda: shipping_event(EPC, when=_at(1), from_location=SHOP, to_location=SHOP, now=NOW),
            "epcis.ship_to_self",
        ),
        (
            lambda: receiving_event(EPC, when=_at(1), location=SHOP, from_location=SHOP, now=NOW),
            "epcis.ship_to_self",
        ),
        (
            lambda: destroying_event(EPC, when=_at(1), location="shop 9", now=NOW),
            "epcis.bad_location",
        ),
        (
            lambda: commissioning_event(
                EPC, when=_at(1), location_gln_uri=FACTORY, org_id="a b", now=NOW
            ),
            "epcis.bad_org_id",
        ),
        (
            lambda: commissioning_event(
                EPC, when=_at(1), location_gln_uri=FACTORY, org_id="o", lot="批号", now=NOW
            ),
            "epcis.bad_lot",
        ),
        (
            lambda: shipping_event(
                EPC,
                when=_at(1),
                from_location=SHOP,
                to_location=FACTORY,
                biz_transactions=[("order", "urn:x:1")],
                now=NOW,
            ),
            "cbv.unknown_biz_transaction_type",
        ),
        (
            lambda: removing_event(
                EPC, parent_id=VEHICLE, when=_at(1), location=SHOP, repair_order="RO 7", now=NOW
            ),
            "epcis.bad_repair_order",
        ),
    ]
    for build, code in cases:
        with pytest.raises(EpcisError) as caught:
            build()
        assert caught.value.code == code


# --- parsing partner submissions ------------------------------------------------------------


def _document(**changes: Any) -> dict[str, Any]:
    event = receiving_event(EPC, when=_at(1), location=SHOP, now=NOW)
    event.update(changes)
    return epcis_document([event], created=NOW)


def _parse(document: Any, **kwargs: Any) -> Any:
    return parse_document(json.dumps(document).encode(), now=NOW, **kwargs)


def test_client_record_time_is_rejected() -> None:
    document = _document(recordTime="2026-04-30T12:00:00.000Z")
    with pytest.raises(EpcisError) as caught:
        _parse(document)
    assert caught.value.code == "epcis.record_time_forbidden"
    assert caught.value.pointer == "/epcisBody/eventList/0/recordTime"
    assert _parse(document, allow_record_time=True).events[0]["recordTime"]


def test_future_submissions_are_rejected() -> None:
    document = _document(eventTime="2026-05-01T12:06:00Z")
    with pytest.raises(EpcisError) as caught:
        _parse(document)
    assert caught.value.code == "epcis.future_event_time"
    assert caught.value.pointer == "/epcisBody/eventList/0/eventTime"
    _parse(_document(eventTime="2026-05-01T12:04:59Z"))


def test_offsets_outside_real_world_range_are_rejected() -> None:
    with pytest.raises(EpcisError) as caught:
        _parse(_document(eventTimeZoneOffset="-13:00"))  # schema allows it, we do not
    assert caught.value.code == "epcis.bad_time_zone_offset"
    with pytest.raises(EpcisError) as caught:
        _parse(_document(eventTimeZoneOffset="+14:30"))
    assert caught.value.code == "epcis.schema"
    assert caught.value.pointer == "/epcisBody/eventList/0/eventTimeZoneOffset"


def test_oversized_epc_lists_are_rejected_before_schema_validation() -> None:
    document = _document(epcList=[f"{EPC}{i}" for i in range(10_001)])
    with pytest.raises(EpcisError) as caught:
        _parse(document)
    assert caught.value.code == "epcis.too_many_epcs"
    assert caught.value.pointer == "/epcisBody/eventList/0/epcList"


@pytest.mark.parametrize(
    ("raw", "cause"),
    [
        (b'{"type":"EPCISDocument","type":"EPCISDocument"}', "json.duplicate_key"),
        (b'{"type":"EPCISDocument","schemaVersion":NaN}', "json.nan"),
        (b"[" * 100 + b"]" * 100, "json.depth"),
        (b'{"type": "EPCISDocument", "x": "\\ud800"}', "json.surrogate"),
        (b"\xff\xfe", "json.syntax"),
    ],
)
def test_strict_json_failures(raw: bytes, cause: str) -> None:
    with pytest.raises(EpcisError) as caught:
        parse_document(raw, now=NOW)
    assert caught.value.code == "epcis.invalid_json"
    assert caught.value.cause_code == cause


def test_size_limit_and_document_type() -> None:
    with pytest.raises(EpcisError) as caught:
        parse_document(b" " * (1024 * 1024 + 1), now=NOW)
    assert caught.value.cause_code == "json.too_large"
    with pytest.raises(EpcisError) as caught:
        _parse(receiving_event(EPC, when=_at(1), location=SHOP, now=NOW))
    assert caught.value.code == "epcis.not_a_document"


def test_schema_errors_carry_the_pointer() -> None:
    with pytest.raises(EpcisError) as caught:
        _document(bizStep="fixing")  # the builder's document wrapper validates too
    assert caught.value.pointer == "/epcisBody/eventList/0/bizStep"
    document = _document()
    document["epcisBody"]["eventList"][0]["bizStep"] = "fixing"
    with pytest.raises(EpcisError) as caught:
        _parse(document)
    assert caught.value.code == "epcis.schema"
    assert caught.value.pointer == "/epcisBody/eventList/0/bizStep"


# --- error declarations ---------------------------------------------------------------------


def test_error_declaration_round_trip() -> None:
    original = receiving_event(EPC, when=_at(2), location=SHOP, now=NOW)
    fix = receiving_event(EPC, when=_at(2), location=WAREHOUSE, now=NOW)
    declared = error_declaration_event(
        original, declared_at=_at(1), corrective_event_ids=[fix["eventID"]], now=NOW
    )
    assert declared["eventID"] == original["eventID"] == event_hash_id(declared)
    assert declared["errorDeclaration"]["reason"] == "incorrect_data"
    check_error_declaration(declared, target_event_id=original["eventID"], now=NOW)
    check_submitted_event(declared, now=NOW)


def test_error_declaration_rules() -> None:
    original = receiving_event(EPC, when=_at(2), location=SHOP, now=NOW)
    other = receiving_event(EPC2, when=_at(2), location=SHOP, now=NOW)
    declared = error_declaration_event(original, declared_at=_at(1), now=NOW)
    target = original["eventID"]

    def fails(event: dict[str, Any], code: str, target_id: str = target) -> None:
        with pytest.raises(EpcisError) as caught:
            check_error_declaration(event, target_event_id=target_id, now=NOW)
        assert caught.value.code == code

    fails(original, "epcis.error_declaration_missing")
    fails(declared, "epcis.error_declaration_target_mismatch", other["eventID"])
    changed = copy.deepcopy(declared) | {"bizLocation": {"id": WAREHOUSE}}
    fails(changed, "epcis.error_declaration_content_mismatch")
    self_ref = copy.deepcopy(declared)
    self_ref["errorDeclaration"]["correctiveEventIDs"] = [target]
    fails(self_ref, "epcis.error_declaration_self_reference")
    bad_ref = copy.deepcopy(declared)
    bad_ref["errorDeclaration"]["correctiveEventIDs"] = ["not an id"]
    fails(bad_ref, "epcis.bad_corrective_event_id")
    future = copy.deepcopy(declared)
    future["errorDeclaration"]["declarationTime"] = "2026-05-02T00:00:00.000Z"
    fails(future, "epcis.future_event_time")
    with pytest.raises(EpcisError) as caught:
        error_declaration_event(original, declared_at=_at(1), reason="typo", now=NOW)
    assert caught.value.code == "cbv.unknown_error_reason"
