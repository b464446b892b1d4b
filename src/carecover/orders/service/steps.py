"""What happens to an order after dispatch: the partner answers the offer, the unit reports its
steps, the owner or staff cancel, a dispatcher assigns a unit by hand.

The lifecycle: requested → offered → accepted → en route → on site → completed, or cancelled /
no-show / gone-on-arrival with a reason. Each step is time-stamped on the order and in its
timeline; a step out of order is refused (``TransitionRefused``), as is an answer to an offer the
partner was not given (``OfferNotYours``) or one that is no longer open (``OfferClosed``).
Cancelling before the unit is on site gives the package's use back; afterwards it stays used.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import DISPATCHED, kinds_for
from carecover.orders.enums import FINAL_STATUSES, OfferOutcome, OrderStatus, UnitStatus
from carecover.orders.errors import (
    OfferClosed,
    OfferNotFound,
    OfferNotYours,
    TransitionRefused,
    UnitNotSuitable,
    UnitUnavailable,
)
from carecover.orders.events import OrderCompleted, OrderStepped
from carecover.orders.models import Offer, RateCard, ServiceOrder
from carecover.orders.service import dispatching, matching, units
from carecover.orders.service.fleet_index import UnitSnapshot
from carecover.orders.service.matching import DispatchRequest
from carecover.orders.service.orders import get, note, pending_offer, vehicle_for
from carecover.platform import audit
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import ensure_utc
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden
from carecover.platform.events import publish
from carecover.platform.geo import Point, haversine_km

NEXT: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.accepted: frozenset({OrderStatus.en_route}),
    OrderStatus.en_route: frozenset({OrderStatus.on_site, OrderStatus.gone_on_arrival}),
    OrderStatus.on_site: frozenset(
        {OrderStatus.completed, OrderStatus.no_show, OrderStatus.gone_on_arrival}
    ),
}
NEEDS_REASON = frozenset({OrderStatus.no_show, OrderStatus.gone_on_arrival, OrderStatus.cancelled})
CANCELLABLE = frozenset(
    {OrderStatus.requested, OrderStatus.offered, OrderStatus.accepted, OrderStatus.en_route}
)


def answer(
    session: Session,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    accept: bool,
    now: datetime,
    reason: str | None = None,
) -> Offer:
    """The partner accepts or declines an offer made to one of its units (or to its shop)."""
    offer = session.get(Offer, offer_id, with_for_update=True)
    if offer is None:
        raise OfferNotFound()
    partner = units.partner_of(session, actor)
    if offer.partner_id != partner.id:
        raise OfferNotYours()
    if offer.outcome is not OfferOutcome.pending:
        raise OfferClosed(offer.outcome.value)
    order = get(session, offer.order_id)
    if now >= ensure_utc(offer.expires_at):
        dispatching.close(session, offer, OfferOutcome.expired, now)
        if order.status is OrderStatus.offered:
            order.status = OrderStatus.requested
            note(session, order, "offer_expired", now, actor, {"offer_id": str(offer.id)})
            dispatching.dispatch_one(session, order, now)
        raise OfferClosed(OfferOutcome.expired.value)
    if not accept:
        dispatching.close(session, offer, OfferOutcome.declined, now, reason)
        order.status = OrderStatus.requested
        note(
            session,
            order,
            "offer_declined",
            now,
            actor,
            {"offer_id": str(offer.id), "reason": reason},
        )
        dispatching.dispatch_one(session, order, now)
        return offer
    offer.outcome, offer.answered_at = OfferOutcome.accepted, now
    order.status = OrderStatus.accepted
    order.accepted_at = now
    order.partner_id, order.unit_id = offer.partner_id, offer.unit_id
    order.eta_s, order.km, order.cost_fen = offer.eta_s, offer.km, offer.cost_fen
    note(session, order, "accepted", now, actor, {"offer_id": str(offer.id), "eta_s": offer.eta_s})
    publish(session, OrderStepped(order_id=order.id, status=order.status.value))
    return offer


def _partner_order(session: Session, actor: Actor, order_id: uuid.UUID) -> ServiceOrder:
    order = get(session, order_id)
    if order.partner_id is None or units.partner_of(session, actor).id != order.partner_id:
        raise Forbidden()
    return order


def step(
    session: Session,
    actor: Actor,
    order_id: uuid.UUID,
    to: OrderStatus,
    *,
    now: datetime,
    reason: str | None = None,
    end_at: tuple[float, float] | None = None,
) -> ServiceOrder:
    """The working partner reports the next step."""
    order = _partner_order(session, actor, order_id)
    if to not in NEXT.get(order.status, frozenset()):
        raise TransitionRefused(order.status.value, to.value)
    if to in NEEDS_REASON and not (reason and reason.strip()):
        raise TransitionRefused(order.status.value, f"{to.value} (a reason is required)")
    order.status = to
    if to is OrderStatus.en_route:
        order.en_route_at = now
    elif to is OrderStatus.on_site:
        order.on_site_at = now
    else:
        _finish(session, order, now, reason, end_at=end_at or (order.lat, order.lng))
    note(session, order, to.value, now, actor, {"reason": reason} if reason else None)
    publish(session, OrderStepped(order_id=order.id, status=to.value))
    return order


def _finish(
    session: Session,
    order: ServiceOrder,
    now: datetime,
    reason: str | None,
    *,
    end_at: tuple[float, float] | None,
) -> None:
    order.finished_at = now
    order.final_reason = (reason or None) and reason[:200]
    units.release(session, order.unit_id, order.id, at=end_at, now=now)
    if order.status is OrderStatus.completed and order.service is ServiceType.tow and end_at:
        _price_tow(session, order, end_at)
    if order.status is OrderStatus.completed:
        order.rating_requested_at = now
        publish(
            session,
            OrderCompleted(order_id=order.id, partner_id=order.partner_id, cost_fen=order.cost_fen),
        )


def replacement_car(
    session: Session, actor: Actor, tow_order_id: uuid.UUID, *, now: datetime
) -> ServiceOrder:
    """The owner of a premium car takes up the replacement car offered with its tow (C3): a
    replacement-car order, free as the insurer's courtesy, for staff to arrange with a rental
    partner. Offered only for a premium car's tow; asked twice, the first order stands."""
    from carecover.orders.service.orders import OrderRequest, request

    tow = get(session, tow_order_id)
    vehicle_for(session, actor, tow.vehicle_id)
    if not tow.replacement_offered or tow.status in (OrderStatus.cancelled,):
        raise TransitionRefused(tow.status.value, "replacement_car (not offered)")
    return request(
        session,
        actor,
        OrderRequest(
            vehicle_id=tow.vehicle_id,
            service=ServiceType.replacement_car,
            lat=tow.lat,
            lng=tow.lng,
            channel=tow.channel,
            source_ref=f"tow:{tow.number}",
            free=True,
        ),
        now=now,
    )


