"""Service orders API: the owner (or a dispatcher on the phone) requests help and tracks it; the
partner answers offers, reports steps and posts its units' positions; the dispatcher assigns.
Someone else's order or unit answers 404; every refusal is problem+json with a stable code."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from carecover.customers import repository as customers
from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.models import Offer, ProviderUnit, ServiceOrder
from carecover.orders.schemas import (
    Assignment,
    DutyPost,
    EventRead,
    OfferAnswer,
    OfferRead,
    OrderCancel,
    OrderCreate,
    OrderDetail,
    OrderRead,
    OrderStep,
    PositionPost,
    TrackingUnit,
    UnitRead,
)
from carecover.orders.service import board, dispatching, steps, units
from carecover.orders.service.orders import OrderRequest, get_for, timeline
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.clock import utc_now
from carecover.platform.errors import Forbidden
from carecover.platform.http.deps import ApiPrincipal, DbSession, ReqInfo, actor_of, require

router = APIRouter(tags=["orders"])
Dispatcher = Depends(require(Permission.dispatch_manage))
PartnerUser = Depends(require(Permission.partner_portal))


def tracking_unit(
    order: ServiceOrder, unit: ProviderUnit | None, now: datetime
) -> TrackingUnit | None:
    """The unit on its way (or holding the offer), as the owner sees it: position, masked
    phone, ETA from its last position."""
    if order.status not in (
        OrderStatus.offered,
        OrderStatus.accepted,
        OrderStatus.en_route,
        OrderStatus.on_site,
    ):
        return None
    if unit is None:
        return None
    return TrackingUnit(
        call_sign=unit.call_sign,
        kind=unit.kind,
        driver_name=unit.driver_name,
        driver_phone=units.masked_phone(unit),
        lat=unit.lat,
        lng=unit.lng,
        position_at=unit.position_at,
        eta_s=board.live_eta_s(order, unit, now),
    )


def detail(session: DbSession, order: ServiceOrder) -> OrderDetail:
    unit = board.working_unit(session, order)
    base = OrderRead.model_validate(order).model_dump()
    if order.unit_id is None and unit is not None:  # offered, not yet accepted: show it coming
        base["unit_id"] = unit.id
    return OrderDetail(
        **base,
        timeline=[EventRead.model_validate(e) for e in timeline(session, order.id)],
        unit=tracking_unit(order, unit, utc_now()),
    )


@router.post("/orders", status_code=201, response_model=OrderDetail)
def create_order(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, body: OrderCreate
) -> OrderDetail:
    """Request help for a car. 409 ``order_duplicate`` (with the first order) on a second tap
    within the minute; 422 ``order_outside_service_area`` for a point in the sea or abroad."""
    request = OrderRequest(
        vehicle_id=body.vehicle_id,
        service=body.service,
        lat=body.lat,
        lng=body.lng,
        channel=body.channel,
        note=body.note,
        accept_price=body.accept_price,
    )
    order = dispatching.submit(session, actor_of(principal, info), request, now=utc_now())
    return detail(session, order)


@router.get("/orders", response_model=list[OrderRead])
def list_orders(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    city: str | None = Query(default=None, max_length=6),
    open_only: bool = True,
    limit: int = Query(default=100, ge=1, le=500),
) -> list[OrderRead]:
    """The owner's own orders; for staff, a city's orders (open ones by default)."""
    statement = select(ServiceOrder).order_by(ServiceOrder.requested_at.desc()).limit(limit)
    if principal.role is Role.owner:
        owner = customers.get_by_user(session, principal.user_id)
        if owner is None:
            return []
        statement = statement.where(ServiceOrder.customer_id == owner.id)
    elif principal.role in (Role.partner_admin, Role.partner_staff):
        partner = units.partner_of(session, actor_of(principal, info))
        statement = statement.where(ServiceOrder.partner_id == partner.id)
    elif city is not None:
        statement = statement.where(ServiceOrder.city_adcode == city)
    if open_only and principal.role is not Role.owner:
        statement = statement.where(
            ServiceOrder.status.in_(
                [
                    OrderStatus.requested,
                    OrderStatus.offered,
                    *(s for s in OrderStatus if s.is_active),
                ]
            )
        )
    return [OrderRead.model_validate(o) for o in session.scalars(statement)]


@router.get("/orders/{order_id}", response_model=OrderDetail)
def read_order(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, order_id: uuid.UUID
) -> OrderDetail:
    """The order with its timeline and, while a unit is on its way, where it is and its ETA."""
    return detail(session, get_for(session, actor_of(principal, info), order_id))


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel_order(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    order_id: uuid.UUID,
    body: OrderCancel,
) -> OrderRead:
    order = steps.cancel(
        session, actor_of(principal, info), order_id, reason=body.reason, now=utc_now()
    )
    return OrderRead.model_validate(order)


@router.post("/orders/{order_id}/replacement-car", status_code=201, response_model=OrderRead)
def take_replacement_car(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, order_id: uuid.UUID
) -> OrderRead:
    """A premium car's owner takes up the replacement car offered with its tow (C3)."""
    order = steps.replacement_car(session, actor_of(principal, info), order_id, now=utc_now())
    return OrderRead.model_validate(order)


