"""Checks on EPCIS events that the JSON schema cannot express (times, sizes, corrections)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.epcis.hashing import canonical_time, event_hash_id, is_hash_id
from carecover.parts.service.epcis.validation import is_absolute_uri, json_pointer

#: Largest ``epcList`` / ``childEPCs`` (and quantity lists) accepted in one event.
MAX_EPCS: Final = 10_000
#: How far an ``eventTime`` may lie in the future (clock skew between partners and us).
FUTURE_SKEW: Final = timedelta(minutes=5)
#: ``eventTimeZoneOffset`` range: real-world offsets run from −12:00 to +14:00.
MIN_OFFSET_MINUTES: Final = -12 * 60
MAX_OFFSET_MINUTES: Final = 14 * 60
LIST_FIELDS: Final = ("epcList", "childEPCs", "quantityList", "childQuantityList")

_OFFSET: Final = re.compile(r"([+-])([0-9]{2}):([0-5][0-9])")


def require_aware(value: datetime, name: str) -> datetime:
    """``value`` if it is timezone-aware; ``epcis.naive_datetime`` otherwise."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise EpcisError("epcis.naive_datetime", f"{name} must be a timezone-aware datetime")
    return value


def instant(value: object, *, pointer: str) -> datetime:
    """An EPCIS timestamp string as an aware UTC datetime (millisecond precision)."""
    if not isinstance(value, str):
        raise EpcisError("epcis.bad_time", "a timestamp must be a string", pointer=pointer)
    try:
        text = canonical_time(value, pointer=pointer)
    except EpcisError as exc:
        raise EpcisError("epcis.bad_time", exc.message, pointer=pointer) from exc
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_not_future(value: datetime, *, now: datetime, name: str, pointer: str = "") -> None:
    """``epcis.future_event_time`` when ``value`` is later than ``now`` + :data:`FUTURE_SKEW`."""
    require_aware(now, "now")
    if require_aware(value, name) > now + FUTURE_SKEW:
        raise EpcisError(
            "epcis.future_event_time",
            f"{name} {value.isoformat()} is in the future (now {now.isoformat()}, "
            f"allowed skew {int(FUTURE_SKEW.total_seconds())} s)",
            pointer=pointer,
        )


def check_time_zone_offset(value: object, *, pointer: str = "/eventTimeZoneOffset") -> str:
    """A ``±HH:MM`` offset between −12:00 and +14:00; ``epcis.bad_time_zone_offset`` otherwise."""
    match = _OFFSET.fullmatch(value) if isinstance(value, str) else None
    minutes = 0
    if match is not None:
        sign = -1 if match.group(1) == "-" else 1
        minutes = sign * (int(match.group(2)) * 60 + int(match.group(3)))
    if match is None or not MIN_OFFSET_MINUTES <= minutes <= MAX_OFFSET_MINUTES:
        raise EpcisError(
            "epcis.bad_time_zone_offset",
            f"eventTimeZoneOffset {str(value)[:20]!r} is not ±HH:MM between -12:00 and +14:00",
            pointer=pointer,
        )
    return match.group(0)


def offset_of(value: datetime) -> str:
    """The ``±HH:MM`` UTC offset of an aware datetime."""
    delta = require_aware(value, "event time").utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_list_sizes(event: Mapping[str, Any], *, pointer: str = "") -> None:
    """``epcis.too_many_epcs`` when a list of objects holds more than :data:`MAX_EPCS` items."""
    for field in LIST_FIELDS:
        items = event.get(field)
        if isinstance(items, list) and len(items) > MAX_EPCS:
            raise EpcisError(
                "epcis.too_many_epcs",
                f"{field} has {len(items)} items; at most {MAX_EPCS} are accepted per event",
                pointer=f"{pointer}/{field}",
            )