def fulfil(
    session: Session, actor: Actor, order_id: uuid.UUID, *, now: datetime, note_text: str
) -> ServiceOrder:
    """Staff close an order no unit drives out for (a replacement car delivered by a rental
    partner), with a note of what was arranged."""
    if not (actor.role is not None and has_permission(actor.role, Permission.dispatch_manage)):
        raise Forbidden()
    order = get(session, order_id)
    if order.service in DISPATCHED or order.status is not OrderStatus.requested:
        raise TransitionRefused(order.status.value, OrderStatus.completed.value)
    if not note_text.strip():
        raise TransitionRefused(order.status.value, "completed (a note is required)")
    order.status = OrderStatus.completed
    order.accepted_at = order.on_site_at = order.finished_at = now
    order.final_reason = note_text.strip()[:200]
    order.rating_requested_at = now
    note(session, order, "fulfilled", now, actor, {"note": order.final_reason})
    publish(session, OrderCompleted(order_id=order.id, partner_id=None, cost_fen=order.cost_fen))
    return order


def _price_tow(session: Session, order: ServiceOrder, end_at: tuple[float, float]) -> None:
    """A tow is paid by the towed distance (car → shop), beyond the rate card's included km."""
    if order.partner_id is None:
        return
    towed = dispatching.TRAVEL.km(np.array([order.lat]), np.array([order.lng]), *end_at)
    card = session.scalars(
        select(RateCard).where(
            RateCard.partner_id == order.partner_id, RateCard.service == order.service
        )
    ).first()
    order.cost_fen = dispatching.cost_fen(card, float(towed[0]), order.cost_fen)


