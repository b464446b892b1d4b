"""Telematics API: devices send readings over HTTP (HTTP Basic with the device id and secret;
JSON or MessagePack, one reading or a batch); owners and staff register and revoke devices and
read a car's latest state."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from carecover.customers import repository as customers
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import utc_now
from carecover.platform.errors import NotFound, Unauthenticated
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of
from carecover.telematics.models import Device, VehicleState
from carecover.telematics.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
    IngestRead,
    RejectRead,
    VehicleStateRead,
)
from carecover.telematics.service import devices, ingest, payload
from carecover.vehicles.models import Vehicle

router = APIRouter(tags=["telematics"])


class DeviceUnauthenticated(Unauthenticated):
    code = "device_unauthenticated"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Basic realm="carecover-devices"'}


def _credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not token:
        raise DeviceUnauthenticated()
    try:
        device_no, sep, secret = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise DeviceUnauthenticated() from None
    if not sep or not device_no or len(device_no) > 40:
        raise DeviceUnauthenticated()
    return device_no, secret


@router.post("/telematics/readings", response_model=IngestRead)
async def post_readings(
    request: Request,
    session: DbSession,
    authorization: Annotated[str | None, Header()] = None,
) -> IngestRead:
    """A device's readings (one object or a list; JSON or ``application/msgpack``). Each refused
    reading is listed with its reason; the others are stored. Repeated sequences are dropped."""
    now = utc_now()
    device_no, secret = _credentials(authorization)
    body = await request.body()
    try:
        device = devices.authenticate(session, device_no, secret)
    except payload.PayloadRejected as error:
        ingest.reject(session, device_no, error, None, now)
        session.commit()
        raise DeviceUnauthenticated(error.detail) from None
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        items = payload.decode(body, content_type)
    except payload.PayloadRejected as error:
        ingest.reject(session, device.device_no, error, body[:200].hex(), now)
        return IngestRead(
            accepted=0,
            duplicates=0,
            rejected=[RejectRead(index=-1, reason=error.reason.value, detail=error.detail)],
        )
    result = ingest.ingest(session, device, items, now=now)
    return IngestRead(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[RejectRead(index=i, reason=r.value, detail=d) for i, r, d in result.rejected],
    )


def _vehicle(session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID) -> Vehicle:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound()
    if principal.role is Role.owner:
        owner = customers.get_by_user(session, principal.user_id)
        if owner is None or owner.id != vehicle.owner_id:
            raise NotFound()
    elif not has_permission(principal.role, Permission.customers_read):
        raise NotFound()
    return vehicle


def device_read(device: Device) -> DeviceRead:
    return DeviceRead(
        id=device.id,
        device_no=device.device_no,
        vehicle_id=device.vehicle_id,
        kind=device.kind.value,
        status=device.status.value,
        last_seen_at=device.last_seen_at,
        last_seq=device.last_seq,
    )


@router.post("/vehicles/{vehicle_id}/devices", response_model=DeviceCreated, status_code=201)
def register_device(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    vehicle_id: uuid.UUID,
    body: DeviceCreate,
) -> DeviceCreated:
    """Register a device for the car; the secret is in this response only."""
    vehicle = _vehicle(session, principal, vehicle_id)
    device, secret = devices.register(session, actor_of(principal, info), vehicle.id, body.kind)
    return DeviceCreated(**device_read(device).model_dump(), secret=secret)


@router.get("/vehicles/{vehicle_id}/devices", response_model=list[DeviceRead])
def list_devices(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> list[DeviceRead]:
    vehicle = _vehicle(session, principal, vehicle_id)
    return [device_read(d) for d in devices.of_vehicle(session, vehicle.id)]


@router.post("/devices/{device_id}/revoke", response_model=DeviceRead)
def revoke_device(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, device_id: uuid.UUID
) -> DeviceRead:
    device = devices.get_or_raise(session, device_id)
    _vehicle(session, principal, device.vehicle_id)
    return device_read(devices.revoke(session, actor_of(principal, info), device))


@router.get("/vehicles/{vehicle_id}/state", response_model=VehicleStateRead)
def vehicle_state(
    session: DbSession, principal: ApiPrincipal, vehicle_id: uuid.UUID
) -> VehicleStateRead:
    """The car's latest telemetry (what the last reading of each signal said)."""
    vehicle = _vehicle(session, principal, vehicle_id)
    state = session.get(VehicleState, vehicle.id)
    if state is None:
        raise NotFound()
    return VehicleStateRead(
        vehicle_id=state.vehicle_id,
        device_time=state.device_time,
        lat=state.lat,
        lng=state.lng,
        signals=state.signals,
    )
