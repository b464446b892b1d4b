"""Telematics pages: the owner's car health (latest readings, alerts with their next step, the
car's devices) and the staff alert stream with ingest health."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, select

from carecover.customers import repository as customers
from carecover.platform.auth.roles import Permission
from carecover.platform.clock import utc_now
from carecover.platform.errors import AppError, NotFound
from carecover.platform.web.deps import CheckedContext, OwnerPage, WebContext, permission_required
from carecover.telematics.enums import DeviceKind
from carecover.telematics.models import Alert, Device, Reading, RejectedReading, VehicleState
from carecover.telematics.service import devices
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)
FleetDesk = Annotated[WebContext, permission_required(Permission.customers_read)]


def _car(ctx: WebContext, vehicle_id: uuid.UUID) -> Vehicle:
    car = ctx.session.get(Vehicle, vehicle_id)
    owner = customers.get_by_user(ctx.session, ctx.principal.user_id) if ctx.principal else None
    if car is None or owner is None or car.owner_id != owner.id:
        raise NotFound()
    return car


def _health(
    ctx: WebContext,
    car: Vehicle,
    *,
    secret: str | None = None,
    new_device: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    alerts = ctx.session.scalars(
        select(Alert).where(Alert.vehicle_id == car.id).order_by(Alert.raised_at.desc()).limit(20)
    ).all()
    return ctx.render(
        "telematics/health.html",
        car=car,
        state=ctx.session.get(VehicleState, car.id),
        alerts=alerts,
        devices=devices.of_vehicle(ctx.session, car.id),
        kinds=list(DeviceKind),
        secret=secret,
        new_device=new_device,
        error=error,
        status_code=status_code,
    )


@router.get("/owner/cars/{vehicle_id}/health", response_model=None)
def car_health(ctx: OwnerPage, vehicle_id: uuid.UUID) -> Response:
    return _health(ctx, _car(ctx, vehicle_id))


@router.post("/owner/cars/{vehicle_id}/devices", response_model=None)
async def add_device(ctx: CheckedContext, vehicle_id: uuid.UUID) -> Response:
    """Register a device; its secret is shown on this response only."""
    car = _car(ctx, vehicle_id)
    form = await ctx.request.form()
    kind = str(form.get("kind") or "")
    try:
        if kind not in DeviceKind.__members__:
            raise NotFound()
        device, secret = devices.register(ctx.session, ctx.actor(), car.id, DeviceKind(kind))
    except AppError as exc:
        ctx.session.rollback()
        return _health(ctx, car, error=ctx.t(f"error.{exc.code}"), status_code=422)
    return _health(ctx, car, secret=secret, new_device=device.device_no)


@router.get("/staff/telematics", response_model=None)
def fleet(ctx: FleetDesk) -> Response:
    since = utc_now() - timedelta(hours=24)
    alerts = ctx.session.execute(
        select(Alert, Vehicle.vin)
        .join(Vehicle, Vehicle.id == Alert.vehicle_id)
        .order_by(Alert.created_at.desc())
        .limit(100)
    ).all()
    rejects = ctx.session.execute(
        select(RejectedReading.reason, func.count())
        .where(RejectedReading.received_at >= since)
        .group_by(RejectedReading.reason)
    ).all()
    readings = ctx.session.scalar(
        select(func.count()).select_from(Reading).where(Reading.received_at >= since)
    )
    device_count = ctx.session.scalar(select(func.count()).select_from(Device))
    return ctx.render(
        "telematics/fleet.html",
        alerts=alerts,
        rejects=sorted((r.value, n) for r, n in rejects),
        readings=int(readings or 0),
        device_count=int(device_count or 0),
    )
