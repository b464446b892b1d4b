"""An owner cannot charge (D5): the report, the suspicion on the EVSE, and the event the orders
domain turns into a free tow.

One report per car per ``DEDUPE_WINDOW``: a second tap, a retry, or staff taking the same call
on the phone gets the first report back and publishes nothing. The car's row is locked while
checking (PostgreSQL ``FOR UPDATE``; SQLite writes one at a time anyway), so two reports racing
each other still make one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.charging import permissions, repository
from carecover.charging.enums import FailureReason
from carecover.charging.errors import ChargerNotFound
from carecover.charging.events import ChargingFailureReported
from carecover.charging.models import ChargingFailure, ChargingLocation
from carecover.platform import audit
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields
from carecover.platform.events import publish
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle

DEDUPE_WINDOW = timedelta(minutes=30)
NOTE_MAX = 1000
PLUG_IN = (Powertrain.bev, Powertrain.phev)


def _problems(
    vehicle: Vehicle,
    reason: FailureReason | str,
    note: str | None,
    lat: float | None,
    lng: float | None,
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if vehicle.powertrain not in PLUG_IN:
        problems.append(FieldProblem("vehicle_id", "charging.failure.not_plug_in"))
    if reason not in FailureReason.__members__.values():
        problems.append(FieldProblem("reason", "charging.failure.reason_unknown"))
    if note is not None and len(note) > NOTE_MAX:
        problems.append(FieldProblem("note", "charging.failure.note_too_long", {"max": NOTE_MAX}))
    if (lat is None) != (lng is None):
        problems.append(FieldProblem("lat" if lat is None else "lng", "charging.failure.both"))
    if lat is not None and not -90.0 <= lat <= 90.0:
        problems.append(FieldProblem("lat", "charging.lat_range"))
    if lng is not None and not -180.0 <= lng <= 180.0:
        problems.append(FieldProblem("lng", "charging.lng_range"))
    return problems


def record_failure(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: uuid.UUID,
    location_id: uuid.UUID,
    evse_uid: str | None = None,
    reason: FailureReason | str,
    note: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> tuple[ChargingFailure, bool]:
    """Record the report (or find the car's report of the last 30 minutes); True when new."""
    now = now or utc_now()
    vehicle = permissions.vehicle_for_report(session, actor, vehicle_id)
    location = session.get(ChargingLocation, location_id)
    if location is None or not location.publish:
        raise ChargerNotFound()
    note = (note or "").strip() or None
    problems = _problems(vehicle, reason, note, lat, lng)
    evse = None
    if evse_uid:
        evse = repository.evse_by_uid(session, location.id, evse_uid)
        if evse is None:
            problems.append(FieldProblem("evse_uid", "charging.failure.evse_unknown"))
    if problems:
        raise InvalidFields(*problems)
    # Serialise reports for this car: the check below and the insert see one another.
    session.execute(select(Vehicle.id).where(Vehicle.id == vehicle.id).with_for_update())
    first = repository.recent_failure(session, vehicle.id, now - DEDUPE_WINDOW)
    if first is not None:
        return first, False
    failure = ChargingFailure(
        vehicle_id=vehicle.id,
        location_id=location.id,
        evse_pk=evse.id if evse is not None else None,
        reason=FailureReason(reason),
        note=note,
        lat=lat if lat is not None else location.lat,
        lng=lng if lng is not None else location.lng,
        reported_at=now,
        reporter_user_id=actor.user_id,
    )
    session.add(failure)
    if evse is not None:
        evse.suspect_since = now
    session.flush()
    publish(
        session,
        ChargingFailureReported(
            vehicle_id=vehicle.id,
            failure_id=failure.id,
            location_id=location.id,
            lat=failure.lat,
            lng=failure.lng,
            reason=failure.reason.value,
        ),
        request_id=actor.request_id,
    )
    audit.record(
        session,
        actor,
        "charging.failure_reported",
        object_type="charging_failure",
        object_id=failure.id,
        details={
            "vehicle_id": str(vehicle.id),
            "location_id": str(location.id),
            "evse_uid": evse_uid,
            "reason": failure.reason.value,
        },
    )
    return failure, True


def report_failure(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: uuid.UUID,
    location_id: uuid.UUID,
    evse_uid: str | None = None,
    reason: FailureReason | str,
    note: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    now: datetime | None = None,
) -> ChargingFailure:
    """Report a charging failure: the EVSE becomes suspect, ``ChargingFailureReported`` goes to
    the outbox (the free tow). A duplicate within 30 minutes returns the first report."""
    failure, _ = record_failure(
        session,
        actor,
        vehicle_id=vehicle_id,
        location_id=location_id,
        evse_uid=evse_uid,
        reason=reason,
        note=note,
        lat=lat,
        lng=lng,
        now=now,
    )
    return failure
