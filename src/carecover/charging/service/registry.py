"""The charger registry, written as OCPI 2.2.1 receivers are: a whole Location by PUT, an EVSE or
a connector by PATCH, each ordered by the operator's ``last_updated`` — an update older than what
is stored is refused, never applied over newer data.

PUT semantics: the location and its EVSEs are replaced by what is sent. An EVSE missing from the
new document is kept as REMOVED (OCPI's way of deleting one), so its status history and any
failure reported at it survive. Each EVSE and connector keeps its own order too: inside a newer
location document, an EVSE older than the stored one is left as stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.charging import permissions, repository
from carecover.charging.enums import EvseStatus
from carecover.charging.errors import StaleUpdate, UnknownOcpiObject
from carecover.charging.models import (
    ChargingLocation,
    Connector,
    Evse,
    EvseStatusChange,
)
from carecover.charging.schemas import (
    ConnectorIn,
    ConnectorPatch,
    EvseIn,
    EvsePatch,
    LocationIn,
)
from carecover.charging.service.validation import not_future, raise_if, same_key, validate
from carecover.partners.models import PartnerLocation
from carecover.partners.service.locations import CHINA_LAT, CHINA_LNG
from carecover.platform import audit
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields
from carecover.platform.geo import Point, haversine_km
from carecover.platform.ids import new_id

LINK_KM = 0.2
"""A location this close to one of its operator's partner sites describes that site."""
_EVSE_DETAILS = ("status_schedule", "directions", "parking_restrictions", "images")
_LOCATION_DETAILS = (
    "publish_allowed_to",
    "related_locations",
    "directions",
    "operator",
    "suboperator",
    "owner",
    "facilities",
    "images",
    "energy_mix",
)


@dataclass(frozen=True, slots=True)
class Written:
    """What a PUT did: the location, and whether it was new."""

    location: ChargingLocation
    created: bool


def _site_near(session: Session, partner_id: uuid.UUID, lat: float, lng: float) -> uuid.UUID | None:
    here = Point(lat, lng)
    for site_id, site_lat, site_lng in session.execute(
        select(PartnerLocation.id, PartnerLocation.lat, PartnerLocation.lng).where(
            PartnerLocation.partner_id == partner_id
        )
    ):
        if haversine_km(here, Point(site_lat, site_lng)) <= LINK_KM:
            return uuid.UUID(str(site_id))
    return None


def _location_problems(data: LocationIn, path: tuple[str, str, str], now: datetime) -> None:
    problems: list[FieldProblem] = []
    same_key((data.country_code, data.party_id, data.id), path, problems)
    not_future(data.last_updated, now, "last_updated", problems)
    if data.country == "CHN":
        lat, lng = data.coordinates.lat, data.coordinates.lng
        if not (CHINA_LAT[0] <= lat <= CHINA_LAT[1] and CHINA_LNG[0] <= lng <= CHINA_LNG[1]):
            problems.append(FieldProblem("coordinates", "location.outside_china"))
    for i, evse in enumerate(data.evses or []):
        not_future(evse.last_updated, now, f"evses.{i}.last_updated", problems)
        for j, conn in enumerate(evse.connectors):
            not_future(conn.last_updated, now, f"evses.{i}.connectors.{j}.last_updated", problems)
    raise_if(problems)


def upsert_location(
    session: Session,
    actor: Actor,
    country_code: str,
    party_id: str,
    location_id: str,
    data: LocationIn | dict[str, Any],
    *,
    now: datetime | None = None,
    partner_location_id: uuid.UUID | None = None,
) -> Written:
    """PUT a whole OCPI Location (EVSEs and connectors included) for the caller's party."""
    now = now or utc_now()
    body = validate(LocationIn, data)
    _location_problems(body, (country_code, party_id, location_id), now)
    party = permissions.party_for_writer(session, actor, country_code, party_id)
    location = repository.location_by_key(session, party.country_code, party.party_id, body.id)
    if location is not None and body.last_updated < location.last_updated:
        raise StaleUpdate(location.last_updated, body.last_updated)
    created = location is None
    if location is None:
        location = ChargingLocation(
            country_code=party.country_code,
            party_id=party.party_id,
            ocpi_id=body.id,
            operator_partner_id=party.partner_id,
        )
    if partner_location_id is not None:
        site = session.get(PartnerLocation, partner_location_id)
        if site is None or site.partner_id != party.partner_id:
            raise InvalidFields(FieldProblem("partner_location_id", "charging.site_not_operator"))
        location.partner_location_id = site.id
    elif location.partner_location_id is None:
        location.partner_location_id = _site_near(
            session, party.partner_id, body.coordinates.lat, body.coordinates.lng
        )
    _apply_location(location, body, now)
    session.add(location)
    session.flush()
    _sync_evses(session, location, body.evses or [])
    audit.record(
        session,
        actor,
        "charging.location_put",
        object_type="charging_location",
        object_id=location.id,
        details={
            "ocpi": f"{party.country_code}*{party.party_id}*{body.id}",
            "created": created,
            "evses": len(body.evses or []),
        },
    )
    return Written(location, created)


