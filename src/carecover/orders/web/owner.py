"""The owner's rescue: ask for help in two taps (pick the car's trouble, confirm), then follow the
unit on a live tracking page; the list of the owner's orders.

The location is the car's last telematics position when there is one, otherwise the browser's
(``orders-map.js`` asks the device), and the owner can move it on the map or type it. Each
button shows whether the package covers the service or what it costs; a paid service needs the
accept-price box ticked (the service refuses it otherwise, and the page says so).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from carecover.benefits import service as benefits
from carecover.benefits.enums import ServiceType
from carecover.customers import repository as customers
from carecover.orders.enums import OrderChannel, OrderStatus
from carecover.orders.errors import DuplicateOrder
from carecover.orders.models import ServiceOrder
from carecover.orders.service import board, dispatching, steps, units
from carecover.orders.service import orders as order_service
from carecover.orders.service.orders import ELECTRIC, OrderRequest
from carecover.orders.web.common import (
    CAR_COLOUR,
    CheckedOwner,
    FormProblem,
    error_text,
    form_point,
    form_uuid,
    render,
    text,
    unit_marker,
)
from carecover.partners.models import PartnerLocation
from carecover.platform.clock import utc_now
from carecover.platform.errors import AppError, Forbidden
from carecover.platform.web.deps import OwnerPage, WebContext
from carecover.telematics.models import VehicleState
from carecover.vehicles.models import Vehicle

router = APIRouter(include_in_schema=False)

RESCUE = (
    ServiceType.tow,
    ServiceType.jump_start,
    ServiceType.tyre_change,
    ServiceType.emergency_charging,
    ServiceType.lockout,
    ServiceType.designated_driver,
    ServiceType.parking_voucher,
)
"""The big buttons, in this order (emergency charging for electric cars only; a parking voucher
is issued at once, nothing drives out)."""


def _customer_id(ctx: WebContext) -> uuid.UUID:
    assert ctx.principal is not None  # the face check ran
    customer = customers.get_by_user(ctx.session, ctx.principal.user_id)
    if customer is None:
        raise Forbidden()
    return customer.id


def _cars(ctx: WebContext) -> list[Vehicle]:
    return list(
        ctx.session.scalars(
            select(Vehicle)
            .where(Vehicle.owner_id == _customer_id(ctx))
            .order_by(Vehicle.created_at, Vehicle.vin)
        )
    )


def _pick(cars: list[Vehicle], wanted: str | None) -> Vehicle | None:
    for car in cars:
        if str(car.id) == (wanted or ""):
            return car
    return cars[0] if cars else None


def _options(ctx: WebContext, car: Vehicle) -> list[dict[str, Any]]:
    now = utc_now()
    out = []
    for service in RESCUE:
        if service is ServiceType.emergency_charging and car.powertrain not in ELECTRIC:
            continue
        # A per-incident quota counts each breakdown afresh: this one is a new incident.
        decision = benefits.check(
            ctx.session, car.id, service, at=now, incident_ref=f"preview:{car.id}"
        )
        out.append(
            {"service": service.value, "covered": decision.covered, "price_fen": decision.price_fen}
        )
    return out


def _rescue_page(
    ctx: WebContext,
    wanted: str | None,
    *,
    form: FormData | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    cars = _cars(ctx)
    car = _pick(cars, wanted)
    state = ctx.session.get(VehicleState, car.id) if car is not None else None
    known = state is not None and state.lat is not None and state.lng is not None
    lat = text(form, "lat", 32) if form else (f"{state.lat:.6f}" if known and state else "")
    lng = text(form, "lng", 32) if form else (f"{state.lng:.6f}" if known and state else "")
    open_orders = []
    if car is not None:
        open_orders = [
            o
            for o in ctx.session.scalars(
                select(ServiceOrder)
                .where(ServiceOrder.vehicle_id == car.id, ServiceOrder.status.in_(board.OPEN))
                .order_by(ServiceOrder.requested_at.desc())
            )
        ]
    return render(
        ctx,
        "orders/rescue.html",
        status_code=status_code,
        cars=cars,
        car=car,
        options=_options(ctx, car) if car is not None else [],
        position=state if known else None,
        lat=lat,
        lng=lng,
        note=text(form, "note", 500) if form else "",
        accept_price=bool(form and form.get("accept_price")),
        open_orders=open_orders,
        error=error,
    )


@router.get("/owner/rescue", response_model=None)
def rescue_page(ctx: OwnerPage) -> Response:
    return _rescue_page(ctx, ctx.request.query_params.get("vehicle"))


@router.post("/owner/rescue", response_model=None)
async def request_rescue(ctx: CheckedOwner) -> Response:
    form = await ctx.request.form()
    wanted = text(form, "vehicle_id", 64)
    try:
        vehicle_id = form_uuid(form, "vehicle_id")
        service_text = text(form, "service", 40)
        if service_text not in {s.value for s in RESCUE}:
            raise FormProblem("service")
        lat, lng = form_point(form)
        order = dispatching.submit(
            ctx.session,
            ctx.actor(),
            OrderRequest(
                vehicle_id=vehicle_id,
                service=ServiceType(service_text),
                lat=lat,
                lng=lng,
                channel=OrderChannel.app,
                note=text(form, "note", 500) or None,
                accept_price=bool(form.get("accept_price")),
            ),
            now=utc_now(),
        )
    except DuplicateOrder as exc:  # the second tap: the first order stands
        ctx.session.rollback()
        return RedirectResponse(f"/owner/orders/{exc.order_id}", status_code=303)
    except AppError as exc:
        ctx.session.rollback()
        return _rescue_page(
            ctx, wanted, form=form, error=error_text(ctx, exc), status_code=exc.status_code
        )
    return RedirectResponse(f"/owner/orders/{order.id}", status_code=303)


@router.get("/owner/orders", response_model=None)
def my_orders(ctx: OwnerPage) -> Response:
    rows = order_service.of_customer(ctx.session, _customer_id(ctx), limit=50)
    cars = {c.id: c for c in _cars(ctx)}
    return render(ctx, "orders/owner_orders.html", rows=rows, cars=cars)


def tracking(ctx: WebContext, order_id: uuid.UUID) -> dict[str, Any]:
    """Everything the tracking page and its 5-second partial show."""
    order = order_service.get_for(ctx.session, ctx.actor(), order_id)
    now = utc_now()
    unit = board.working_unit(ctx.session, order)
    working = unit if order.unit_id is not None else None
    markers: list[dict[str, Any]] = [
        {
            "lat": order.lat,
            "lng": order.lng,
            "colour": CAR_COLOUR,
            "radius": 8,
            "kind": "car",
            "label": ctx.t("orders.web.track.car_here"),
        }
    ]
    if unit is not None and not order.status.is_final:
        markers.append(unit_marker(ctx, unit) | {"label": unit.call_sign})
    shop = (
        ctx.session.get(PartnerLocation, order.fallback_location_id)
        if order.fallback_location_id is not None
        else None
    )
    return {
        "order": order,
        "car": ctx.session.get(Vehicle, order.vehicle_id),
        "unit": working,
        "phone": units.masked_phone(working) if working is not None else None,
        "eta_s": board.live_eta_s(order, unit, now),
        "events": order_service.timeline(ctx.session, order.id),
        "cancellable": order.status in steps.CANCELLABLE,
        "replacement": order.replacement_offered and order.status is not OrderStatus.cancelled,
        "shop": shop,
        "points": {"markers": markers},
    }


@router.get("/owner/orders/{order_id}", response_model=None)
def track(ctx: OwnerPage, order_id: uuid.UUID) -> Response:
    return render(ctx, "orders/track.html", **tracking(ctx, order_id))


@router.get("/owner/orders/{order_id}/live", response_model=None)
def track_live(ctx: OwnerPage, order_id: uuid.UUID) -> Response:
    return render(ctx, "orders/_track_live.html", **tracking(ctx, order_id))


@router.post("/owner/orders/{order_id}/cancel", response_model=None)
async def cancel(ctx: CheckedOwner, order_id: uuid.UUID) -> Response:
    form = await ctx.request.form()
    try:
        reason = text(form, "reason")
        if not reason:
            raise FormProblem("reason")
        steps.cancel(ctx.session, ctx.actor(), order_id, reason=reason, now=utc_now())
    except AppError as exc:
        ctx.session.rollback()
        return render(
            ctx,
            "orders/track.html",
            status_code=exc.status_code,
            error=error_text(ctx, exc),
            **tracking(ctx, order_id),
        )
    return RedirectResponse(f"/owner/orders/{order_id}", status_code=303)


@router.post("/owner/orders/{order_id}/replacement-car", response_model=None)
async def take_replacement_car(ctx: CheckedOwner, order_id: uuid.UUID) -> Response:
    """A premium car's owner takes up the replacement car offered with its tow (C3)."""
    try:
        car = steps.replacement_car(ctx.session, ctx.actor(), order_id, now=utc_now())
    except AppError as exc:
        ctx.session.rollback()
        return render(
            ctx,
            "orders/track.html",
            status_code=exc.status_code,
            error=error_text(ctx, exc),
            **tracking(ctx, order_id),
        )
    return RedirectResponse(f"/owner/orders/{car.id}", status_code=303)
