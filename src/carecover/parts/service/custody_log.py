"""Recording custody events: check the step against the part's history, store it, anchor it.

Every event goes through :func:`record_event`: the custody state machine decides whether the step
is possible (naming the rule when not), the EPCIS event is stored per part, and the event itself
— no personal data in it — is anchored on the evidence log as a public ``part_event`` record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.evidence import service as evidence
from carecover.parts.errors import CustodyRefused, EpcisInvalid, PartInputInvalid
from carecover.parts.models import Part, PartEvent
from carecover.parts.service.custody import (
    CustodyEvent,
    CustodyKind,
    CustodyState,
    CustodyStatus,
    CustodyViolation,
    apply,
)
from carecover.parts.service.epcis.cbv import BIZ_STEP, SOURCE_DEST_TYPE
from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.epcis.hashing import event_hash_id
from carecover.parts.service.gs1 import PartsInputError
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.crypto.fields import get_cipher

SUBJECT = "part"
LOCATION_PREFIX = "urn:carecover:location:"
VEHICLE_PREFIX = "urn:carecover:vehicle:"

_KINDS = {kind.value: kind for kind in CustodyKind}


def location_uri(location_id: uuid.UUID) -> str:
    """A partner site as an EPCIS location (partners rarely hold a GLN)."""
    return f"{LOCATION_PREFIX}{location_id}"


def location_id_of(uri: str | None) -> uuid.UUID | None:
    if uri is None or not uri.startswith(LOCATION_PREFIX):
        return None
    try:
        return uuid.UUID(uri[len(LOCATION_PREFIX) :])
    except ValueError:
        return None


def vehicle_key(vin: str) -> str:
    """The keyed hash that stands for a vehicle in provenance events (never the VIN)."""
    return get_cipher().blind_index(vin, purpose="epcis-vehicle")


def vehicle_uri(key: str) -> str:
    return f"{VEHICLE_PREFIX}{key}"


def state_of(part: Part) -> CustodyState:
    status = CustodyStatus(part.state)
    return CustodyState(
        status=status,
        location=part.location,
        destination=part.destination,
        vehicle_key=part.vehicle_key,
        last_at=ensure_utc(part.last_event_at),
    )


@dataclass(frozen=True)
class Step:
    """One part's view of an EPCIS event."""

    kind: CustodyKind
    at: datetime
    location: str | None
    destination: str | None
    vehicle_key: str | None


def step_of(event: dict[str, Any], pointer: str = "") -> Step:
    """The custody meaning of an EPCIS event (bizStep, where, to where, which vehicle).

    CBV terms count in every standard spelling (short name, ``urn:epcglobal:cbv:…``, Web URI,
    ``cbv:`` CURIE); ``pointer`` locates the event in its document for error messages.
    """
    raw = event.get("bizStep")
    short = BIZ_STEP.short_name(raw) if isinstance(raw, str) else None
    kind = _KINDS.get(short or "")
    if kind is None:
        raise EpcisInvalid(
            "epcis.unsupported_biz_step",
            f"bizStep {str(raw)[:80] if raw else '(none)'} is not a custody step CareCover tracks",
            pointer=f"{pointer}/bizStep",
        )
    place = (event.get("bizLocation") or event.get("readPoint") or {}).get("id")
    destination = None
    for item in event.get("destinationList", []):
        kind_of = item.get("type")
        if isinstance(kind_of, str) and SOURCE_DEST_TYPE.short_name(kind_of) == "location":
            destination = item.get("destination")
    key = None
    parent = event.get("parentID")
    if isinstance(parent, str) and parent.startswith(VEHICLE_PREFIX):
        key = parent[len(VEHICLE_PREFIX) :]
    when = datetime.fromisoformat(str(event["eventTime"]).replace("Z", "+00:00"))
    return Step(kind, when, place, destination, key)


def epcs_of(event: dict[str, Any]) -> list[str]:
    epcs = event.get("epcList") or event.get("childEPCs") or []
    return [str(e) for e in epcs]


def record_event(
    session: Session,
    parts: Sequence[Part],
    event: dict[str, Any],
    *,
    org_id: uuid.UUID,
    holder_after: uuid.UUID | None,
    vehicle_id: uuid.UUID | None = None,
) -> list[PartEvent]:
    """Apply ``event`` to each part (all or nothing), store and anchor it.

    An event already recorded for a part (same CBV hash ID) is skipped: resubmitting is harmless.
    """
    try:
        event_hash = event_hash_id(event)
    except EpcisError as exc:
        raise EpcisInvalid(exc.code, exc.message, pointer=exc.pointer) from exc
    step = step_of(event)
    fresh = [p for p in parts if not _already_recorded(session, p.id, event_hash)]
    next_states: list[tuple[Part, CustodyState]] = []
    for part in fresh:
        custody = CustodyEvent(
            kind=step.kind,
            at=step.at,
            location=step.location,
            destination=step.destination,
            vehicle_key=step.vehicle_key,
            org_id=str(org_id),
        )
        try:
            next_states.append((part, apply(state_of(part), custody)))
        except CustodyViolation as exc:
            raise CustodyRefused(exc.rule, exc.message, part=f"{part.gtin}/{part.serial}") from exc
    now = utc_now()
    rows: list[PartEvent] = []
    for part, new_state in next_states:
        record = evidence.anchor(
            session,
            kind=evidence.RecordKind.part_event,
            subject_type=SUBJECT,
            subject_id=str(part.id),
            content=event,
            personal=False,
            org_id=org_id,
            public={"event": event},
        )
        _move(part, new_state, holder_after, vehicle_id)
        row = PartEvent(
            part_id=part.id,
            biz_step=step.kind.value,
            event_hash=event_hash,
            event_time=step.at,
            record_time=now,
            org_id=org_id,
            location=step.location,
            document=event,
            evidence_record_id=record.id,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _already_recorded(session: Session, part_id: uuid.UUID, event_hash: str) -> bool:
    found = session.scalar(
        select(PartEvent.id).where(PartEvent.part_id == part_id, PartEvent.event_hash == event_hash)
    )
    return found is not None


def _move(
    part: Part, state: CustodyState, holder: uuid.UUID | None, vehicle_id: uuid.UUID | None
) -> None:
    part.state = state.status.value
    part.location = state.location
    part.destination = state.destination
    part.vehicle_key = state.vehicle_key
    part.last_event_at = state.last_at or utc_now()
    part.holder_org_id = holder
    installed = state.status is CustodyStatus.INSTALLED
    part.vehicle_id = (vehicle_id or part.vehicle_id) if installed else None


def input_error(exc: PartsInputError, field: str | None = None) -> PartInputInvalid:
    """A GS1 input error as a problem naming its rule."""
    return PartInputInvalid(exc.code, exc.message, **({"field": field} if field else {}))