def _apply_location(location: ChargingLocation, body: LocationIn, now: datetime) -> None:
    location.publish = body.publish
    location.name = body.name
    location.address = body.address
    location.city = body.city
    location.postal_code = body.postal_code
    location.state = body.state
    location.country = body.country
    location.lat = body.coordinates.lat
    location.lng = body.coordinates.lng
    location.parking_type = body.parking_type.value if body.parking_type else None
    location.time_zone = body.time_zone
    location.opening_times = (
        body.opening_times.model_dump(mode="json", exclude_none=True)
        if body.opening_times
        else None
    )
    location.charging_when_closed = body.charging_when_closed
    location.details = body.model_dump(
        mode="json", include=set(_LOCATION_DETAILS), exclude_none=True
    )
    location.last_updated = body.last_updated
    location.layout_changed_at = utc_now()


def _record_status(session: Session, evse: Evse, status: EvseStatus, at: datetime) -> None:
    """The operator stated ``status`` at ``at``: a change goes into the history; any statement
    newer than an owner's failure report clears the suspicion."""
    if evse.status is not status:
        session.add(
            EvseStatusChange(evse_pk=evse.id, previous=evse.status, status=status, changed_at=at)
        )
        evse.status = status
        evse.status_changed_at = at
    if evse.status_reported_at is None or at > evse.status_reported_at:
        evse.status_reported_at = at
    if evse.suspect_since is not None and at > evse.suspect_since:
        evse.suspect_since = None


def _new_evse(session: Session, location: ChargingLocation, data: EvseIn) -> Evse:
    evse = Evse(
        id=new_id(),
        location_id=location.id,
        uid=data.uid,
        status=data.status,
        status_changed_at=data.last_updated,
        status_reported_at=data.last_updated,
        last_updated=data.last_updated,
        capabilities=[],
        details={},
    )
    session.add(evse)
    session.add(
        EvseStatusChange(
            evse_pk=evse.id, previous=None, status=data.status, changed_at=data.last_updated
        )
    )
    return evse


def _apply_evse(session: Session, evse: Evse, data: EvseIn | EvsePatch, fields: set[str]) -> None:
    for name in ("evse_id", "floor_level", "physical_reference"):
        if name in fields:
            setattr(evse, name, getattr(data, name))
    if "capabilities" in fields:
        evse.capabilities = [c.value for c in data.capabilities or []]
    if "coordinates" in fields:
        evse.lat = data.coordinates.lat if data.coordinates else None
        evse.lng = data.coordinates.lng if data.coordinates else None
    sent = data.model_dump(mode="json", include=set(_EVSE_DETAILS) & fields)
    evse.details = {k: v for k, v in {**evse.details, **sent}.items() if v is not None}
    if "status" in fields and data.status is not None:
        _record_status(session, evse, data.status, data.last_updated)
    evse.last_updated = max(evse.last_updated, data.last_updated)


def _sync_evses(session: Session, location: ChargingLocation, sent: list[EvseIn]) -> None:
    stored = {e.uid: e for e in repository.evses_of(session, location.id)}
    connectors = repository.connectors_of(session, [e.id for e in stored.values()])
    every = set(EvseIn.model_fields)
    for data in sent:
        evse = stored.pop(data.uid, None)
        if evse is None:
            evse = _new_evse(session, location, data)
            session.flush()
            _sync_connectors(session, evse, [], data.connectors)
            _apply_evse(session, evse, data, every - {"status"})
        elif data.last_updated >= evse.last_updated:
            _apply_evse(session, evse, data, every)
            _sync_connectors(session, evse, connectors.get(evse.id, []), data.connectors)
    for evse in stored.values():  # not in the new document: deleted, the OCPI way
        if evse.status is not EvseStatus.REMOVED:
            _record_status(session, evse, EvseStatus.REMOVED, location.last_updated)
            evse.last_updated = max(evse.last_updated, location.last_updated)
    session.flush()


