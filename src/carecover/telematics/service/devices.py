"""The device registry: register a device to a car (its secret is shown once), authenticate a
device, revoke it. Secrets are 128 random bits, stored as SHA-256 and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.customers import repository as customers
from carecover.platform.audit import service as audit
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, Forbidden, InvalidFields, NotFound
from carecover.telematics.enums import DeviceKind, DeviceStatus, RejectReason
from carecover.telematics.models import Device
from carecover.telematics.service.payload import PayloadRejected
from carecover.vehicles.models import Vehicle


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _may_manage(session: Session, actor: Actor, vehicle: Vehicle) -> bool:
    if actor.role is None:
        return actor.user_id is None  # the platform itself (seed, simulator)
    if has_permission(actor.role, Permission.customers_manage):
        return True
    if actor.role is Role.owner and actor.user_id is not None:
        owner = customers.get_by_user(session, actor.user_id)
        return owner is not None and owner.id == vehicle.owner_id
    return False


def register(
    session: Session, actor: Actor, vehicle_id: uuid.UUID, kind: DeviceKind
) -> tuple[Device, str]:
    """A new device for the car; returns it with its secret (shown once, never stored)."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise InvalidFields(FieldProblem("vehicle_id", "telematics.vehicle_unknown"))
    if not _may_manage(session, actor, vehicle):
        raise Forbidden()
    secret = secrets.token_urlsafe(16)
    device = Device(
        device_no=f"D{secrets.token_hex(8).upper()}",
        vehicle_id=vehicle.id,
        kind=kind,
        status=DeviceStatus.active,
        secret_hash=_hash(secret),
    )
    session.add(device)
    session.flush()
    audit.record(
        session,
        actor,
        "telematics.device_registered",
        object_type="device",
        object_id=device.id,
        details={"device_no": device.device_no, "kind": kind.value},
    )
    return device, secret


def revoke(session: Session, actor: Actor, device: Device) -> Device:
    vehicle = session.get(Vehicle, device.vehicle_id)
    if vehicle is None or not _may_manage(session, actor, vehicle):
        raise Forbidden()
    if device.status is not DeviceStatus.revoked:
        device.status, device.revoked_at = DeviceStatus.revoked, utc_now()
        audit.record(
            session,
            actor,
            "telematics.device_revoked",
            object_type="device",
            object_id=device.id,
            details={"device_no": device.device_no},
        )
    return device


def by_no(session: Session, device_no: str) -> Device | None:
    return session.scalars(select(Device).where(Device.device_no == device_no)).first()


def by_nos(session: Session, device_nos: Sequence[str]) -> Sequence[Device]:
    """The devices of a batch in one query, in id order (so every worker locks them alike)."""
    return session.scalars(
        select(Device).where(Device.device_no.in_(device_nos)).order_by(Device.id)
    ).all()


def authenticate(session: Session, device_no: str, secret: str) -> Device:
    """The active device with this id and secret, or a PayloadRejected naming why not."""
    device = by_no(session, device_no)
    if device is None:
        _hash(secret)  # same work either way
        raise PayloadRejected(RejectReason.unknown_device, "no device has this id")
    if not hmac.compare_digest(device.secret_hash, _hash(secret)):
        raise PayloadRejected(RejectReason.bad_credentials, "wrong device secret")
    if device.status is not DeviceStatus.active:
        raise PayloadRejected(RejectReason.revoked_device, "the device was revoked")
    return device


def of_vehicle(session: Session, vehicle_id: uuid.UUID) -> Sequence[Device]:
    return session.scalars(select(Device).where(Device.vehicle_id == vehicle_id)).all()


def get_or_raise(session: Session, device_id: uuid.UUID) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound()
    return device
