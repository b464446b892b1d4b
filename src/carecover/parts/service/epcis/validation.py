"""Offline validation against the vendored GS1 EPCIS 2.0 JSON Schema (draft-07).

The schema ships as package data (``schema/epcis-json-schema.json``, see its ``NOTICE.md``). It
is registered in a ``referencing`` registry under its ``$id``; that registry has no ``retrieve``
hook (the default raises ``NoSuchResource``), so no ``$ref`` can ever trigger a network fetch
(jsonschema's *own* default registry would fetch remote ``$ref``s). ``format`` is asserted for
``date-time`` (RFC 3339, with a real calendar date and an offset) and ``uri`` (RFC 3986 absolute
URI: a scheme, then only URI characters and well-formed ``%XX`` escapes); jsonschema's own
checkers for these need optional packages and would otherwise silently pass anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Final

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from carecover.parts.service.epcis.errors import EpcisError

SCHEMA_RESOURCE: Final = "schema/epcis-json-schema.json"

_DATE_TIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-]([0-9]{2}):([0-9]{2}))"
)
_URI: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
)


def is_rfc3339_date_time(value: str) -> bool:
    """RFC 3339 ``date-time`` (offset required; leap seconds are not accepted)."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if match.group(9) is not None and (int(match.group(9)) > 23 or int(match.group(10)) > 59):
        return False
    try:
        datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return False
    return True


def is_absolute_uri(value: str) -> bool:
    """RFC 3986 absolute URI syntax: ``scheme:`` then URI characters only (no spaces, no
    non-ASCII, ``%`` only as part of an escape)."""
    return _URI.fullmatch(value) is not None


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(instance: object) -> bool:
        return not isinstance(instance, str) or is_rfc3339_date_time(instance)

    @checker.checks("uri")
    def _uri(instance: object) -> bool:
        return not isinstance(instance, str) or is_absolute_uri(instance)

    return checker


@cache
def epcis_schema() -> dict[str, Any]:
    """The vendored EPCIS 2.0 JSON Schema as a dict (loaded once)."""
    text = (
        resources.files("carecover.parts.service.epcis")
        .joinpath(SCHEMA_RESOURCE)
        .read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def schema_registry() -> Registry[Any]:
    """The offline registry holding only the EPCIS schema (no retrieval of anything else)."""
    schema = epcis_schema()
    resource: Resource[Any] = DRAFT7.create_resource(schema)
    # A bare Registry's ``retrieve`` raises NoSuchResource for every URI: nothing is fetched.
    registry: Registry[Any] = Registry().with_resource(schema["$id"], resource)
    return registry


@cache
def _validator(definition: str | None) -> Draft7Validator:
    schema = epcis_schema()
    target: dict[str, Any] = (
        schema if definition is None else {"$ref": f"{schema['$id']}#/definitions/{definition}"}
    )
    return Draft7Validator(target, registry=schema_registry(), format_checker=_format_checker())


def json_pointer(path: Iterable[str | int]) -> str:
    """RFC 6901 pointer for a sequence of keys/indexes (``""`` is the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _deepest(error: ValidationError) -> ValidationError:
    """Descend into anyOf/allOf context to the error that names the most specific member."""
    while error.context:
        nested = best_match(error.context)
        if nested is None or len(nested.absolute_path) < len(error.absolute_path):
            break
        error = nested
    return error


def _raise_first(errors: Iterable[ValidationError], prefix: tuple[str | int, ...]) -> None:
    best = best_match(errors)
    if best is None:
        return
    error = _deepest(best)
    pointer = json_pointer((*prefix, *error.absolute_path))
    where = pointer or "the document"
    raise EpcisError(
        "epcis.schema", f"EPCIS schema violation at {where}: {error.message[:300]}", pointer=pointer
    )


def validate_document(document: Mapping[str, Any]) -> None:
    """Validate an EPCIS document (or standalone event) against the schema; the
    :class:`EpcisError` (``epcis.schema``) has the JSON pointer of the offending member."""
    _raise_first(_validator(None).iter_errors(document), ())


def validate_event(event: Mapping[str, Any], *, pointer_prefix: tuple[str | int, ...] = ()) -> None:
    """Validate one event as it appears inside a document's ``eventList``."""
    _raise_first(_validator("EPCIS-Document-Event").iter_errors(event), pointer_prefix)