def check_submitted_event(
    event: Mapping[str, Any],
    *,
    now: datetime,
    allow_record_time: bool = False,
    pointer_prefix: Sequence[str | int] = (),
) -> None:
    """Rules for events coming from partners, on top of the schema.

    Codes: ``epcis.record_time_forbidden`` (the server sets ``recordTime``),
    ``epcis.future_event_time`` (beyond :data:`FUTURE_SKEW`), ``epcis.bad_time``,
    ``epcis.bad_time_zone_offset``, ``epcis.too_many_epcs`` and, when an ``errorDeclaration`` is
    present, ``epcis.future_event_time`` for its ``declarationTime``.
    """
    base = json_pointer(pointer_prefix)
    if "recordTime" in event and not allow_record_time:
        raise EpcisError(
            "epcis.record_time_forbidden",
            "recordTime is set by the server when it records the event; do not send it",
            pointer=f"{base}/recordTime",
        )
    check_list_sizes(event, pointer=base)
    when = instant(event.get("eventTime"), pointer=f"{base}/eventTime")
    check_not_future(when, now=now, name="eventTime", pointer=f"{base}/eventTime")
    check_time_zone_offset(event.get("eventTimeZoneOffset"), pointer=f"{base}/eventTimeZoneOffset")
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, Mapping):
        where = f"{base}/errorDeclaration/declarationTime"
        declared = instant(declaration.get("declarationTime"), pointer=where)
        check_not_future(declared, now=now, name="declarationTime", pointer=where)


def check_error_declaration(
    event: Mapping[str, Any], *, target_event_id: str, now: datetime
) -> None:
    """Check that ``event`` is a well-formed error declaration retracting ``target_event_id``.

    EPCIS 2.0 retracts an event by re-sending it, unchanged and with the same ``eventID``, plus
    an ``errorDeclaration``. This checks the shape; the *caller* must check that the target
    exists and belongs to the declaring organisation. Codes: ``epcis.error_declaration_missing``,
    ``epcis.error_declaration_target_mismatch`` (``eventID`` differs from the target),
    ``epcis.error_declaration_content_mismatch`` (the target is a CBV hash ID and the re-sent
    event does not hash to it, i.e. its content was changed),
    ``epcis.error_declaration_self_reference`` (a corrective event ID equals the target),
    ``epcis.bad_corrective_event_id`` and ``epcis.future_event_time``.
    """
    declaration = event.get("errorDeclaration")
    if not isinstance(declaration, Mapping):
        raise EpcisError(
            "epcis.error_declaration_missing", "the event has no errorDeclaration", pointer=""
        )
    if event.get("eventID") != target_event_id:
        raise EpcisError(
            "epcis.error_declaration_target_mismatch",
            f"eventID {str(event.get('eventID'))[:100]!r} is not the retracted event "
            f"{target_event_id[:100]!r}",
            pointer="/eventID",
        )
    if is_hash_id(target_event_id) and event_hash_id(event) != target_event_id:
        raise EpcisError(
            "epcis.error_declaration_content_mismatch",
            "the declared event does not hash to the retracted event's ID (its content differs)",
            pointer="",
        )
    where = "/errorDeclaration/declarationTime"
    declared = instant(declaration.get("declarationTime"), pointer=where)
    check_not_future(declared, now=now, name="declarationTime", pointer=where)
    corrective = declaration.get("correctiveEventIDs", [])
    if not isinstance(corrective, list):
        raise EpcisError(
            "epcis.bad_corrective_event_id",
            "correctiveEventIDs must be a list",
            pointer="/errorDeclaration/correctiveEventIDs",
        )
    for index, corrective_id in enumerate(corrective):
        where = f"/errorDeclaration/correctiveEventIDs/{index}"
        if not isinstance(corrective_id, str) or not is_absolute_uri(corrective_id):
            raise EpcisError(
                "epcis.bad_corrective_event_id",
                "a corrective event ID must be a URI",
                pointer=where,
            )
        if corrective_id == target_event_id:
            raise EpcisError(
                "epcis.error_declaration_self_reference",
                "an event cannot be its own corrective event",
                pointer=where,
            )
