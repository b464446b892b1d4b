"""One-tap care requests (C1): the answer an alert or a reminder offers, taken by the owner.

Kinds: ``repair`` or ``maintenance`` at a certified shop, ``rescue``, ``charger``, and ``claim``
(a crash alert starts a claim). Rescue and booking orders belong to dispatch, which is not built
yet: until it is, the request is recorded (status ``requested``), audited and confirmed to the
owner. Repeated taps on the same action make one request: (car, dedupe key) is unique, the key
being the alert or reminder and the kind, or for a free request the kind, the site and the day.

A crash claim goes through the claims service (``claims.service.report``) with the telematics
source, the crash time and the place the car reported then. The claims domain files no claim
without photos and the owner's account of what happened, which an alert cannot supply: the
request keeps the prefill, the owner adds those two, and the claim is filed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.claims import service as claims
from carecover.claims.enums import ClaimSource
from carecover.claims.models import Claim
from carecover.customers import repository as customers
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.partners.repository import nearest_locations
from carecover.platform.audit import service as audit
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, Forbidden, InvalidFields, NotFound
from carecover.platform.events import DomainEvent, publish
from carecover.platform.geo import Point, haversine_km
from carecover.telematics.models import Alert, CareRequest, Reading, VehicleState
from carecover.vehicles.models import Vehicle

NEAR_KM = 3.0
BEIJING = timezone(timedelta(hours=8))


class CareKind(StrEnum):
    repair = "repair"
    maintenance = "maintenance"
    rescue = "rescue"
    charger = "charger"
    claim = "claim"


class CareStatus(StrEnum):
    requested = "requested"
    """Recorded; dispatch (when built) turns it into an order."""
    claim_filed = "claim_filed"
    """A crash claim was filed from it (``claim_id``)."""


SITE_TYPES = {
    CareKind.repair: PartnerType.repair_shop,
    CareKind.maintenance: PartnerType.repair_shop,
    CareKind.charger: PartnerType.charging_operator,
}


@dataclass(frozen=True, kw_only=True)
class CareRequested(DomainEvent):
    """An owner asked for help from an alert or reminder; they get a confirmation."""

    event_type = "telematics.care_requested"
    request_id: uuid.UUID
    vehicle_id: uuid.UUID
    kind: str


@dataclass(frozen=True, slots=True)
class ClaimPrefill:
    """What the crash alert says about the loss, and what the owner still has to add."""

    occurred_at: datetime
    lat: float | None
    lng: float | None
    peak_g: float | None
    missing: tuple[str, ...] = ("photos", "description")


def site_action(site: PartnerLocation, km: float) -> dict[str, Any]:
    return {
        "location_id": str(site.id),
        "name": site.name,
        "address": site.address,
        "distance_km": round(km, 2),
        "within_reach": km <= NEAR_KM,
    }


def nearest_site(
    session: Session, where: Point | None, partner_type: PartnerType
) -> dict[str, Any] | None:
    """The nearest active site of that type (within 3 km or not: the distance says)."""
    if where is None:
        return None
    found = nearest_locations(session, where, partner_type=partner_type, limit=1)
    return site_action(*found[0]) if found else None


def vehicle_for(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    """The car, if the actor may act for it: its owner, customer staff, or the platform."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound()
    if actor.role is None and actor.user_id is None:
        return vehicle
    if actor.role is Role.owner and actor.user_id is not None:
        owner = customers.get_by_user(session, actor.user_id)
        if owner is None or owner.id != vehicle.owner_id:
            raise NotFound()  # someone else's car: as if it did not exist
        return vehicle
    if actor.role is not None and has_permission(actor.role, Permission.customers_manage):
        return vehicle
    raise Forbidden()


def place_of(session: Session, alert: Alert | None, vehicle_id: uuid.UUID) -> Point | None:
    """Where the car was when the alert was raised (its reading then), else where it is now."""
    if alert is not None:
        row = session.execute(
            select(Reading.lat, Reading.lng)
            .where(
                Reading.vehicle_id == vehicle_id,
                Reading.device_time == alert.raised_at,
                Reading.lat.is_not(None),
            )
            .limit(1)
        ).first()
        if row is not None and row.lat is not None and row.lng is not None:
            return Point(row.lat, row.lng)
    state = session.get(VehicleState, vehicle_id)
    if state is not None and state.lat is not None and state.lng is not None:
        return Point(state.lat, state.lng)
    return None


def _site(
    session: Session, location_id: uuid.UUID, kind: CareKind, where: Point | None
) -> dict[str, Any]:
    row = session.execute(
        select(PartnerLocation, Partner.partner_type)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            PartnerLocation.id == location_id,
            PartnerLocation.is_active.is_(True),
            Partner.status == PartnerStatus.active,
        )
    ).first()
    if row is None or row[1] is not SITE_TYPES.get(kind):
        raise InvalidFields(FieldProblem("location_id", "telematics.care.site_unknown"))
    site: PartnerLocation = row[0]
    km = haversine_km(where, Point(site.lat, site.lng)) if where is not None else 0.0
    return site_action(site, km)


def _dedupe_key(
    kind: CareKind, alert: Alert | None, reminder_key: str | None, site: str | None, now: datetime
) -> str:
    if alert is not None:
        return f"alert:{alert.id}:{kind.value}"
    if reminder_key:
        return f"reminder:{reminder_key}:{kind.value}"
    return f"{kind.value}:{site or '-'}:{now.astimezone(BEIJING):%Y-%m-%d}"


