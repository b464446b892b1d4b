"""Vehicle use cases: register with VIN and plate checks, odometer readings, owner access."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.customers import repository as customer_repo
from carecover.platform import audit
from carecover.platform.auth.roles import PARTNER_ROLES, Role
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.cn import InvalidIdentifier, validate_plate, validate_vin
from carecover.platform.context import Actor
from carecover.platform.crypto import FieldRef, get_cipher, mask_plate
from carecover.platform.errors import (
    DuplicateField,
    FieldProblem,
    Forbidden,
    InvalidFields,
    NotFound,
)
from carecover.platform.events import publish
from carecover.platform.ids import new_id
from carecover.vehicles.enums import Usage
from carecover.vehicles.events import VehicleRegistered
from carecover.vehicles.models import OdometerReading, Vehicle
from carecover.vehicles.schemas import OdometerCreate, VehicleCreate, VehicleDetail, VehicleRead

PRIVATE_USES = (Usage.private, Usage.ride_hailing)


def check(data: VehicleCreate) -> tuple[str, str | None, bool]:
    """Validate identifiers and consistency; returns (vin, plate, green plate?)."""
    problems: list[FieldProblem] = []
    vin = plate = None
    green = False
    try:
        vin = validate_vin(data.vin)
    except InvalidIdentifier as exc:
        problems.append(FieldProblem("vin", exc.code, exc.params))
    if data.plate:
        try:
            parsed = validate_plate(data.plate, private_use=data.usage in PRIVATE_USES)
            plate, green = parsed.number, parsed.is_nev
        except InvalidIdentifier as exc:
            problems.append(FieldProblem("plate", exc.code, exc.params))
    if data.powertrain.is_electrified and data.battery_kwh is None:
        problems.append(FieldProblem("battery_kwh", "vehicle.battery_required"))
    if not data.powertrain.is_electrified and data.battery_kwh is not None:
        problems.append(FieldProblem("battery_kwh", "vehicle.battery_not_allowed"))
    if plate and green and not data.powertrain.is_nev:
        problems.append(FieldProblem("plate", "vehicle.green_plate_needs_nev"))
    this_year = utc_now().year
    if data.model_year > this_year + 1:
        problems.append(
            FieldProblem("model_year", "vehicle.model_year_future", {"max": this_year + 1})
        )
    if data.purchase_date and data.purchase_date > utc_now().date():
        problems.append(FieldProblem("purchase_date", "vehicle.purchase_date_future"))
    if problems:
        raise InvalidFields(*problems)
    assert vin is not None  # no problems means the VIN parsed
    return vin, plate, green


def plate_ref(vehicle_id: uuid.UUID) -> FieldRef:
    return FieldRef("vehicles", "plate", str(vehicle_id))


def build_vehicle(data: VehicleCreate, *, vehicle_id: uuid.UUID) -> Vehicle:
    """A validated Vehicle row, not yet added (the bulk seed uses this too)."""
    vin, plate, green = check(data)
    cipher = get_cipher()
    vehicle = Vehicle(
        id=vehicle_id,
        vin=vin,
        owner_id=data.owner_id,
        make=data.make,
        model=data.model,
        model_year=data.model_year,
        powertrain=data.powertrain,
        battery_kwh=data.battery_kwh,
        usage=data.usage,
        purchase_date=data.purchase_date,
        purchase_price_fen=data.purchase_price_fen,
        is_green_plate=green,
    )
    if plate:
        vehicle.plate_enc = cipher.encrypt(plate, plate_ref(vehicle_id))
        vehicle.plate_bidx = cipher.blind_index(plate, purpose="plate")
        vehicle.plate_province = plate[0]
    return vehicle


def register(session: Session, actor: Actor, data: VehicleCreate) -> Vehicle:
    """Register a car for an existing customer; one VIN and one plate, one vehicle."""
    if customer_repo.get(session, data.owner_id) is None:
        raise InvalidFields(FieldProblem("owner_id", "vehicle.owner_unknown"))
    vehicle = build_vehicle(data, vehicle_id=new_id())
    if session.scalars(select(Vehicle.id).where(Vehicle.vin == vehicle.vin)).first():
        raise DuplicateField("vin")
    if (
        vehicle.plate_bidx
        and session.scalars(
            select(Vehicle.id).where(Vehicle.plate_bidx == vehicle.plate_bidx)
        ).first()
    ):
        raise DuplicateField("plate")
    session.add(vehicle)
    session.flush()
    audit.record(session, actor, "vehicles.registered", object_type="vehicle", object_id=vehicle.id)
    publish(
        session,
        VehicleRegistered(
            vehicle_id=vehicle.id, owner_id=vehicle.owner_id, powertrain=vehicle.powertrain.value
        ),
        request_id=actor.request_id,
    )
    return vehicle


def get_or_raise(session: Session, vehicle_id: uuid.UUID) -> Vehicle:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound()
    return vehicle


def ensure_can_read(session: Session, actor: Actor, vehicle: Vehicle) -> None:
    """Owners see their own cars only; partner access comes with orders (later issues)."""
    if actor.role is Role.owner:
        owner = customer_repo.get_by_user(session, actor.user_id) if actor.user_id else None
        if owner is None or owner.id != vehicle.owner_id:
            raise NotFound()
    elif actor.role in PARTNER_ROLES:
        raise Forbidden()


def find_by_plate(session: Session, plate: str) -> Vehicle | None:
    try:
        number = validate_plate(plate, private_use=False).number
    except InvalidIdentifier:
        return None
    bidx = get_cipher().blind_index(number, purpose="plate")
    return session.scalars(select(Vehicle).where(Vehicle.plate_bidx == bidx)).first()


def find_by_vin(session: Session, vin: str) -> Vehicle | None:
    return session.scalars(select(Vehicle).where(Vehicle.vin == vin.strip().upper())).first()


def latest_reading(session: Session, vehicle_id: uuid.UUID) -> OdometerReading | None:
    return session.scalars(
        select(OdometerReading)
        .where(OdometerReading.vehicle_id == vehicle_id)
        .order_by(OdometerReading.read_at.desc())
        .limit(1)
    ).first()


def latest_km(session: Session, vehicle_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The latest odometer reading of many vehicles in one query (for lists)."""
    if not vehicle_ids:
        return {}
    newest = (
        select(OdometerReading.vehicle_id, func.max(OdometerReading.read_at).label("at"))
        .where(OdometerReading.vehicle_id.in_(vehicle_ids))
        .group_by(OdometerReading.vehicle_id)
        .subquery()
    )
    rows = session.execute(
        select(OdometerReading.vehicle_id, OdometerReading.km).join(
            newest,
            (OdometerReading.vehicle_id == newest.c.vehicle_id)
            & (OdometerReading.read_at == newest.c.at),
        )
    )
    return {vehicle_id: km for vehicle_id, km in rows}


