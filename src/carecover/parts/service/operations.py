"""Parts use cases for partners: commission serials, ship, receive, install, remove, destroy.

Who may do what: a parts supplier commissions; the organisation holding a part ships, installs,
removes or destroys it; the organisation owning the destination site receives it. Sites are
partner locations. Every step is an EPCIS 2.0 event checked by the custody state machine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.parts.errors import (
    EpcisInvalid,
    NotASupplier,
    NotPartsHolder,
    PartInputInvalid,
    PartNotFound,
)
from carecover.parts.models import Part, PartEvent
from carecover.parts.service import epcis
from carecover.parts.service.custody import CustodyStatus
from carecover.parts.service.custody_log import (
    input_error,
    location_uri,
    record_event,
    vehicle_key,
    vehicle_uri,
)
from carecover.parts.service.digital_link import build, tag_for
from carecover.parts.service.epcis.errors import EpcisError
from carecover.parts.service.gs1 import SGTIN, PartsInputError, new_serial, normalise_gtin
from carecover.platform.clock import utc_now
from carecover.platform.config import digital_link_tag_key, get_settings
from carecover.platform.context import Actor
from carecover.vehicles.models import Vehicle

MAX_BATCH = 500


@dataclass(frozen=True)
class Commission:
    gtin: str
    name: str
    quantity: int
    location_id: uuid.UUID
    part_number: str | None = None
    lot: str | None = None


def sgtin_of(part: Part) -> SGTIN:
    return SGTIN(part.gtin, part.serial)


def resolver_host() -> str:
    """The host of the configured Digital Link resolver (what labels point at)."""
    return get_settings().digital_link_base.removeprefix("https://")


def link_for(part: Part) -> str:
    """The URI printed in the part's QR code (on the configured resolver host, with its tag)."""
    return build(sgtin_of(part), host=resolver_host(), tag=part.tag)


def get_part(session: Session, part_id: uuid.UUID) -> Part:
    part = session.get(Part, part_id)
    if part is None:
        raise PartNotFound()
    return part


def find(session: Session, gtin: str, serial: str) -> Part | None:
    return session.scalars(select(Part).where(Part.gtin == gtin, Part.serial == serial)).first()


def history(session: Session, part_id: uuid.UUID) -> list[PartEvent]:
    return list(
        session.scalars(
            select(PartEvent)
            .where(PartEvent.part_id == part_id)
            .order_by(PartEvent.record_time, PartEvent.event_time)
        )
    )


def parts_in_vehicle(session: Session, vehicle_id: uuid.UUID) -> list[Part]:
    """Serialised parts fitted to a vehicle now (the owner's car page and repair timelines)."""
    return list(
        session.scalars(
            select(Part)
            .where(Part.vehicle_id == vehicle_id, Part.state == CustodyStatus.INSTALLED.value)
            .order_by(Part.last_event_at.desc())
        )
    )


def _site(session: Session, location_id: uuid.UUID) -> tuple[PartnerLocation, Partner]:
    site = session.get(PartnerLocation, location_id)
    partner = session.get(Partner, site.partner_id) if site is not None else None
    if site is None or partner is None or not site.is_active:
        raise PartInputInvalid("site.unknown", "no active partner site has this id")
    return site, partner


def _own_site(session: Session, actor: Actor, location_id: uuid.UUID) -> PartnerLocation:
    site, partner = _site(session, location_id)
    if actor.organisation_id is None or partner.organisation_id != actor.organisation_id:
        raise NotPartsHolder("the site belongs to another organisation")
    return site


def _held(session: Session, actor: Actor, part_id: uuid.UUID) -> Part:
    part = get_part(session, part_id)
    if actor.organisation_id is None or part.holder_org_id != actor.organisation_id:
        raise NotPartsHolder("the part is not held by your organisation")
    return part


def _org(actor: Actor) -> uuid.UUID:
    if actor.organisation_id is None:
        raise NotPartsHolder("only partner organisations record custody steps")
    return actor.organisation_id


