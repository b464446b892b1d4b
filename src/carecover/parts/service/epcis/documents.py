"""EPCIS 2.0 documents: strict parsing of partner submissions and builders for our own events.

Parsing (:func:`parse_document`) is strict JSON (:func:`~carecover.platform.ledger.canonical.
loads_strict`: no duplicate keys, NaN, huge numbers, lone surrogates, deep nesting; 1 MiB), then
the GS1 JSON schema (errors carry the JSON pointer of the offending member), then the rules in
:mod:`.checks` (no client ``recordTime``, no future ``eventTime``, offsets −12:00…+14:00, at most
10,000 EPCs per list).

Builders return plain dicts that validate against the schema as members of an ``eventList``;
:func:`epcis_document` wraps them with the ``@context``. Every built event carries ``eventID`` =
its CBV 2.0 hash ID (:mod:`.hashing`), ``eventTime`` in UTC with milliseconds and ``Z``, and
``eventTimeZoneOffset`` from ``when`` (or an explicit ``time_zone_offset`` such as ``"+08:00"``).
Locations are URIs (SGLN Digital Link ``https://id.gs1.org/414/<GLN>[/254/<ext>]`` or SGLN URN).
Organisations and repair orders are URIs; a bare id is wrapped as ``urn:carecover:org:<id>`` /
``urn:carecover:repair-order:<id>``. Vehicles are only ever the opaque ``urn:carecover:vehicle:
<hex>`` key, never a VIN or plate, so provenance events carry no personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from carecover.parts.service.epcis.cbv import BIZ_TRANSACTION_TYPE, ERROR_REASON
from carecover.parts.service.epcis.checks import (
    MAX_EPCS,
    check_error_declaration,
    check_list_sizes,
    check_not_future,
    check_submitted_event,
    check_time_zone_offset,
    offset_of,
    require_aware,
)
from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.epcis.hashing import event_hash_id, utc_event_time
from carecover.parts.service.epcis.validation import (
    is_absolute_uri,
    validate_document,
    validate_event,
)
from carecover.platform.clock import utc_now
from carecover.platform.ledger.canonical import (
    DEFAULT_MAX_BYTES,
    CanonicalJsonError,
    loads_strict,
)

EPCIS_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION: Final = "2.0"
REPAIR_ORDER_TYPE: Final = "urn:carecover:btt:repair_order"
VEHICLE_ID: Final = re.compile(r"urn:carecover:vehicle:[0-9a-f]{16,128}")
_OPAQUE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LOT: Final = re.compile(r"[!-~]{1,20}")


@dataclass(frozen=True, slots=True)
class EpcisDocument:
    """A parsed, schema-valid EPCIS document."""

    document: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    #: CURIE prefixes declared in ``@context`` objects (prefix → namespace IRI).
    context: dict[str, str] = field(default_factory=dict)

    def hash_ids(self) -> tuple[str, ...]:
        """The CBV 2.0 hash ID of each event (``hash.*`` errors for unsupported events)."""
        return tuple(event_hash_id(event, context=self.context) for event in self.events)


def _context_prefixes(context: object) -> dict[str, str]:
    entries = context if isinstance(context, list) else [context]
    prefixes: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, dict):
            prefixes.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return prefixes


def parse_document(
    data: bytes,
    *,
    now: datetime | None = None,
    allow_record_time: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EpcisDocument:
    """Parse and validate a submitted EPCIS 2.0 ``EPCISDocument``; :class:`EpcisError` on any
    problem (``epcis.invalid_json`` with ``cause_code`` = the ``json.*`` code,
    ``epcis.not_a_document``, ``epcis.schema`` with a JSON pointer, or a :mod:`.checks` code)."""
    try:
        document = loads_strict(data, max_bytes=max_bytes)
    except CanonicalJsonError as exc:
        raise EpcisError(
            "epcis.invalid_json",
            f"not acceptable JSON ({exc.code}): {exc.message}",
            pointer=exc.path,
            cause_code=exc.code,
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise EpcisError(
            "epcis.not_a_document", 'expected an object with "type": "EPCISDocument"', pointer=""
        )
    body = document.get("epcisBody")
    raw_events = body.get("eventList") if isinstance(body, dict) else None
    for index, event in enumerate(raw_events if isinstance(raw_events, list) else []):
        if isinstance(event, dict):  # sizes first: a schema walk over 10^6 EPCs is slow
            check_list_sizes(event, pointer=f"/epcisBody/eventList/{index}")
    validate_document(document)
    checked_now = require_aware(now, "now") if now is not None else utc_now()
    event_list: list[dict[str, Any]] = document["epcisBody"]["eventList"]
    for index, event in enumerate(event_list):
        check_submitted_event(
            event,
            now=checked_now,
            allow_record_time=allow_record_time,
            pointer_prefix=("epcisBody", "eventList", index),
        )
    return EpcisDocument(document, tuple(event_list), _context_prefixes(document["@context"]))


def epcis_document(events: Iterable[Mapping[str, Any]], *, created: datetime) -> dict[str, Any]:
    """Wrap events in a schema-valid ``EPCISDocument`` with the EPCIS 2.0 ``@context``."""
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": utc_event_time(created),
        "epcisBody": {"eventList": [dict(event) for event in events]},
    }
    validate_document(document)
    return document


# --- builders ----------------------------------------------------------------------------------


def _uri(value: object, code: str, what: str) -> str:
    if not isinstance(value, str) or not is_absolute_uri(value):
        raise EpcisError(code, f"{what} must be an absolute URI, got {str(value)[:80]!r}")
    return value


def _opaque_uri(value: str, namespace: str, code: str, what: str) -> str:
    if isinstance(value, str) and _OPAQUE_ID.fullmatch(value):
        return f"urn:carecover:{namespace}:{value}"
    return _uri(value, code, what)


def _epc_list(epcs: str | Sequence[str]) -> list[str]:
    items = [epcs] if isinstance(epcs, str) else list(epcs)
    if not items:
        raise EpcisError("epcis.no_epcs", "at least one EPC is required")
    if len(items) > MAX_EPCS:
        raise EpcisError("epcis.too_many_epcs", f"{len(items)} EPCs; at most {MAX_EPCS} per event")
    for epc in items:
        _uri(epc, "epcis.bad_epc", "an EPC")
    if len(set(items)) != len(items):
        raise EpcisError("epcis.duplicate_epc", "the same EPC is listed twice in one event")
    return items


def _vehicle(parent_id: str) -> str:
    if not isinstance(parent_id, str) or not VEHICLE_ID.fullmatch(parent_id):
        raise EpcisError(
            "epcis.invalid_vehicle_id",
            "parent_id must be an opaque vehicle key urn:carecover:vehicle:<hex>, never a VIN",
        )
    return parent_id


def _start(
    event_type: str, when: datetime, now: datetime | None, time_zone_offset: str | None
) -> dict[str, Any]:
    require_aware(when, "when")
    check_not_future(when, now=now if now is not None else utc_now(), name="eventTime")
    offset = check_time_zone_offset(
        time_zone_offset if time_zone_offset is not None else offset_of(when)
    )
    return {"type": event_type, "eventTime": utc_event_time(when), "eventTimeZoneOffset": offset}


def _finish(event: dict[str, Any]) -> dict[str, Any]:
    finished = {"type": event["type"], "eventID": event_hash_id(event), **event}
    validate_event(finished)
    return finished


def _place(location: str) -> dict[str, Any]:
    place = _uri(location, "epcis.bad_location", "a location")
    return {"readPoint": {"id": place}, "bizLocation": {"id": place}}


def _repair_order(repair_order: str | None) -> dict[str, Any]:
    if repair_order is None:
        return {}
    order = _opaque_uri(repair_order, "repair-order", "epcis.bad_repair_order", "repair_order")
    return {"bizTransactionList": [{"type": REPAIR_ORDER_TYPE, "bizTransaction": order}]}


def _transactions(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    items = []
    for kind, identifier in pairs:
        short = BIZ_TRANSACTION_TYPE.short_name(kind)
        items.append(
            {
                "type": short or _uri(kind, "cbv.unknown_biz_transaction_type", "a type"),
                "bizTransaction": _uri(identifier, "epcis.bad_biz_transaction", "a transaction"),
            }
        )
    return {"bizTransactionList": items} if items else {}


def _parties(kind: str, location: str | None, org: str | None) -> list[dict[str, str]]:
    parties = []
    if location is not None:
        parties.append({"type": "location", kind: _uri(location, "epcis.bad_location", kind)})
    if org is not None:
        org_uri = _opaque_uri(org, "org", "epcis.bad_org_id", "an organisation")
        parties.append({"type": "owning_party", kind: org_uri})
    return parties


def commissioning_event(
    epc: str,
    *,
    when: datetime,
    location_gln_uri: str,
    org_id: str,
    lot: str | None = None,
    now: datetime | None = None,
    time_zone_offset: str | None = None,
) -> dict[str, Any]:
    """ObjectEvent ADD, ``commissioning``, ``active``, at the factory; the owner is recorded as
    ``destinationList`` ``owning_party``; ``lot`` goes to ILMD ``cbvmda:lotNumber``."""
    event = _start("ObjectEvent", when, now, time_zone_offset)
    event |= {"epcList": _epc_list([epc]), "action": "ADD", "bizStep": "commissioning"}
    event |= {"disposition": "active", **_place(location_gln_uri)}
    event["destinationList"] = _parties("destination", None, org_id)
    if lot is not None:
        if not isinstance(lot, str) or not _LOT.fullmatch(lot):
            raise EpcisError("epcis.bad_lot", "lot must be 1-20 printable ASCII characters")
        event["ilmd"] = {"cbvmda:lotNumber": lot}
    return _finish(event)


def shipping_event(
    epcs: str | Sequence[str],
    *,
    when: datetime,
    from_location: str,
    to_location: str,
    from_org: str | None = None,
    to_org: str | None = None,
    biz_transactions: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
    time_zone_offset: str | None = None,
) -> dict[str, Any]:
    """ObjectEvent OBSERVE, ``shipping``, ``in_transit``, read at ``from_location``, with
    source/destination ``location`` (and ``owning_party`` when the orgs are given)."""
    if from_location == to_location:
        raise EpcisError("epcis.ship_to_self", "a shipment's destination is its origin")
    event = _start("ObjectEvent", when, now, time_zone_offset)
    event |= {"epcList": _epc_list(epcs), "action": "OBSERVE", "bizStep": "shipping"}
    origin = _uri(from_location, "epcis.bad_location", "from_location")
    event |= {"disposition": "in_transit", "readPoint": {"id": origin}}
    event |= _transactions(biz_transactions)
    event["sourceList"] = _parties("source", from_location, from_org)
    event["destinationList"] = _parties("destination", to_location, to_org)
    return _finish(event)


def receiving_event(
    epcs: str | Sequence[str],
    *,
    when: datetime,
    location: str,
    from_location: str | None = None,
    from_org: str | None = None,
    to_org: str | None = None,
    biz_transactions: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
    time_zone_offset: str | None = None,
) -> dict[str, Any]:
    """ObjectEvent OBSERVE, ``receiving``, ``sellable_not_accessible``, at ``location``."""
    if from_location is not None and from_location == location:
        raise EpcisError("epcis.ship_to_self", "goods cannot be received from where they are")
    event = _start("ObjectEvent", when, now, time_zone_offset)
    event |= {"epcList": _epc_list(epcs), "action": "OBSERVE", "bizStep": "receiving"}
    event |= {"disposition": "sellable_not_accessible", **_place(location)}
    event |= _transactions(biz_transactions)
    if sources := _parties("source", from_location, from_org):
        event["sourceList"] = sources
    event["destinationList"] = _parties("destination", location, to_org)
    return _finish(event)


def installing_event(
    epcs: str | Sequence[str],
    *,
    parent_id: str,
    when: datetime,
    location: str,
    repair_order: str | None = None,
    disposition: Literal["active", "in_progress"] = "active",
    now: datetime | None = None,
    time_zone_offset: str | None = None,
) -> dict[str, Any]:
    """AggregationEvent ADD, ``installing``: parts (``childEPCs``) fitted to the vehicle
    ``parent_id`` (opaque ``urn:carecover:vehicle:<hex>``) at the shop ``location``."""
    if disposition not in ("active", "in_progress"):
        raise EpcisError("cbv.unknown_disposition", "installing is active or in_progress")
    event = _start("AggregationEvent", when, now, time_zone_offset)
    event |= {"parentID": _vehicle(parent_id), "childEPCs": _epc_list(epcs), "action": "ADD"}
    event |= {"bizStep": "installing", "disposition": disposition, **_place(location)}
    return _finish(event | _repair_order(repair_order))


def removing_event(
    epcs: str | Sequence[str],
    *,
    parent_id: str,
    when: datetime,
    location: str,
    repair_order: str | None = None,
    now: datetime | None = None,
    time_zone_offset: str | None = None,
) -> dict[str, Any]:
    """AggregationEvent DELETE, ``removing``, ``needs_replacement``: parts taken out of the
    vehicle ``parent_id`` at ``location``."""
    event = _start("AggregationEvent", when, now, time_zone_offset)
    event |= {"parentID": _vehicle(parent_id), "childEPCs": _epc_list(epcs), "action": "DELETE"}
    event |= {"bizStep": "removing", "disposition": "needs_replacement", **_place(location)}
    return _finish(event | _repair_order(repair_order))


def destroying_event(
    epcs: str | Sequence[str],
    *,
    when: datetime,
    location: str,
    now: datetime | None = None,
    time_zone_offset: str | None = None,
) -> dict[str, Any]:
    """ObjectEvent DELETE, ``destroying``, ``destroyed``, at ``location``."""
    event = _start("ObjectEvent", when, now, time_zone_offset)
    event |= {"epcList": _epc_list(epcs), "action": "DELETE", "bizStep": "destroying"}
    return _finish(event | {"disposition": "destroyed", **_place(location)})


def error_declaration_event(
    original: Mapping[str, Any],
    *,
    declared_at: datetime,
    reason: str = "incorrect_data",
    corrective_event_ids: Sequence[str] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """The EPCIS 2.0 retraction of ``original`` (one of our built events): the same event and
    ``eventID`` plus ``errorDeclaration``. Checked with :func:`.checks.check_error_declaration`."""
    event_id = original.get("eventID")
    if not isinstance(event_id, str):
        raise EpcisError("epcis.error_declaration_target_mismatch", "the event has no eventID")
    declaration: dict[str, Any] = {
        "declarationTime": utc_event_time(require_aware(declared_at, "declared_at")),
        "reason": ERROR_REASON.normalise(reason),
    }
    if corrective_event_ids:
        declaration["correctiveEventIDs"] = list(corrective_event_ids)
    event = {**original, "errorDeclaration": declaration}
    check_error_declaration(
        event, target_event_id=event_id, now=now if now is not None else utc_now()
    )
    validate_event(event)
    return event
