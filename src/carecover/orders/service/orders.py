"""Service orders: request (with the entitlement check and its use in the same transaction),
the steps a unit reports, cancellation, and the timeline.

A request is refused when its point is in the sea, abroad, or in a city where the network has
no rescue partner; a second tap for the same car and service within a minute finds the first
order (``DuplicateOrder``). What the package covers is free; otherwise the customer must accept
the market price first (``PriceNotAccepted``). ``dispatching.submit`` requests and dispatches.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.catalogue import MARKET_PRICE_FEN
from carecover.benefits.enums import ServiceType
from carecover.customers import repository as customers
from carecover.orders.catalogue import DISPATCHED
from carecover.orders.enums import OfferOutcome, OrderChannel, OrderStatus
from carecover.orders.errors import (
    DuplicateOrder,
    NotDispatched,
    OrderNotFound,
    OutsideServiceArea,
    PriceNotAccepted,
)
from carecover.orders.events import OrderRequested
from carecover.orders.models import Offer, OrderEvent, ProviderUnit, ServiceOrder
from carecover.partners.enums import PartnerStatus, PartnerType
from carecover.partners.models import Partner, PartnerLocation
from carecover.platform import audit
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden
from carecover.platform.events import publish
from carecover.platform.geo import city_by_adcode
from carecover.platform.geo.regeo import locate
from carecover.vehicles.enums import Powertrain
from carecover.vehicles.models import Vehicle

DUPLICATE_WINDOW = timedelta(seconds=60)
PREMIUM_PRICE_FEN = 40_000_000
"""A car bought for ¥400,000 or more is premium: a tow offers a replacement car (C3)."""
ELECTRIC = frozenset({Powertrain.bev, Powertrain.phev, Powertrain.fcev})
REQUESTABLE = DISPATCHED | {ServiceType.replacement_car, ServiceType.parking_voucher}
ISSUED_AT_ONCE = frozenset({ServiceType.parking_voucher})
"""Nothing goes to the roadside: the order completes with a voucher code at once."""
SERVING_TYPES = (PartnerType.rescue, PartnerType.repair_shop, PartnerType.designated_driver)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    vehicle_id: uuid.UUID
    service: ServiceType
    lat: float
    lng: float
    channel: OrderChannel = OrderChannel.app
    note: str | None = None
    accept_price: bool = False
    source_ref: str | None = None
    free: bool = False
    """The insurer pays whatever the package says (a charging failure's tow, D5)."""


def vehicle_for(session: Session, actor: Actor, vehicle_id: uuid.UUID) -> Vehicle:
    """The car, if the actor may ask for help for it: its owner, a dispatcher, the platform."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise OrderNotFound()
    if actor.role is None and actor.user_id is None:
        return vehicle
    if actor.role is Role.owner and actor.user_id is not None:
        owner = customers.get_by_user(session, actor.user_id)
        if owner is None or owner.id != vehicle.owner_id:
            raise OrderNotFound()  # someone else's car: as if it did not exist
        return vehicle
    if actor.role is not None and has_permission(actor.role, Permission.dispatch_manage):
        return vehicle
    raise Forbidden()


def _served_city(session: Session, lat: float, lng: float) -> tuple[str, int]:
    place = locate(lat, lng)
    if place is None:
        raise OutsideServiceArea(lat, lng)
    has_network = session.scalars(
        select(PartnerLocation.id)
        .join(Partner, Partner.id == PartnerLocation.partner_id)
        .where(
            PartnerLocation.city_adcode == place.city_adcode,
            PartnerLocation.is_active.is_(True),
            Partner.status == PartnerStatus.active,
            Partner.partner_type.in_(SERVING_TYPES),
        )
        .limit(1)
    ).first()
    units = session.scalars(
        select(ProviderUnit.id).where(ProviderUnit.city_adcode == place.city_adcode).limit(1)
    ).first()
    if has_network is None and units is None:
        raise OutsideServiceArea(lat, lng, place.city_adcode)
    city = city_by_adcode(place.city_adcode)
    return place.city_adcode, city.tier if city is not None else 3


def _number(now: datetime) -> str:
    return f"SO{now:%Y%m%d}{secrets.token_hex(4).upper()}"


def _recent(
    session: Session, vehicle_id: uuid.UUID, service: ServiceType, now: datetime
) -> ServiceOrder | None:
    return session.scalars(
        select(ServiceOrder)
        .where(
            ServiceOrder.vehicle_id == vehicle_id,
            ServiceOrder.service == service,
            ServiceOrder.requested_at > now - DUPLICATE_WINDOW,
            ServiceOrder.status.not_in([OrderStatus.cancelled]),
        )
        .order_by(ServiceOrder.requested_at.desc())
        .limit(1)
    ).first()


def request(session: Session, actor: Actor, req: OrderRequest, *, now: datetime) -> ServiceOrder:
    """Create an order and dispatch it. The entitlement use and the order commit together."""
    if req.service not in REQUESTABLE:
        raise NotDispatched(req.service.value)
    vehicle = vehicle_for(session, actor, req.vehicle_id)
    city_adcode, tier = _served_city(session, req.lat, req.lng)
    earlier = _recent(session, vehicle.id, req.service, now)
    if earlier is not None:
        raise DuplicateOrder(earlier.id, earlier.number)
    number = _number(now)
    decision = benefits.check(session, vehicle.id, req.service, at=now, incident_ref=number)
    if not decision.covered and not (req.accept_price or req.free):
        raise PriceNotAccepted(decision.price_fen, decision.reason)
    order = ServiceOrder(
        id=uuid.uuid4(),
        number=number,
        vehicle_id=vehicle.id,
        customer_id=vehicle.owner_id,
        service=req.service,
        channel=req.channel,
        status=OrderStatus.requested,
        lat=req.lat,
        lng=req.lng,
        city_adcode=city_adcode,
        tier=tier,
        note=(req.note or None) and req.note[:500],
        dedupe_key=f"{vehicle.id}:{req.service.value}:{int(now.timestamp()) // 60}",
        requested_by=actor.user_id,
        source_ref=req.source_ref,
        electric=vehicle.powertrain in ELECTRIC,
        premium=(vehicle.purchase_price_fen or 0) >= PREMIUM_PRICE_FEN,
        requested_at=now,
    )
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError:  # a concurrent twin got the minute's key first
        twin = _recent(session, vehicle.id, req.service, now)
        if twin is None:
            raise
        raise DuplicateOrder(twin.id, twin.number) from None
    if decision.covered:
        use = benefits.use(
            session, actor, vehicle.id, req.service, reference=number, at=now, incident_ref=number
        )
        order.covered, order.price_fen, order.entitlement_ref = True, use.price_fen, order.number
    elif req.free:
        order.covered, order.price_fen = True, 0
    else:
        use = benefits.use(
            session,
            actor,
            vehicle.id,
            req.service,
            reference=number,
            at=now,
            allow_paid=True,
            incident_ref=number,
        )
        order.price_fen, order.entitlement_ref = (
            use.price_fen or MARKET_PRICE_FEN[req.service],
            order.number,
        )
    order.replacement_offered = order.premium and req.service is ServiceType.tow
    note(
        session,
        order,
        "requested",
        now,
        actor,
        {"channel": req.channel.value, "covered": order.covered, "price_fen": order.price_fen},
    )
    if req.service in ISSUED_AT_ONCE:
        code = f"PV{secrets.token_hex(5).upper()}"
        order.status, order.finished_at = OrderStatus.completed, now
        order.final_reason = code
        note(session, order, "voucher_issued", now, actor, {"code": code})
    audit.record(
        session,
        actor,
        "orders.requested",
        object_type="service_order",
        object_id=order.id,
        details={"number": order.number, "service": req.service.value, "city": city_adcode},
    )
    publish(
        session,
        OrderRequested(
            order_id=order.id,
            vehicle_id=vehicle.id,
            service=req.service.value,
            channel=req.channel.value,
        ),
        request_id=actor.request_id,
    )
    return order


def note(
    session: Session,
    order: ServiceOrder,
    kind: str,
    now: datetime,
    actor: Actor | None = None,
    details: dict[str, Any] | None = None,
) -> OrderEvent:
    """One line on the order's timeline."""
    event = OrderEvent(
        order_id=order.id,
        at=now,
        kind=kind,
        status=order.status,
        actor_id=actor.user_id if actor else None,
        details=details or {},
    )
    session.add(event)
    return event


def get(session: Session, order_id: uuid.UUID) -> ServiceOrder:
    order = session.get(ServiceOrder, order_id)
    if order is None:
        raise OrderNotFound()
    return order


def get_for(session: Session, actor: Actor, order_id: uuid.UUID) -> ServiceOrder:
    """The order, if the actor may see it: the car's owner, the partner working it, staff."""
    order = get(session, order_id)
    if actor.role is Role.owner:
        vehicle_for(session, actor, order.vehicle_id)
        return order
    if actor.role in (Role.partner_admin, Role.partner_staff):
        from carecover.orders.service.units import partner_of

        partner = partner_of(session, actor)
        offered = session.scalars(
            select(Offer.id).where(Offer.order_id == order.id, Offer.partner_id == partner.id)
        ).first()
        if order.partner_id != partner.id and offered is None:
            raise OrderNotFound()
        return order
    if actor.role is not None and has_permission(actor.role, Permission.staff_console):
        return order
    if actor.role is None and actor.user_id is None:
        return order
    raise Forbidden()


def timeline(session: Session, order_id: uuid.UUID) -> list[OrderEvent]:
    return list(
        session.scalars(
            select(OrderEvent)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.at, OrderEvent.id)
        )
    )


def of_customer(session: Session, customer_id: uuid.UUID, limit: int = 20) -> list[ServiceOrder]:
    return list(
        session.scalars(
            select(ServiceOrder)
            .where(ServiceOrder.customer_id == customer_id)
            .order_by(ServiceOrder.requested_at.desc())
            .limit(limit)
        )
    )


def pending_offer(session: Session, order_id: uuid.UUID) -> Offer | None:
    return session.scalars(
        select(Offer).where(Offer.order_id == order_id, Offer.outcome == OfferOutcome.pending)
    ).first()