def record_odometer(
    session: Session, actor: Actor, vehicle: Vehicle, data: OdometerCreate
) -> OdometerReading:
    """Add a reading; it may not be lower than an earlier one nor higher than a later one."""
    read_at = ensure_utc(data.read_at) if data.read_at else utc_now()
    if read_at > utc_now() + timedelta(minutes=5):
        raise InvalidFields(FieldProblem("read_at", "odometer.future"))
    before = session.scalars(
        select(OdometerReading)
        .where(OdometerReading.vehicle_id == vehicle.id, OdometerReading.read_at <= read_at)
        .order_by(OdometerReading.read_at.desc())
        .limit(1)
    ).first()
    after = session.scalars(
        select(OdometerReading)
        .where(OdometerReading.vehicle_id == vehicle.id, OdometerReading.read_at > read_at)
        .order_by(OdometerReading.read_at)
        .limit(1)
    ).first()
    if before is not None and data.km < before.km:
        raise InvalidFields(FieldProblem("km", "odometer.decrease", {"previous": before.km}))
    if after is not None and data.km > after.km:
        raise InvalidFields(FieldProblem("km", "odometer.exceeds_later", {"later": after.km}))
    reading = OdometerReading(
        vehicle_id=vehicle.id, km=data.km, read_at=read_at, source=data.source
    )
    session.add(reading)
    session.flush()
    audit.record(
        session,
        actor,
        "vehicles.odometer_recorded",
        object_type="vehicle",
        object_id=vehicle.id,
        details={"km": data.km, "source": data.source.value},
    )
    return reading


def plate_of(vehicle: Vehicle) -> str | None:
    if vehicle.plate_enc is None:
        return None
    return get_cipher().decrypt(vehicle.plate_enc, plate_ref(vehicle.id))


def to_read(vehicle: Vehicle, odometer_km: int | None = None) -> VehicleRead:
    plate = plate_of(vehicle)
    return VehicleRead(
        id=vehicle.id,
        vin=vehicle.vin,
        plate_masked=mask_plate(plate) if plate else None,
        is_green_plate=vehicle.is_green_plate,
        owner_id=vehicle.owner_id,
        make=vehicle.make,
        model=vehicle.model,
        model_year=vehicle.model_year,
        powertrain=vehicle.powertrain,
        battery_kwh=vehicle.battery_kwh,
        usage=vehicle.usage,
        purchase_date=vehicle.purchase_date,
        purchase_price_fen=vehicle.purchase_price_fen,
        odometer_km=odometer_km,
        created_at=vehicle.created_at,
    )


def to_detail(vehicle: Vehicle, odometer_km: int | None = None) -> VehicleDetail:
    return VehicleDetail(**to_read(vehicle, odometer_km).model_dump(), plate=plate_of(vehicle))