@router.post("/orders/{order_id}/fulfil", response_model=OrderRead, dependencies=[Dispatcher])
def fulfil_order(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    order_id: uuid.UUID,
    body: OrderCancel,
) -> OrderRead:
    """Staff close a replacement-car order with what was arranged (``reason``: the note)."""
    order = steps.fulfil(
        session, actor_of(principal, info), order_id, now=utc_now(), note_text=body.reason
    )
    return OrderRead.model_validate(order)


@router.post("/orders/{order_id}/steps", response_model=OrderRead, dependencies=[PartnerUser])
def step_order(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, order_id: uuid.UUID, body: OrderStep
) -> OrderRead:
    """The working partner: en route, on site, completed, no-show, gone on arrival."""
    end = (
        (body.end_lat, body.end_lng)
        if body.end_lat is not None and body.end_lng is not None
        else None
    )
    order = steps.step(
        session,
        actor_of(principal, info),
        order_id,
        body.status,
        now=utc_now(),
        reason=body.reason,
        end_at=end,
    )
    return OrderRead.model_validate(order)


@router.post("/orders/{order_id}/assign", response_model=OfferRead, dependencies=[Dispatcher])
def assign_unit(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    order_id: uuid.UUID,
    body: Assignment,
) -> OfferRead:
    """A dispatcher sends this unit; 409 ``order_unit_unavailable`` if it was just taken."""
    offer = steps.assign(session, actor_of(principal, info), order_id, body.unit_id, now=utc_now())
    return OfferRead.model_validate(offer)


@router.get("/offers", response_model=list[OfferRead], dependencies=[PartnerUser])
def my_offers(session: DbSession, principal: ApiPrincipal, info: ReqInfo) -> list[OfferRead]:
    """The partner's open offers, soonest to expire first."""
    partner = units.partner_of(session, actor_of(principal, info))
    rows = session.scalars(
        select(Offer)
        .where(Offer.partner_id == partner.id, Offer.outcome == OfferOutcome.pending)
        .order_by(Offer.expires_at)
    )
    return [OfferRead.model_validate(o) for o in rows]


@router.post("/offers/{offer_id}/answer", response_model=OfferRead, dependencies=[PartnerUser])
def answer_offer(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    offer_id: uuid.UUID,
    body: OfferAnswer,
) -> OfferRead:
    """Accept or decline. 403 ``order_offer_not_yours``; 409 ``order_offer_closed`` once it
    expired or was answered."""
    offer = steps.answer(
        session,
        actor_of(principal, info),
        offer_id,
        accept=body.accept,
        now=utc_now(),
        reason=body.reason,
    )
    return OfferRead.model_validate(offer)


@router.get("/units", response_model=list[UnitRead])
def list_units(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    city: str | None = Query(default=None, max_length=6),
) -> list[UnitRead]:
    """A partner's own units; staff see a city's."""
    statement = select(ProviderUnit).order_by(ProviderUnit.call_sign)
    if principal.role in (Role.partner_admin, Role.partner_staff):
        statement = statement.where(
            ProviderUnit.partner_id == units.partner_of(session, actor_of(principal, info)).id
        )
    elif principal.role is Role.owner:
        raise Forbidden()
    elif city is not None:
        statement = statement.where(ProviderUnit.city_adcode == city)
    return [UnitRead.model_validate(u) for u in session.scalars(statement.limit(5_000))]


@router.post("/units/{unit_id}/position", response_model=UnitRead, dependencies=[PartnerUser])
def post_position(
    session: DbSession,
    principal: ApiPrincipal,
    info: ReqInfo,
    unit_id: uuid.UUID,
    body: PositionPost,
) -> UnitRead:
    """A unit's GPS fix; 422 ``order_stale_position`` for one older than the last or from the
    future."""
    unit = units.own_unit(session, actor_of(principal, info), unit_id)
    units.post_position(
        session, unit, lat=body.lat, lng=body.lng, at=body.at, now=utc_now(), heading=body.heading
    )
    return UnitRead.model_validate(unit)


@router.post("/units/{unit_id}/duty", response_model=UnitRead, dependencies=[PartnerUser])
def set_duty(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo, unit_id: uuid.UUID, body: DutyPost
) -> UnitRead:
    unit = units.own_unit(session, actor_of(principal, info), unit_id)
    units.set_duty(session, unit, on_duty=body.on_duty)
    return UnitRead.model_validate(unit)