def commission(session: Session, actor: Actor, data: Commission) -> list[Part]:
    """Serialise ``quantity`` new parts at a supplier site: random serials, tags, events."""
    org = _org(actor)
    supplier = session.scalars(select(Partner).where(Partner.organisation_id == org)).first()
    if (
        supplier is None
        or supplier.partner_type is not PartnerType.parts_supplier
        or supplier.status is not PartnerStatus.active
    ):
        raise NotASupplier()
    if not 1 <= data.quantity <= MAX_BATCH:
        raise PartInputInvalid("commission.quantity", f"between 1 and {MAX_BATCH} per batch")
    try:
        gtin = normalise_gtin(data.gtin)
    except PartsInputError as exc:
        raise input_error(exc, "gtin") from exc
    site = _own_site(session, actor, data.location_id)
    key = digital_link_tag_key(get_settings())
    now = utc_now()
    parts: list[Part] = []
    for _ in range(data.quantity):
        sgtin = SGTIN(gtin, new_serial())
        part = Part(
            gtin=gtin,
            serial=sgtin.serial,
            name=data.name,
            part_number=data.part_number,
            lot=data.lot,
            supplier_org_id=org,
            tag=tag_for(sgtin, key),
            state=CustodyStatus.UNKNOWN.value,
            last_event_at=now,
        )
        session.add(part)
        session.flush()
        try:
            event = epcis.commissioning_event(
                sgtin.epc_uri,
                when=now,
                location_gln_uri=location_uri(site.id),
                org_id=str(org),
                lot=data.lot,
                now=now,
            )
        except EpcisError as exc:
            raise EpcisInvalid(exc.code, exc.message, pointer=exc.pointer) from exc
        record_event(session, [part], event, org_id=org, holder_after=org)
        parts.append(part)
    return parts


def ship(
    session: Session, actor: Actor, part_id: uuid.UUID, to_location_id: uuid.UUID
) -> PartEvent:
    org = _org(actor)
    part = _held(session, actor, part_id)
    _, receiver = _site(session, to_location_id)
    event = _build(
        lambda now: epcis.shipping_event(
            sgtin_of(part).epc_uri,
            when=now,
            from_location=part.location or "",
            to_location=location_uri(to_location_id),
            from_org=str(org),
            to_org=str(receiver.organisation_id),
            now=now,
        )
    )
    return record_event(session, [part], event, org_id=org, holder_after=org)[0]


def receive(
    session: Session, actor: Actor, part_id: uuid.UUID, location_id: uuid.UUID
) -> PartEvent:
    org = _org(actor)
    part = get_part(session, part_id)
    _own_site(session, actor, location_id)
    event = _build(
        lambda now: epcis.receiving_event(
            sgtin_of(part).epc_uri, when=now, location=location_uri(location_id), now=now
        )
    )
    return record_event(session, [part], event, org_id=org, holder_after=org)[0]


def install(
    session: Session,
    actor: Actor,
    part_id: uuid.UUID,
    vehicle_id: uuid.UUID,
    repair_order: str | None = None,
) -> PartEvent:
    """Fit the part to a vehicle (the shop must hold it at its site); the claim's repair order
    is recorded as an opaque business transaction."""
    org = _org(actor)
    part = _held(session, actor, part_id)
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise PartInputInvalid("vehicle.unknown", "no vehicle has this id")
    event = _build(
        lambda now: epcis.installing_event(
            sgtin_of(part).epc_uri,
            parent_id=vehicle_uri(vehicle_key(vehicle.vin)),
            when=now,
            location=part.location or "",
            repair_order=repair_order,
            now=now,
        )
    )
    return record_event(
        session, [part], event, org_id=org, holder_after=None, vehicle_id=vehicle.id
    )[0]


def remove(
    session: Session,
    actor: Actor,
    part_id: uuid.UUID,
    location_id: uuid.UUID,
    repair_order: str | None = None,
) -> PartEvent:
    """Take the part out of the vehicle it is in, at one of the actor's sites."""
    org = _org(actor)
    part = get_part(session, part_id)
    _own_site(session, actor, location_id)
    if part.vehicle_key is None:
        raise PartInputInvalid("custody.remove_not_installed", "the part is not installed")
    key = part.vehicle_key
    event = _build(
        lambda now: epcis.removing_event(
            sgtin_of(part).epc_uri,
            parent_id=vehicle_uri(key),
            when=now,
            location=location_uri(location_id),
            repair_order=repair_order,
            now=now,
        )
    )
    return record_event(session, [part], event, org_id=org, holder_after=org)[0]


def destroy(
    session: Session, actor: Actor, part_id: uuid.UUID, location_id: uuid.UUID
) -> PartEvent:
    org = _org(actor)
    part = _held(session, actor, part_id)
    _own_site(session, actor, location_id)
    event = _build(
        lambda now: epcis.destroying_event(
            sgtin_of(part).epc_uri, when=now, location=location_uri(location_id), now=now
        )
    )
    return record_event(session, [part], event, org_id=org, holder_after=None)[0]


def _build(make: Callable[[datetime], dict[str, Any]]) -> dict[str, Any]:
    try:
        return make(utc_now())
    except EpcisError as exc:
        raise EpcisInvalid(exc.code, exc.message, pointer=exc.pointer) from exc
