"""EPCIS 2.0 capture over the API: whole documents are checked before anything is recorded, the
same event is recorded once whatever its eventID, and bad JSON, schema, time, vocabulary and
identifier inputs (ledger-security §6, 15–18 and 23–27) are refused by rule, recording nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.parts import service
from carecover.parts.models import Part
from carecover.parts.service import epcis, location_uri
from carecover.parts.service.gs1 import SGTIN
from carecover.platform.clock import utc_now
from tests.accounts.test_api import sign_in
from tests.factories.parts import GTIN, Network, commission, make_network
from tests.parts.test_api import problem, recorded

URL = "/api/v1/parts/epcis/capture"
LD_JSON = "application/ld+json"


def shipment(net: Network, part: Part, **changes: Any) -> dict[str, Any]:
    """The supplier's shipping event for ``part``, from its factory to the shop."""
    return epcis.shipping_event(
        service.sgtin_of(part).epc_uri,
        when=changes.pop("when", utc_now()),
        from_location=location_uri(net.supplier_site.id),
        to_location=location_uri(changes.pop("to", net.shop_site.id)),
        **changes,
    )


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return epcis.epcis_document(events, created=utc_now())


def body_of(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def submit(
    client: TestClient, headers: dict[str, str], data: bytes, content_type: str = LD_JSON
) -> Any:
    return client.post(URL, content=data, headers={**headers, "Content-Type": content_type})


@pytest.fixture
def net(session: Session) -> Network:
    return make_network(session)


@pytest.fixture
def part(session: Session, net: Network) -> Part:
    return commission(session, net)[0]


@pytest.fixture
def supplier(client: TestClient, net: Network) -> dict[str, str]:
    return sign_in(client, net.supplier.username)


def test_a_shipment_is_recorded_once_whatever_its_event_id(
    client: TestClient, session: Session, net: Network, part: Part, supplier: dict[str, str]
) -> None:
    event = shipment(net, part)
    before = recorded(session)
    first = submit(client, supplier, body_of(document(event)))
    assert first.status_code == 201, first.text
    assert first.json() == {"events": 1, "recorded": 1, "duplicates": 0}
    assert recorded(session) == (before[0] + 1, before[1] + 1)
    again = submit(client, supplier, body_of(document(event)), "application/json")
    assert again.status_code == 201, again.text
    assert again.json() == {"events": 1, "recorded": 0, "duplicates": 1}
    renamed = {**event, "eventID": "urn:uuid:0b5f2c5e-3c1a-4d59-9a7e-2f1d7d4f6a10"}
    third = submit(client, supplier, body_of(document(renamed)))
    assert third.status_code == 201, third.text
    assert third.json() == {"events": 1, "recorded": 0, "duplicates": 1}
    assert recorded(session) == (before[0] + 1, before[1] + 1)
    history = client.get(f"/api/v1/parts/{part.id}", headers=supplier).json()
    assert [e["biz_step"] for e in history["events"]] == ["commissioning", "shipping"]
    assert history["part"]["state"] == "in_transit"


def test_one_impossible_event_refuses_the_whole_document(
    client: TestClient, session: Session, net: Network, part: Part, supplier: dict[str, str]
) -> None:
    good = shipment(net, part)
    impossible = shipment(net, part, to=net.other_site.id)  # already in transit by then
    before = recorded(session)
    response = submit(client, supplier, body_of(document(good, impossible)))
    problem(response, 409, "custody_violation", "custody.already_in_transit")
    assert recorded(session) == before  # the first, possible, event is not recorded either
    session.expire_all()
    assert session.get(Part, part.id).state == "commissioned"  # type: ignore[union-attr]


def test_the_holder_alone_captures_its_parts_steps(
    client: TestClient, session: Session, net: Network, part: Part
) -> None:
    before = recorded(session)
    other = sign_in(client, net.other_shop.username)
    response = submit(client, other, body_of(document(shipment(net, part))))
    problem(response, 403, "part_not_held")
    unsigned = client.post(
        URL, content=body_of(document(shipment(net, part))), headers={"Content-Type": LD_JSON}
    )
    problem(unsigned, 401, "unauthenticated")
    assert recorded(session) == before


def _text(doc: dict[str, Any], old: str, new: str) -> bytes:
    text = json.dumps(doc)
    assert old in text
    return text.replace(old, new, 1).encode()


def _event(doc: dict[str, Any], **fields: Any) -> bytes:
    event = doc["epcisBody"]["eventList"][0]
    for key, value in fields.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return body_of(doc)


ONE_EVENT = "/epcisBody/eventList/0"
Mutation = Callable[[dict[str, Any]], bytes]
BAD_DOCUMENTS: dict[str, tuple[Mutation, str, str | None]] = {
    "duplicate key": (
        lambda d: _text(d, '"type": "EPCISDocument"', '"type": "EPCISDocument", "type": "x"'),
        "json.duplicate_key",
        None,
    ),
    "NaN": (lambda d: _text(d, '"schemaVersion": "2.0"', '"schemaVersion": NaN'), "json.nan", None),
    "Infinity": (
        lambda d: _text(d, '"schemaVersion": "2.0"', '"schemaVersion": -Infinity'),
        "json.nan",
        None,
    ),
    "huge number": (lambda d: _text(d, '"2.0"', "1e400"), "json.number_range", None),
    "lone surrogate": (lambda d: _text(d, '"2.0"', '"\\ud800"'), "json.surrogate", None),
    "10,000 nested arrays": (
        lambda d: _text(d, '"2.0"', "[" * 10_000 + "]" * 10_000),
        "json.depth",
        None,
    ),
    "not a document": (lambda d: b"[]", "epcis.not_a_document", ""),
    "client recordTime": (
        lambda d: _event(d, recordTime="2026-01-01T00:00:00.000Z"),
        "epcis.record_time_forbidden",
        f"{ONE_EVENT}/recordTime",
    ),
    "future eventTime": (
        lambda d: _event(d, eventTime=(utc_now() + timedelta(hours=1)).isoformat()),
        "epcis.future_event_time",
        f"{ONE_EVENT}/eventTime",
    ),
    "offset +14:30": (
        lambda d: _event(d, eventTimeZoneOffset="+14:30"),
        "epcis.schema",
        f"{ONE_EVENT}/eventTimeZoneOffset",
    ),
    "no offset": (lambda d: _event(d, eventTimeZoneOffset=None), "epcis.schema", None),
    "impossible date": (
        lambda d: _event(d, eventTime="2026-02-30T10:00:00.000Z"),
        "epcis.schema",
        f"{ONE_EVENT}/eventTime",
    ),
    "unknown bizStep": (
        lambda d: _event(d, bizStep="urn:epcglobal:cbv:bizstep:teleporting"),
        "epcis.unsupported_biz_step",
        None,
    ),
    "bare unknown bizStep": (lambda d: _event(d, bizStep="teleporting"), "epcis.schema", None),
    "never commissioned": (
        lambda d: _event(d, epcList=[SGTIN(GTIN, "NEVER0MADE0HERE0").epc_uri]),
        "part.unknown",
        f"{ONE_EVENT}/epcList/0",
    ),
    "EPC not canonical": (
        lambda d: _event(d, epcList=[f"https://id.carecover.example/01/{GTIN}/21/X"]),
        "epc.format",
        f"{ONE_EVENT}/epcList/0",
    ),
    "commissioning": (
        lambda d: _event(d, bizStep="commissioning", action="ADD"),
        "epcis.commission_via_api",
        f"{ONE_EVENT}/bizStep",
    ),
}


@pytest.mark.parametrize("case", BAD_DOCUMENTS)
def test_bad_documents_are_refused_by_rule_and_record_nothing(
    client: TestClient,
    session: Session,
    net: Network,
    part: Part,
    supplier: dict[str, str],
    case: str,
) -> None:
    mutate, rule, pointer = BAD_DOCUMENTS[case]
    data = mutate(document(shipment(net, part)))
    before = recorded(session)
    body = problem(submit(client, supplier, data), 422, _code(rule), rule)
    if pointer is not None:
        assert body["pointer"] == pointer
    assert recorded(session) == before


def _code(rule: str) -> str:
    return "part_input_invalid" if rule.startswith(("part.", "epc.")) else "epcis_invalid"


def test_an_error_declaration_is_refused(
    client: TestClient, session: Session, net: Network, part: Part, supplier: dict[str, str]
) -> None:
    event = shipment(net, part)
    assert submit(client, supplier, body_of(document(event))).status_code == 201
    retraction = epcis.error_declaration_event(event, declared_at=utc_now())
    before = recorded(session)
    response = submit(client, supplier, body_of(document(retraction)))
    body = problem(response, 422, "epcis_invalid", "epcis.error_declaration_unsupported")
    assert body["pointer"] == f"{ONE_EVENT}/errorDeclaration"
    assert recorded(session) == before


def test_oversized_and_non_json_bodies_are_refused_before_parsing(
    client: TestClient, session: Session, net: Network, part: Part, supplier: dict[str, str]
) -> None:
    data = body_of(document(shipment(net, part)))
    before = recorded(session)
    padded = data[:-1] + b" " * (1024 * 1024) + b"}"
    problem(submit(client, supplier, padded), 413, "payload_too_large")
    problem(submit(client, supplier, data, "text/plain"), 415, "unsupported_media_type")
    problem(submit(client, supplier, data, "application/xml"), 415, "unsupported_media_type")
    assert recorded(session) == before


@pytest.mark.parametrize(
    ("variant", "rule"),
    [
        ("dated before its commissioning", "custody.time_order"),
        ("read where the part is not", "custody.shipped_from_wrong_location"),
        ("shipped to its own site", "custody.ship_to_self"),
    ],
)
def test_impossible_shipments_name_the_custody_rule(
    client: TestClient,
    session: Session,
    net: Network,
    part: Part,
    supplier: dict[str, str],
    variant: str,
    rule: str,
) -> None:
    event = shipment(net, part)
    if variant == "dated before its commissioning":
        event = shipment(net, part, when=utc_now() - timedelta(days=1))
    elif variant == "read where the part is not":
        event["readPoint"] = {"id": location_uri(net.other_site.id)}
    else:
        for item in event["destinationList"]:
            item["destination"] = location_uri(net.supplier_site.id)
    before = recorded(session)
    problem(submit(client, supplier, body_of(document(event))), 409, "custody_violation", rule)
    assert recorded(session) == before


# --- found by these tests and fixed: CBV spellings, a repeated EPC, error pointers --------------


def _respelled(event: dict[str, Any], spelling: str) -> dict[str, Any]:
    field, value = spelling.split("=", 1)
    if field == "bizStep":
        return {**event, "bizStep": value}
    return {**event, "destinationList": [{**d, "type": value} for d in event["destinationList"]]}


@pytest.mark.parametrize(
    "spelling",
    [
        "bizStep=urn:epcglobal:cbv:bizstep:shipping",
        "bizStep=https://ref.gs1.org/cbv/BizStep-shipping",
        "bizStep=cbv:BizStep-shipping",
        "type=urn:epcglobal:cbv:sdt:location",
        "type=cbv:SDT-location",
    ],
)
def test_every_cbv_spelling_of_a_shipment_is_accepted(
    client: TestClient,
    session: Session,
    net: Network,
    part: Part,
    supplier: dict[str, str],
    spelling: str,
) -> None:
    event = _respelled(shipment(net, part), spelling)
    response = submit(client, supplier, body_of(document(event)))
    assert response.status_code == 201, response.text
    assert response.json()["recorded"] == 1


def test_an_epc_listed_twice_in_one_event_is_refused(
    client: TestClient,
    session: Session,
    net: Network,
    part: Part,
    supplier: dict[str, str],
) -> None:
    event = shipment(net, part)
    twice = {**event, "epcList": event["epcList"] * 2}
    before = recorded(session)
    response = submit(client, supplier, body_of(document(twice)))
    problem(response, 422, "epcis_invalid")
    assert recorded(session) == before


def test_an_unknown_biz_step_points_at_its_event(
    client: TestClient, net: Network, part: Part, supplier: dict[str, str]
) -> None:
    event = {**shipment(net, part), "bizStep": "urn:epcglobal:cbv:bizstep:teleporting"}
    response = submit(client, supplier, body_of(document(shipment(net, part), event)))
    body = problem(response, 422, "epcis_invalid", "epcis.unsupported_biz_step")
    assert body["pointer"] == "/epcisBody/eventList/1/bizStep"