def _existing(session: Session, vehicle_id: uuid.UUID, key: str) -> CareRequest | None:
    return session.scalars(
        select(CareRequest).where(
            CareRequest.vehicle_id == vehicle_id, CareRequest.dedupe_key == key
        )
    ).first()


def request(
    session: Session,
    actor: Actor,
    vehicle_id: uuid.UUID,
    kind: CareKind,
    *,
    alert_id: uuid.UUID | None = None,
    reminder_key: str | None = None,
    location_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[CareRequest, bool]:
    """Record the owner's request; returns (request, created). A repeated tap returns the first."""
    now = now or utc_now()
    vehicle = vehicle_for(session, actor, vehicle_id)
    alert = session.get(Alert, alert_id) if alert_id is not None else None
    if alert_id is not None and (alert is None or alert.vehicle_id != vehicle.id):
        raise InvalidFields(FieldProblem("alert_id", "telematics.care.alert_unknown"))
    if kind is CareKind.claim and (alert is None or alert.code != "crash"):
        raise InvalidFields(FieldProblem("alert_id", "telematics.care.claim_needs_crash"))
    reminder_key = (reminder_key or "").strip()[:80] or None
    where = place_of(session, alert, vehicle.id)
    details: dict[str, Any] = {}
    if alert is not None:
        details |= {"alert_code": alert.code, "raised_at": ensure_utc(alert.raised_at).isoformat()}
    if location_id is None and alert is not None and kind in SITE_TYPES:
        offered = alert.action.get("location_id")
        location_id = uuid.UUID(offered) if offered and kind is not CareKind.charger else None
    if location_id is not None:
        details["site"] = _site(session, location_id, kind, where)
    elif kind in SITE_TYPES and (found := nearest_site(session, where, SITE_TYPES[kind])):
        details["site"] = found
        location_id = uuid.UUID(found["location_id"])
    key = _dedupe_key(kind, alert, reminder_key, str(location_id) if location_id else None, now)
    if (first := _existing(session, vehicle.id, key)) is not None:
        return first, False
    row = CareRequest(
        vehicle_id=vehicle.id,
        kind=kind.value,
        status=CareStatus.requested.value,
        dedupe_key=key,
        alert_id=alert.id if alert else None,
        reminder_key=reminder_key,
        location_id=location_id,
        lat=where.lat if where else None,
        lng=where.lng if where else None,
        details=details,
        requested_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # two taps at once: the first one wins
        if (first := _existing(session, vehicle.id, key)) is None:
            raise
        return first, False
    audit.record(
        session,
        actor,
        "telematics.care_requested",
        object_type="care_request",
        object_id=row.id,
        details={"kind": kind.value, "vehicle_id": str(vehicle.id), "key": key},
    )
    publish(session, CareRequested(request_id=row.id, vehicle_id=vehicle.id, kind=kind.value))
    return row, True


def of_vehicle(session: Session, vehicle_id: uuid.UUID, limit: int = 20) -> Sequence[CareRequest]:
    return session.scalars(
        select(CareRequest)
        .where(CareRequest.vehicle_id == vehicle_id)
        .order_by(CareRequest.created_at.desc())
        .limit(limit)
    ).all()


def get_for(
    session: Session, actor: Actor, vehicle_id: uuid.UUID, request_id: uuid.UUID
) -> CareRequest:
    vehicle = vehicle_for(session, actor, vehicle_id)
    row = session.get(CareRequest, request_id)
    if row is None or row.vehicle_id != vehicle.id:
        raise NotFound()
    return row


def claim_prefill(session: Session, row: CareRequest) -> ClaimPrefill:
    """The crash time and place for the claim form."""
    alert = session.get(Alert, row.alert_id) if row.alert_id else None
    if row.kind != CareKind.claim or alert is None:
        raise InvalidFields(FieldProblem("alert_id", "telematics.care.claim_needs_crash"))
    peak = alert.params.get("peak_g")
    return ClaimPrefill(
        occurred_at=ensure_utc(alert.raised_at),
        lat=row.lat,
        lng=row.lng,
        peak_g=float(peak) if isinstance(peak, int | float) else None,
    )


def file_claim(
    session: Session,
    actor: Actor,
    row: CareRequest,
    *,
    description: str,
    photos: Sequence[bytes],
    idempotency_key: str,
    max_photo_bytes: int,
    place: str | None = None,
) -> Claim:
    """File the crash claim through the claims service (telematics source, the crash's time and
    place); the claims service checks the car, the policy in force and every photo."""
    prefill = claim_prefill(session, row)
    if row.claim_id is not None and (filed := session.get(Claim, row.claim_id)) is not None:
        return filed
    claim, _ = claims.report(
        session,
        actor,
        claims.FnolInput(
            vehicle_id=row.vehicle_id,
            occurred_at=prefill.occurred_at,
            description=description.strip()[:2000] or "—",
            idempotency_key=idempotency_key[:64] or f"care-{row.id}",
            lat=prefill.lat,
            lng=prefill.lng,
            place=(place or "").strip()[:200] or None,
            source=ClaimSource.telematics,
        ),
        photos,
        max_photo_bytes=max_photo_bytes,
    )
    row.claim_id, row.status = claim.id, CareStatus.claim_filed.value
    audit.record(
        session,
        actor,
        "telematics.crash_claim_filed",
        object_type="care_request",
        object_id=row.id,
        details={"claim_no": claim.claim_no},
    )
    return claim
