"""The device registry: register a device to a car (its secret is shown once), authenticate a
device, revoke it. Secrets are 128 random bits, stored as SHA-256 and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carecover.customers import repository as customers
from carecover.platform.audit import service as audit
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import ensure_utc, utc_now
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


class DeviceRef(msgspec.Struct, gc=False):
    """What the ingest reads of a device, without ORM bookkeeping (a batch holds hundreds);
    ``last_seq`` and ``last_seen_at`` are moved by the ingest when it saves them."""

    id: uuid.UUID
    vehicle_id: uuid.UUID
    device_no: str
    status: DeviceStatus
    last_seq: int | None
    last_seen_at: datetime | None

    def __post_init__(self) -> None:
        if self.last_seen_at is not None and self.last_seen_at.tzinfo is not UTC:
            self.last_seen_at = ensure_utc(self.last_seen_at)


_REF = (
    Device.id,
    Device.vehicle_id,
    Device.device_no,
    Device.status,
    Device.last_seq,
    Device.last_seen_at,
)
_PG_BY_NOS = text(
    "SELECT coalesce(json_agg(d ORDER BY d.id), '[]')::text FROM (SELECT id, vehicle_id,"
    " device_no, status, last_seq, last_seen_at FROM telematics_devices WHERE device_no ="
    " ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(:nos AS jsonb))))) AS d"
)
"""The devices as one JSON document (msgspec reads it in C); the numbers travel as a JSON array,
whatever characters a topic gave them."""
_DECODE_REFS = msgspec.json.Decoder(list[DeviceRef])


def by_nos(session: Session, device_nos: Sequence[str]) -> list[DeviceRef]:
    """The devices of a batch in one query, in id order (so every worker locks them alike)."""
    if session.get_bind().dialect.name == "postgresql":
        nos = msgspec.json.encode(list(device_nos)).decode()
        return _DECODE_REFS.decode(session.execute(_PG_BY_NOS, {"nos": nos}).scalar_one())
    rows = session.execute(
        select(*_REF).where(Device.device_no.in_(device_nos)).order_by(Device.id)
    )
    return [DeviceRef(*row) for row in rows]


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