def _set_connector(row: Connector, data: ConnectorIn | ConnectorPatch, fields: set[str]) -> None:
    for name in ("standard", "format", "power_type", "max_voltage", "max_amperage"):
        if name in fields and getattr(data, name) is not None:
            setattr(row, name, getattr(data, name))
    if "max_electric_power" in fields:
        row.max_electric_power = data.max_electric_power
    if "tariff_ids" in fields:
        row.tariff_ids = list(data.tariff_ids or [])
    if "terms_and_conditions" in fields:
        row.terms_and_conditions = data.terms_and_conditions
    row.last_updated = (
        max(row.last_updated, data.last_updated) if row.last_updated else data.last_updated
    )


def _sync_connectors(
    session: Session, evse: Evse, stored: list[Connector], sent: list[ConnectorIn]
) -> None:
    by_id = {c.connector_id: c for c in stored}
    every = set(ConnectorIn.model_fields)
    for data in sent:
        row = by_id.pop(data.id, None)
        if row is None:
            row = Connector(evse_pk=evse.id, connector_id=data.id, last_updated=data.last_updated)
            _set_connector(row, data, every)
            session.add(row)
        elif data.last_updated >= row.last_updated:
            _set_connector(row, data, every)
    for gone in by_id.values():
        session.delete(gone)


def _target(
    session: Session, actor: Actor, country_code: str, party_id: str, location_id: str, uid: str
) -> tuple[ChargingLocation, Evse]:
    party = permissions.party_for_writer(session, actor, country_code, party_id)
    location = repository.location_by_key(session, party.country_code, party.party_id, location_id)
    evse = repository.evse_by_uid(session, location.id, uid) if location is not None else None
    if location is None or evse is None:
        raise UnknownOcpiObject()
    return location, evse


def patch_evse(
    session: Session,
    actor: Actor,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    data: EvsePatch | dict[str, Any],
    *,
    now: datetime | None = None,
) -> Evse:
    """PATCH an EVSE (most often its status); the parent location's ``last_updated`` follows."""
    now = now or utc_now()
    body = validate(EvsePatch, data)
    problems: list[FieldProblem] = []
    not_future(body.last_updated, now, "last_updated", problems)
    raise_if(problems)
    location, evse = _target(session, actor, country_code, party_id, location_id, evse_uid)
    if body.last_updated < evse.last_updated:
        raise StaleUpdate(evse.last_updated, body.last_updated)
    fields = set(body.model_fields_set)
    _apply_evse(session, evse, body, fields)
    if "connectors" in fields and body.connectors is not None:
        stored = repository.connectors_of(session, [evse.id])[evse.id]
        _sync_connectors(session, evse, stored, body.connectors)
    if fields & {"connectors", "coordinates"}:
        location.layout_changed_at = utc_now()
    location.last_updated = max(location.last_updated, body.last_updated)
    session.flush()
    return evse


def patch_connector(
    session: Session,
    actor: Actor,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    data: ConnectorPatch | dict[str, Any],
    *,
    now: datetime | None = None,
) -> Connector:
    """PATCH one connector (a new tariff, a derated power); its EVSE and location follow."""
    now = now or utc_now()
    body = validate(ConnectorPatch, data)
    problems: list[FieldProblem] = []
    not_future(body.last_updated, now, "last_updated", problems)
    raise_if(problems)
    location, evse = _target(session, actor, country_code, party_id, location_id, evse_uid)
    row = next(
        (
            c
            for c in repository.connectors_of(session, [evse.id])[evse.id]
            if c.connector_id == connector_id
        ),
        None,
    )
    if row is None:
        raise UnknownOcpiObject()
    if body.last_updated < row.last_updated:
        raise StaleUpdate(row.last_updated, body.last_updated)
    _set_connector(row, body, set(body.model_fields_set))
    evse.last_updated = max(evse.last_updated, body.last_updated)
    location.last_updated = max(location.last_updated, body.last_updated)
    location.layout_changed_at = utc_now()
    session.flush()
    return row
