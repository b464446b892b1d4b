"""CBV 2.0 EPCIS Event Hash ID (``ni:///sha-256;<hex>?ver=CBV2.0``) for the events we handle.

The hash ID is SHA-256 over a *pre-hash string* built from the event's values in a fixed order
(GS1 CBV 2.0 "EPCIS Event Hash ID"; reference implementation RalphTro/epcis-event-hash-generator,
whose ``tests/examples/expected/CBV2.0`` vectors this module reproduces — see
``tests/parts/test_epcis_hashing.py``). Rules implemented:

* order: ``eventType``, ``eventTime``, ``eventTimeZoneOffset``, ``epcList``, ``parentID``,
  ``childEPCs``, ``quantityList``, ``childQuantityList``, ``action``, ``bizStep``,
  ``disposition``, ``persistentDisposition`` (``set`` then ``unset``), ``readPoint``,
  ``bizLocation``, ``bizTransactionList``, ``sourceList``, ``destinationList``, ``ilmd``;
* each value is ``key=value`` with surrounding whitespace trimmed; list members (``epc=…``,
  ``quantityElement…``, ``type=…bizTransaction=…`` and so on) are sorted by code point and the
  list name appears once before them; an empty list or absent field adds nothing;
* times are UTC with exactly three decimals and ``Z`` (the third decimal is rounded up when the
  fourth is 5–9); numbers have no trailing zeros (``200.0`` → ``200``);
* CBV terms in any spelling become Web URIs (``shipping`` → ``https://ref.gs1.org/cbv/BizStep-
  shipping``), for ``bizStep``, ``disposition``, ``persistentDisposition``, business
  transaction types, source/destination types (a bare word that is not a standard term is
  expanded the same way, as JSON-LD would);
* in ``bizTransaction``/``source``/``destination`` members the ``type=`` pair comes *before* the
  identifier (as the current reference implementation and OpenEPCIS do);
* identifiers become constrained canonical Digital Link URIs (:mod:`.identifiers`);
* ``ilmd`` members with simple values (string, number, boolean) are ``{namespace}local=value``:
  ``cbvmda:`` keys use the namespace ``urn:epcglobal:cbv:mda``; other CURIE prefixes need the
  ``context`` mapping (prefix → namespace IRI); absolute ``http(s)`` IRI keys are split after the
  last ``/`` or ``#`` (kept in the namespace), ``urn:`` keys at the last ``:`` (dropped, so
  ``urn:epcglobal:cbv:mda:lotNumber`` equals ``cbvmda:lotNumber``). Numeric-looking string
  values are written as numbers, as the reference does.
* ``eventID``, ``recordTime``, ``errorDeclaration``, ``certificationInfo``, ``@context`` and
  ``type`` are not hashed (so an error declaration has the hash ID of the event it retracts).

Not covered — the event is rejected with ``hash.unsupported_*`` rather than hashed partially:
TransactionEvent, TransformationEvent, AssociationEvent and extension event types,
``sensorElementList``, user extension fields (at event level, inside ``readPoint``/
``bizLocation``/quantity/transaction/source/destination members, or nested ILMD values). The
platform uses the hash ID as a de-duplication key, so a partial hash would be worse than none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from carecover.parts.service.epcis.cbv import (
    BIZ_STEP,
    BIZ_TRANSACTION_TYPE,
    CBV_URN_BASE,
    DISPOSITION,
    ERROR_REASON,
    SOURCE_DEST_TYPE,
    Vocabulary,
)
from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.epcis.identifiers import canonical_identifier

HASH_VERSION: Final = "CBV2.0"
HASH_ID_PATTERN: Final = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0")
SUPPORTED_EVENT_TYPES: Final = frozenset({"ObjectEvent", "AggregationEvent"})
NOT_HASHED: Final = frozenset(
    {"@context", "type", "eventID", "recordTime", "errorDeclaration", "certificationInfo"}
)
CBVMDA_NAMESPACE: Final = "urn:epcglobal:cbv:mda"

_TIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_NUMERIC: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_VOCABULARIES_BY_URN: Final = (BIZ_STEP, DISPOSITION, BIZ_TRANSACTION_TYPE, SOURCE_DEST_TYPE)


def _fail(code: str, message: str, pointer: str) -> EpcisError:
    return EpcisError(code, message, pointer=pointer)


def canonical_time(value: str, *, pointer: str = "") -> str:
    """An ``xsd:dateTimeStamp`` as UTC with millisecond precision: ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        raise _fail("hash.bad_time", f"{value[:40]!r} is not a date-time with offset", pointer)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    tz_delta = timedelta(0)
    if offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        tz_delta = sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    fraction = fraction or ""
    millis = int(fraction[:3].ljust(3, "0"))
    if len(fraction) > 3 and fraction[3] >= "5":
        millis += 1
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(tz_delta),
        )
        instant = local.astimezone(UTC) + timedelta(milliseconds=millis)
    except (ValueError, OverflowError) as exc:
        raise _fail("hash.bad_time", f"{value[:40]!r} is not a valid date-time", pointer) from exc
    return instant.strftime("%Y-%m-%dT%H:%M:%S") + f".{instant.microsecond // 1000:03d}Z"