def cancel(
    session: Session, actor: Actor, order_id: uuid.UUID, *, reason: str, now: datetime
) -> ServiceOrder:
    """The owner (of the car) or staff cancel before the unit is on site."""
    order = get(session, order_id)
    if actor.role is Role.owner:
        vehicle_for(session, actor, order.vehicle_id)
    elif not (actor.role is not None and has_permission(actor.role, Permission.dispatch_manage)):
        raise Forbidden()
    if order.status not in CANCELLABLE:
        raise TransitionRefused(order.status.value, OrderStatus.cancelled.value)
    if not reason.strip():
        raise TransitionRefused(order.status.value, "cancelled (a reason is required)")
    offer = pending_offer(session, order.id)
    if offer is not None:
        dispatching.close(session, offer, OfferOutcome.withdrawn, now, "order cancelled")
    order.status = OrderStatus.cancelled
    order.finished_at, order.final_reason = now, reason.strip()[:200]
    units.release(session, order.unit_id, order.id)
    if order.entitlement_ref is not None:
        benefits.give_back(
            session, actor, reference=order.entitlement_ref, at=now, reason="order_cancelled"
        )
    note(session, order, "cancelled", now, actor, {"reason": order.final_reason})
    audit.record(
        session,
        actor,
        "orders.cancelled",
        object_type="service_order",
        object_id=order.id,
        details={"reason": order.final_reason},
    )
    publish(session, OrderStepped(order_id=order.id, status=order.status.value))
    return order


def assign(
    session: Session, actor: Actor, order_id: uuid.UUID, unit_id: uuid.UUID, *, now: datetime
) -> Offer:
    """A dispatcher sends a chosen unit: the pending offer (if any) is withdrawn and the unit is
    offered the job. Two dispatchers choosing one unit at once: one wins, the other is told."""
    if not (actor.role is not None and has_permission(actor.role, Permission.dispatch_manage)):
        raise Forbidden()
    order = get(session, order_id)
    if order.status not in (OrderStatus.requested, OrderStatus.offered):
        raise TransitionRefused(order.status.value, OrderStatus.offered.value)
    unit = units.get(session, unit_id)
    if unit.kind not in kinds_for(order.service, electric=order.electric):
        raise UnitNotSuitable()
    if unit.status is not UnitStatus.available:
        raise UnitUnavailable()
    snap = UnitSnapshot(
        id=unit.id,
        kind=unit.kind,
        lat=unit.lat,
        lng=unit.lng,
        partner_id=unit.partner_id,
        rating=unit.rating,
        base_fen=0,
        per_km_fen=0,
        position_at=now,
        city_adcode=unit.city_adcode,
    )
    request = DispatchRequest(
        id=order.id,
        lat=order.lat,
        lng=order.lng,
        kinds=frozenset({unit.kind}),
        tier=order.tier,
        at=now,
        city_adcode=order.city_adcode,
    )
    straight = haversine_km(Point(unit.lat, unit.lng), Point(order.lat, order.lng))
    candidates = matching.candidates(request, [(snap, straight)], dispatching.TRAVEL)
    if not candidates or not units.claim(session, unit.id, order.id):
        raise UnitUnavailable()
    previous = pending_offer(session, order.id)
    if previous is not None:
        dispatching.close(
            session, previous, OfferOutcome.withdrawn, now, "reassigned by dispatcher"
        )
    order.status = OrderStatus.requested
    offer = dispatching.make_offer(session, order, candidates[0], now)
    audit.record(
        session,
        actor,
        "orders.assigned",
        object_type="service_order",
        object_id=order.id,
        details={"unit_id": str(unit.id)},
    )
    return offer


__all__ = ["CANCELLABLE", "FINAL_STATUSES", "NEXT", "answer", "assign", "cancel", "step"]
