"""Vehicles API: register, find by plate or VIN, read, odometer readings; the owner's cars."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from carecover.customers import repository as customer_repo
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.auth.service import Principal
from carecover.platform.db.paging import fetch_page
from carecover.platform.errors import Forbidden
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require
from carecover.platform.pagination import Limit, Offset, Page
from carecover.vehicles import service
from carecover.vehicles.models import OdometerReading, Vehicle
from carecover.vehicles.schemas import (
    OdometerCreate,
    OdometerRead,
    VehicleCreate,
    VehicleDetail,
    VehicleRead,
)

router = APIRouter(tags=["vehicles"])

Reader = Annotated[Principal, Depends(require(Permission.customers_read), scope="function")]
Manager = Annotated[Principal, Depends(require(Permission.customers_manage), scope="function")]


def _km(session: DbSession, vehicle: Vehicle) -> int | None:
    return service.latest_km(session, [vehicle.id]).get(vehicle.id)


@router.post("/vehicles", response_model=VehicleRead, status_code=201)
def register(
    session: DbSession, principal: Manager, info: ReqInfo, body: VehicleCreate
) -> VehicleRead:
    return service.to_read(service.register(session, actor_of(principal, info), body))


@router.get("/vehicles", response_model=Page[VehicleRead])
def search(
    session: DbSession,
    _principal: Reader,
    plate: Annotated[str | None, Query(max_length=12)] = None,
    vin: Annotated[str | None, Query(max_length=17)] = None,
    owner_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[VehicleRead]:
    """Exact match on plate (blind index) or VIN, or a customer's cars, or a page of all."""
    if plate or vin:
        found = (
            service.find_by_plate(session, plate)
            if plate
            else service.find_by_vin(session, vin or "")
        )
        items = [service.to_read(found, _km(session, found))] if found else []
        return Page[VehicleRead](items=items, total=len(items), limit=limit, offset=0)
    query = select(Vehicle)
    if owner_id is not None:
        query = query.where(Vehicle.owner_id == owner_id)
    rows, total = fetch_page(
        session, query.order_by(Vehicle.created_at, Vehicle.id), limit=limit, offset=offset
    )
    km = service.latest_km(session, [v.id for v in rows])
    return Page[VehicleRead](
        items=[service.to_read(v, km.get(v.id)) for v in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/me/vehicles", response_model=list[VehicleDetail])
def my_vehicles(session: DbSession, principal: ApiPrincipal) -> list[VehicleDetail]:
    customer = customer_repo.get_by_user(session, principal.user_id)
    if customer is None:
        return []
    cars = session.scalars(
        select(Vehicle).where(Vehicle.owner_id == customer.id).order_by(Vehicle.created_at)
    ).all()
    km = service.latest_km(session, [v.id for v in cars])
    return [service.to_detail(v, km.get(v.id)) for v in cars]


@router.get("/vehicles/{vehicle_id}", response_model=VehicleRead | VehicleDetail)
def read(
    vehicle_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> VehicleRead:
    vehicle = service.get_or_raise(session, vehicle_id)
    service.ensure_can_read(session, actor_of(principal, info), vehicle)
    if principal.role is Role.owner:
        return service.to_detail(vehicle, _km(session, vehicle))
    return service.to_read(vehicle, _km(session, vehicle))


@router.get("/vehicles/{vehicle_id}/odometer", response_model=list[OdometerRead])
def odometer(
    vehicle_id: uuid.UUID, session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> list[OdometerRead]:
    vehicle = service.get_or_raise(session, vehicle_id)
    service.ensure_can_read(session, actor_of(principal, info), vehicle)
    rows = session.scalars(
        select(OdometerReading)
        .where(OdometerReading.vehicle_id == vehicle.id)
        .order_by(OdometerReading.read_at)
    )
    return [OdometerRead.model_validate(r) for r in rows]


@router.post("/vehicles/{vehicle_id}/odometer", response_model=OdometerRead, status_code=201)
def add_reading(
    vehicle_id: uuid.UUID,
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    body: OdometerCreate,
) -> OdometerRead:
    actor = actor_of(principal, info)
    vehicle = service.get_or_raise(session, vehicle_id)
    service.ensure_can_read(session, actor, vehicle)
    if principal.role is not Role.owner and not has_permission(
        principal.role, Permission.customers_manage
    ):
        raise Forbidden()
    return OdometerRead.model_validate(service.record_odometer(session, actor, vehicle, body))