def canonical_number(value: int | float | Decimal | str) -> str:
    """A number without exponent, trailing zeros or a leading ``+`` (``200.50`` → ``200.5``)."""
    try:
        number = Decimal(value if isinstance(value, str | Decimal) else repr(value)).normalize()
    except InvalidOperation as exc:
        raise EpcisError("hash.bad_number", f"{value!r} is not a number") from exc
    if not number.is_finite():
        raise EpcisError("hash.bad_number", f"{value!r} is not a finite number")
    text = format(number, "f")
    return "0" if text in ("-0", "0") else text


def _vocabulary_uri(vocabulary: Vocabulary, value: object, pointer: str) -> str:
    if not isinstance(value, str):
        raise _fail("hash.bad_value", f"{vocabulary.name} must be a string", pointer)
    value = value.strip()
    for prefix in (vocabulary.urn_prefix, vocabulary.curie_prefix):
        if value.startswith(prefix):  # also for non-standard terms, like the reference
            return vocabulary.web_prefix + value[len(prefix) :]
    return value if ":" in value else vocabulary.web_prefix + value


def _identifier(value: object, pointer: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("hash.bad_value", "an identifier must be a non-empty string", pointer)
    value = value.strip()
    if value.startswith(CBV_URN_BASE):
        for vocabulary in (*_VOCABULARIES_BY_URN, ERROR_REASON):
            term = vocabulary.short_name(value)
            if term is not None:
                return vocabulary.web_prefix + term
    return canonical_identifier(value)


def _simple_value(value: object, pointer: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return canonical_number(value)
    if isinstance(value, str):
        text = value.strip()
        return canonical_number(text) if _NUMERIC.fullmatch(text) else _identifier(text, pointer)
    raise _fail("hash.unsupported_field", "only simple ILMD values can be hashed", pointer)


def _check_keys(member: Mapping[str, Any], allowed: set[str], pointer: str) -> None:
    for key in member:
        if key not in allowed:
            raise _fail(
                "hash.unsupported_field", f"field {key!r} is not covered by the hash", pointer
            )


def _members(event: Mapping[str, Any], field: str) -> list[tuple[Any, str]]:
    value = event.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail("hash.bad_value", f"{field} must be a list", f"/{field}")
    return [(item, f"/{field}/{i}") for i, item in enumerate(value)]


def _epcs(event: Mapping[str, Any], field: str) -> str:
    parts = sorted("epc=" + _identifier(item, where) for item, where in _members(event, field))
    return field + "".join(parts) if parts else ""


def _quantities(event: Mapping[str, Any], field: str) -> str:
    parts = []
    for item, where in _members(event, field):
        if not isinstance(item, Mapping):
            raise _fail("hash.bad_value", "a quantity element must be an object", where)
        _check_keys(item, {"epcClass", "quantity", "uom"}, where)
        text = "quantityElement" + "epcClass=" + _identifier(item.get("epcClass"), where)
        if "quantity" in item:
            quantity = item["quantity"]
            if isinstance(quantity, bool) or not isinstance(quantity, int | float | str):
                raise _fail("hash.bad_value", "quantity must be a number", where + "/quantity")
            text += "quantity=" + canonical_number(quantity)
        if "uom" in item:
            text += "uom=" + str(item["uom"]).strip()
        parts.append(text)
    return field + "".join(sorted(parts)) if parts else ""


def _typed_list(event: Mapping[str, Any], field: str, key: str, vocabulary: Vocabulary) -> str:
    parts = []
    for item, where in _members(event, field):
        if not isinstance(item, Mapping):
            raise _fail("hash.bad_value", f"a {key} must be an object", where)
        _check_keys(item, {"type", key}, where)
        typed = f"type={_vocabulary_uri(vocabulary, item['type'], where)}" if "type" in item else ""
        parts.append(f"{typed}{key}={_identifier(item.get(key), where + '/' + key)}")
    return field + "".join(sorted(parts)) if parts else ""


def _location(event: Mapping[str, Any], field: str) -> str:
    value = event.get(field)
    if value is None:
        return ""
    if not isinstance(value, Mapping):
        raise _fail("hash.bad_value", f"{field} must be an object", f"/{field}")
    _check_keys(value, {"id"}, f"/{field}")
    return f"{field}id={_identifier(value.get('id'), f'/{field}/id')}"


def _persistent_disposition(event: Mapping[str, Any]) -> str:
    value = event.get("persistentDisposition")
    if value is None:
        return ""
    if not isinstance(value, Mapping):
        raise _fail("hash.bad_value", "must be an object", "/persistentDisposition")
    _check_keys(value, {"set", "unset"}, "/persistentDisposition")
    text = ""
    for key in ("set", "unset"):
        terms = value.get(key) or []
        if not isinstance(terms, list):
            raise _fail("hash.bad_value", f"{key} must be a list", f"/persistentDisposition/{key}")
        where = f"/persistentDisposition/{key}"
        text += "".join(sorted(f"{key}={_vocabulary_uri(DISPOSITION, t, where)}" for t in terms))
    return "persistentDisposition" + text if text else ""


def _ilmd_key(key: str, context: Mapping[str, str], pointer: str) -> str:
    prefix, colon, local = key.partition(":")
    if colon and not local.startswith("//"):
        if prefix == "cbvmda":
            return f"{{{CBVMDA_NAMESPACE}}}{local}"
        if prefix in context:
            return f"{{{context[prefix]}}}{local}"
    if key.startswith("urn:"):  # XML-style namespace: the URN without its final ":"
        cut = key.rfind(":")
        return f"{{{key[:cut]}}}{key[cut + 1 :]}"
    if key.startswith(("http://", "https://")):  # namespace keeps its final "/" or "#"
        cut = max(key.rfind("/"), key.rfind("#"))
        return f"{{{key[: cut + 1]}}}{key[cut + 1 :]}"
    raise _fail("hash.unsupported_field", f"ILMD key {key!r} has no known namespace", pointer)


def _ilmd(event: Mapping[str, Any], context: Mapping[str, str]) -> str:
    value = event.get("ilmd")
    if value is None:
        return ""
    if not isinstance(value, Mapping):
        raise _fail("hash.bad_value", "ilmd must be an object", "/ilmd")
    parts = []
    for key, item in value.items():
        where = f"/ilmd/{key}"
        parts.append(f"{_ilmd_key(key, context, where)}={_simple_value(item, where)}")
    return "ilmd" + "".join(sorted(parts)) if parts else ""


def _scalar(event: Mapping[str, Any], field: str, render: Callable[[Any, str], str]) -> str:
    if event.get(field) is None:
        return ""
    return f"{field}={render(event[field], '/' + field)}"


def _text(value: object, pointer: str) -> str:
    if not isinstance(value, str):
        raise _fail("hash.bad_value", "must be a string", pointer)
    return value.strip()


def prehash_string(event: Mapping[str, Any], *, context: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 pre-hash string of an ObjectEvent or AggregationEvent (JSON form)."""
    event_type = event.get("type")
    if event_type not in SUPPORTED_EVENT_TYPES:
        raise _fail(
            "hash.unsupported_event_type", f"cannot hash event type {event_type!r}", "/type"
        )
    covered = {
        "eventTime", "eventTimeZoneOffset", "epcList", "parentID", "childEPCs", "quantityList",
        "childQuantityList", "action", "bizStep", "disposition", "persistentDisposition",
        "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList", "ilmd",
    }  # fmt: skip
    for key in event:
        if key not in covered and key not in NOT_HASHED:
            raise _fail(
                "hash.unsupported_field", f"field {key!r} is not covered by the hash", f"/{key}"
            )
    if "eventTime" not in event:
        raise _fail("hash.bad_time", "eventTime is required", "/eventTime")
    parts = [
        f"eventType={event_type}",
        _scalar(event, "eventTime", lambda v, p: canonical_time(_text(v, p), pointer=p)),
        _scalar(event, "eventTimeZoneOffset", _text),
        _epcs(event, "epcList"),
        _scalar(event, "parentID", _identifier),
        _epcs(event, "childEPCs"),
        _quantities(event, "quantityList"),
        _quantities(event, "childQuantityList"),
        _scalar(event, "action", _text),
        _scalar(event, "bizStep", lambda v, p: _vocabulary_uri(BIZ_STEP, v, p)),
        _scalar(event, "disposition", lambda v, p: _vocabulary_uri(DISPOSITION, v, p)),
        _persistent_disposition(event),
        _location(event, "readPoint"),
        _location(event, "bizLocation"),
        _typed_list(event, "bizTransactionList", "bizTransaction", BIZ_TRANSACTION_TYPE),
        _typed_list(event, "sourceList", "source", SOURCE_DEST_TYPE),
        _typed_list(event, "destinationList", "destination", SOURCE_DEST_TYPE),
        _ilmd(event, context or {}),
    ]
    return "".join(parts)


def hash_id_from_prehash(prehash: str) -> str:
    """``ni:///sha-256;<hex>?ver=CBV2.0`` of a pre-hash string (UTF-8)."""
    digest = hashlib.sha256(prehash.encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


def event_hash_id(event: Mapping[str, Any], *, context: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 Event Hash ID of ``event``; raises :class:`EpcisError` (``hash.*``)."""
    return hash_id_from_prehash(prehash_string(event, context=context))


def is_hash_id(value: object) -> bool:
    """Whether ``value`` is a CBV 2.0 SHA-256 event hash ID in the form this module produces."""
    return isinstance(value, str) and HASH_ID_PATTERN.fullmatch(value) is not None


def utc_event_time(value: datetime) -> str:
    """An aware datetime as an EPCIS ``eventTime``: UTC, milliseconds, ``Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise EpcisError("epcis.naive_datetime", "event times must be timezone-aware")
    instant = value.astimezone(UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S") + f".{instant.microsecond // 1000:03d}Z"
