"""The vendored GS1 EPCIS 2.0 JSON schema, used offline, against official examples."""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing.exceptions import NoSuchResource

from carecover.parts.service.epcis import EpcisError, parse_document, validate_document
from carecover.parts.service.epcis.validation import (
    epcis_schema,
    is_absolute_uri,
    is_rfc3339_date_time,
    schema_registry,
)

FIXTURES = Path(__file__).parent / "fixtures" / "epcis"
OFFICIAL = [
    "Example_9.6.1-ObjectEvent.jsonld",
    "Example_9.6.3-AggregationEventWithDigitalLink.jsonld",
]
SCHEMA_SHA256 = "bcab07516c8b90db6e48227bbc7d0a8d7f0b1c89697bbe93964b1a0a399fdbc0"


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return loaded


def test_vendored_schema_is_the_recorded_file() -> None:
    data = (
        resources.files("carecover.parts.service.epcis")
        .joinpath("schema/epcis-json-schema.json")
        .read_bytes()
    )
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256
    notice = (
        resources.files("carecover.parts.service.epcis").joinpath("schema/NOTICE.md").read_text()
    )
    assert SCHEMA_SHA256 in notice
    assert "2c8a13ef1a35b1cc8f93cd49047f3c8a2ab327a7" in notice


def test_schema_is_a_valid_draft_07_schema_with_only_local_refs() -> None:
    schema = epcis_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    refs: list[str] = []
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert refs
    assert all(ref.startswith("#/definitions/") for ref in refs)


def test_registry_never_retrieves_anything() -> None:
    registry = schema_registry()
    with pytest.raises(NoSuchResource):
        registry.get_or_retrieve("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld")
    assert registry.get_or_retrieve(epcis_schema()["$id"]).value.contents == epcis_schema()


@pytest.mark.parametrize("name", OFFICIAL)
def test_official_examples_validate(name: str) -> None:
    validate_document(_example(name))


@pytest.mark.parametrize("name", OFFICIAL)
def test_official_examples_parse(name: str) -> None:
    parsed = parse_document((FIXTURES / name).read_bytes())
    assert parsed.events
    assert parsed.events[0]["type"] in ("ObjectEvent", "AggregationEvent")
    assert parsed.context == {"example": "http://ns.example.com/epcis/"}


@pytest.mark.parametrize(
    ("mutate", "pointer", "fragment"),
    [
        (lambda e: e.__setitem__("bizStep", "bogus"), "/epcisBody/eventList/0/bizStep", "uri"),
        (lambda e: e.__setitem__("disposition", 7), "/epcisBody/eventList/0/disposition", "7"),
        (lambda e: e.__setitem__("action", "ADDED"), "/epcisBody/eventList/0/action", "ADDED"),
        (
            lambda e: e.__setitem__("eventTime", "2013-02-30T10:00:00Z"),
            "/epcisBody/eventList/0/eventTime",
            "date-time",
        ),
        (
            lambda e: e.__setitem__("eventTimeZoneOffset", "+14:30"),
            "/epcisBody/eventList/0/eventTimeZoneOffset",
            "+14:30",
        ),
        (
            lambda e: e["childEPCs"].append("not a uri"),
            "/epcisBody/eventList/0/childEPCs/2",
            "uri",
        ),
        (
            lambda e: e["readPoint"].pop("id"),
            "/epcisBody/eventList/0/readPoint",
            "'id' is a required property",
        ),
        (lambda e: e.pop("eventTime"), "/epcisBody/eventList/0", "eventTime"),
    ],
)
def test_violations_name_the_json_pointer(mutate: Any, pointer: str, fragment: str) -> None:
    document = copy.deepcopy(_example(OFFICIAL[1]))
    mutate(document["epcisBody"]["eventList"][0])
    with pytest.raises(EpcisError) as caught:
        validate_document(document)
    assert caught.value.code == "epcis.schema"
    assert caught.value.pointer == pointer
    assert fragment in caught.value.message


def test_document_needs_a_context() -> None:
    document = _example(OFFICIAL[0])
    del document["@context"]
    with pytest.raises(EpcisError) as caught:
        validate_document(document)
    assert caught.value.pointer == ""
    assert "@context" in caught.value.message


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2005-04-03T20:33:31.116000-06:00", True),
        ("2005-07-11T11:30:47.0Z", True),
        ("2024-02-29T00:00:00+14:00", True),
        ("2023-02-29T00:00:00Z", False),
        ("2005-04-03T24:00:00Z", False),
        ("2005-04-03T20:33:31", False),
        ("2005-04-03 20:33:31Z", False),
        ("2005-04-03T20:33:31+25:00", False),
    ],
)
def test_date_time_format(value: str, valid: bool) -> None:
    assert is_rfc3339_date_time(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("https://id.gs1.org/01/09521234543213/21/ABC", True),
        ("urn:epc:id:sgtin:0614141.107346.2017", True),
        ("ni:///sha-256;abc?ver=CBV2.0", True),
        ("geo:47.506694,11.104301", True),
        ("cbvmda:lotNumber", True),
        ("https://example.com/a%2Fb", True),
        ("repairing", False),
        ("https://example.com/a b", False),
        ("https://example.com/%zz", False),
        ("https://例子.com/", False),
        ("1http://example.com", False),
        ("", False),
    ],
)
def test_uri_format(value: str, valid: bool) -> None:
    assert is_absolute_uri(value) is valid
