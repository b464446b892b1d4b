"""CBV 2.0 event hash IDs against the reference implementation's vectors (fixtures/epcis/hash)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from carecover.parts.service.epcis import EpcisError, event_hash_id, prehash_string
from carecover.parts.service.epcis.hashing import (
    canonical_number,
    canonical_time,
    hash_id_from_prehash,
    is_hash_id,
)
from carecover.parts.service.epcis.identifiers import (
    canonical_identifier,
    constrain_digital_link,
    epc_urn_to_digital_link,
    gs1_check_digit,
)

VECTORS = Path(__file__).parent / "fixtures" / "epcis" / "hash"


def _events(name: str) -> list[dict[str, Any]]:
    document = json.loads((VECTORS / name).read_bytes())
    events: list[dict[str, Any]] = document["epcisBody"]["eventList"]
    return events


def _lines(name: str) -> list[str]:
    return (VECTORS / name).read_text().splitlines()


def test_vector_files_are_self_consistent() -> None:
    for stem in (
        "epcisDocWithShippingAndTransportingEvent",
        "TimeStampRoundOff",
        "AggregationEvent_all_possible_fields",
    ):
        prehashes = _lines(f"{stem}.prehashes")
        assert [hash_id_from_prehash(p) for p in prehashes] == _lines(f"{stem}.hashes")


def test_single_event_vector() -> None:
    (event,) = _events("epcisDocWithSingleEvent.jsonld")
    assert [event_hash_id(event)] == _lines("epcisDocWithSingleEvent.hashes")


def test_shipping_and_transporting_vectors() -> None:
    events = _events("epcisDocWithShippingAndTransportingEvent.jsonld")
    name = "epcisDocWithShippingAndTransportingEvent"
    assert [prehash_string(e) for e in events] == _lines(f"{name}.prehashes")
    assert [event_hash_id(e) for e in events] == _lines(f"{name}.hashes")


def test_time_stamp_round_off_vectors() -> None:
    events = _events("TimeStampRoundOff.jsonld")
    prehashes, hashes = _lines("TimeStampRoundOff.prehashes"), _lines("TimeStampRoundOff.hashes")
    for event, prehash, hash_id in zip(events[:2], prehashes[:2], hashes[:2], strict=True):
        assert prehash_string(event) == prehash
        assert event_hash_id(event) == hash_id
    # The third event has sensor data, which this implementation does not hash.
    with pytest.raises(EpcisError) as caught:
        event_hash_id(events[2])
    assert caught.value.code == "hash.unsupported_field"
    assert caught.value.pointer == "/sensorElementList"


def test_aggregation_event_covered_fields_match_the_reference_prefix() -> None:
    (event,) = _events("AggregationEvent_all_possible_fields.json")
    (reference,) = _lines("AggregationEvent_all_possible_fields.prehashes")
    covered = {k: v for k, v in event.items() if k != "sensorElementList" and ":" not in k}
    ours = prehash_string(covered)
    # Everything up to destinationList is ours; the reference continues with sensor data and
    # user extensions (not hashed here).
    assert reference.startswith(ours)
    assert reference[len(ours) :].startswith("sensorElement")
    assert "childQuantityListquantityElementepcClass=" in ours
    assert "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pedigree" in ours
    # errorDeclaration, eventID and certificationInfo are not part of the hash.
    assert "declarationTime" not in ours
    assert "certificationInfo" not in ours
    with pytest.raises(EpcisError) as caught:
        prehash_string(event)
    assert caught.value.code == "hash.unsupported_field"


def test_ilmd_matches_the_reference_rendering() -> None:
    # Excerpt of tests/examples/expected/CBV2.0/ObjectEvent_all_possible_fields.prehashes
    # (RalphTro/epcis-event-hash-generator @ 084b00349014d1b7e269b28293be89ac59587638, MIT):
    # the ILMD members whose keys are cbvmda: CURIEs.
    reference = (
        "{urn:epcglobal:cbv:mda}countryOfExport=KR{urn:epcglobal:cbv:mda}countryOfOrigin=GB"
        "{urn:epcglobal:cbv:mda}drainedWeight=3.5{urn:epcglobal:cbv:mda}grossWeight=3.5"
        "{urn:epcglobal:cbv:mda}lotNumber=ABC123{urn:epcglobal:cbv:mda}netWeight=3.5"
    )
    event = {
        "type": "ObjectEvent",
        "eventTime": "2005-04-05T02:33:31.116Z",
        "eventTimeZoneOffset": "-06:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
        "action": "ADD",
        "ilmd": {
            "cbvmda:countryOfExport": "KR",
            "cbvmda:grossWeight": "3.5",
            "cbvmda:netWeight": "3.5",
            "cbvmda:countryOfOrigin": "GB",
            "cbvmda:drainedWeight": "3.5",
            "cbvmda:lotNumber": "ABC123",
        },
    }
    assert prehash_string(event).endswith("ilmd" + reference)


def _base_event() -> dict[str, Any]:
    return copy.deepcopy(_events("epcisDocWithSingleEvent.jsonld")[0])


def test_hash_ignores_member_order_and_list_order() -> None:
    event = _base_event()
    shuffled = dict(reversed(list(event.items())))
    shuffled["epcList"] = list(reversed(event["epcList"]))
    assert event_hash_id(shuffled) == event_hash_id(event)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bizStep", "urn:epcglobal:cbv:bizstep:shipping"),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-shipping"),
        ("disposition", "urn:epcglobal:cbv:disp:in_transit"),
        ("eventTime", "2022-02-17T02:33:31.116Z"),
        ("eventTime", "2022-02-17T10:33:31.1155+08:00"),
        (
            "epcList",
            [
                "https://id.gs1.org/01/10614141073464/21/2018",
                "https://brand.example/01/10614141073464/21/2017?17=261231",
            ],
        ),
        ("readPoint", {"id": "https://id.gs1.org/414/0614141073467/254/1234"}),
        (
            "bizTransactionList",
            [
                {
                    "type": "urn:epcglobal:cbv:btt:po",
                    "bizTransaction": "http://transaction.acme.com/po/12345678",
                }
            ],
        ),
    ],
)
def test_equivalent_spellings_give_the_same_hash(field: str, value: Any) -> None:
    event = _base_event()
    expected = event_hash_id(event)
    event[field] = value
    assert event_hash_id(event) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bizStep", "receiving"),
        ("eventTime", "2022-02-17T02:33:31.117Z"),
        ("eventTimeZoneOffset", "+08:00"),
        ("epcList", ["urn:epc:id:sgtin:0614141.107346.2017"]),
        ("action", "ADD"),
    ],
)
def test_any_relevant_change_changes_the_hash(field: str, value: Any) -> None:
    event = _base_event()
    expected = event_hash_id(event)
    event[field] = value
    assert event_hash_id(event) != expected


def test_event_id_record_time_and_error_declaration_are_not_hashed() -> None:
    event = _base_event()
    expected = event_hash_id(event)
    event["eventID"] = "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8"
    event["recordTime"] = "2030-01-01T00:00:00Z"
    event["errorDeclaration"] = {"declarationTime": "2030-01-01T00:00:00Z"}
    assert event_hash_id(event) == expected
    assert is_hash_id(expected)
    assert not is_hash_id(expected.replace("CBV2.0", "CBV2.1"))


@pytest.mark.parametrize(
    ("mutate", "code", "pointer"),
    [
        (
            lambda e: e.__setitem__("type", "TransformationEvent"),
            "hash.unsupported_event_type",
            "/type",
        ),
        (lambda e: e.__setitem__("example:field", "x"), "hash.unsupported_field", "/example:field"),
        (
            lambda e: e["readPoint"].__setitem__("ext:x", "y"),
            "hash.unsupported_field",
            "/readPoint",
        ),
        (
            lambda e: e.__setitem__("ilmd", {"cbvmda:lot": {"nested": 1}}),
            "hash.unsupported_field",
            "/ilmd/cbvmda:lot",
        ),
        (
            lambda e: e.__setitem__("ilmd", {"unknown:lot": "1"}),
            "hash.unsupported_field",
            "/ilmd/unknown:lot",
        ),
        (lambda e: e.__setitem__("eventTime", "yesterday"), "hash.bad_time", "/eventTime"),
        (lambda e: e.pop("eventTime"), "hash.bad_time", "/eventTime"),
        (lambda e: e.__setitem__("epcList", "urn:x"), "hash.bad_value", "/epcList"),
    ],
)
def test_unsupported_or_malformed_events_are_rejected(mutate: Any, code: str, pointer: str) -> None:
    event = _base_event()
    mutate(event)
    with pytest.raises(EpcisError) as caught:
        event_hash_id(event)
    assert caught.value.code == code
    assert caught.value.pointer == pointer


def test_ilmd_prefixes_from_the_document_context() -> None:
    event = _base_event() | {"action": "ADD", "ilmd": {"ex:lot": "L1"}}
    with_context = prehash_string(event, context={"ex": "http://example.com/ext1/"})
    assert with_context.endswith("ilmd{http://example.com/ext1/}lot=L1")
    absolute = event | {"ilmd": {"http://example.com/ext1/lot": "L1"}}
    assert prehash_string(absolute) == with_context
    curie = event | {"ilmd": {"cbvmda:lotNumber": "L1"}}
    urn = event | {"ilmd": {"urn:epcglobal:cbv:mda:lotNumber": "L1"}}
    assert prehash_string(urn) == prehash_string(curie)
    assert prehash_string(curie).endswith("ilmd{urn:epcglobal:cbv:mda}lotNumber=L1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-01-18T11:04:03.1415Z", "2023-01-18T11:04:03.142Z"),
        ("2023-01-18T11:04:03.1414999Z", "2023-01-18T11:04:03.141Z"),
        ("2023-01-18T11:04:03Z", "2023-01-18T11:04:03.000Z"),
        ("2023-01-18T11:04:03.5+08:00", "2023-01-18T03:04:03.500Z"),
        ("2023-12-31T23:59:59.9996Z", "2024-01-01T00:00:00.000Z"),
        ("2005-04-03T20:33:31.116000-06:00", "2005-04-04T02:33:31.116Z"),
    ],
)
def test_canonical_time(value: str, expected: str) -> None:
    assert canonical_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1"),
        (1.0, "1"),
        (200.5, "200.5"),
        ("23.0", "23"),
        ("0.3434", "0.3434"),
        (1e-7, "0.0000001"),
        (-0.0, "0"),
    ],
)
def test_canonical_number(value: Any, expected: str) -> None:
    assert canonical_number(value) == expected


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
        ("urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234"),
        ("urn:epc:id:sgln:4012345.00022.0", "https://id.gs1.org/414/4012345000221"),
        ("urn:epc:id:pgln:4012345.00225", "https://id.gs1.org/417/4012345002256"),
        ("urn:epc:id:gdti:0614141.00001.1618034", "https://id.gs1.org/253/06141410000121618034"),
        ("urn:epc:id:gsrn:0614141.0000010253", "https://id.gs1.org/8018/061414100000102534"),
        ("urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111"),
        ("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400"),
        (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/04012345123456/10/998877",
        ),
        ("urn:epc:idpat:sgtin:4012345.098765.*", "https://id.gs1.org/01/04012345987652"),
        ("urn:epc:id:sgtin:0614141.107346.a%2Fb", "https://id.gs1.org/01/10614141073464/21/a%2Fb"),
        ("urn:epc:id:sgtin:0614141.10734.2017", None),
        ("urn:epc:id:cpi:0614141.123ABC.123456789", None),
    ],
)
def test_epc_urns_to_digital_link(urn: str, expected: str | None) -> None:
    assert epc_urn_to_digital_link(urn) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "https://example.com/products/01/9521234543213/10/ABC/21/12345?17=261231",
            "https://id.gs1.org/01/09521234543213/21/12345",
        ),
        ("https://id.gs1.de/00/040123451111111110", "https://id.gs1.org/00/040123451111111110"),
        (
            "https://brand.example/01/09521234543213/22/V1/10/LOT",
            "https://id.gs1.org/01/09521234543213/10/LOT",
        ),
        (
            "https://id.gs1.org/414/4012345000115/254/7#frag",
            "https://id.gs1.org/414/4012345000115/254/7",
        ),
        ("http://transaction.acme.com/po/12345678", None),
        ("https://id.gs1.org/01/09521234543213/21/A/21/B", None),
        ("https://id.gs1.org/01/09521234543213/21/A/10/L", None),
        ("https://id.gs1.org/01/123", None),
        ("geo:47.5,11.1", None),
    ],
)
def test_constrained_digital_link(uri: str, expected: str | None) -> None:
    assert constrain_digital_link(uri) == expected
    assert canonical_identifier(uri) == (expected or uri)


def test_gs1_check_digit() -> None:
    assert gs1_check_digit("0950600013435") == "2"
    assert gs1_check_digit("0952123454321") == "3"
    assert gs1_check_digit("061414112345") == "2"
