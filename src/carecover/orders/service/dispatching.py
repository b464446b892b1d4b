"""Dispatch: offer each order to the best unit, re-offer on decline or timeout, batch bursts.

- A new order is dispatched at once (``dispatch_one``): the city's available units that may do
  the job (an electric car's tow needs a flatbed), ranked by ETA, cost and rating
  (``matching.rank``); the best one that can still be claimed gets a 60-second offer.
- No unit can reach the car within 15 minutes → the order is flagged ``beyond_circle`` and the
  best unit is still sent. No unit at all → the nearest network shop within 50 km gets a 2-hour
  on-site job (MISSION.md C2).
- A declined or expired offer frees the unit and the order goes to the next candidate (units
  that already said no, or let it expire, are not asked again for this order).
- ``tick`` runs every few seconds in the worker: expired offers are handled, and the orders still
  waiting in each city are assigned together by optimal assignment (``matching.assign_batch``),
  which on a burst beats taking them one by one.
Every claim of a unit is the guarded UPDATE of ``units.claim``: no unit ever holds two jobs.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.orders.catalogue import DISPATCHED, kinds_for
from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.events import OfferMade
from carecover.orders.models import Offer, RateCard, ServiceOrder
from carecover.orders.service import units
from carecover.orders.service.fleet_index import FleetIndex, UnitSnapshot
from carecover.orders.service.matching import (
    WITHIN_S,
    Candidate,
    DispatchRequest,
    assign_batch,
    rank,
)
from carecover.orders.service.matching import cost_fen as matching_cost_fen
from carecover.orders.service.orders import OrderRequest, note, request
from carecover.orders.service.travel import HaversineTravelModel, TravelTimeModel
from carecover.partners.enums import PartnerType
from carecover.partners.repository import nearest_locations
from carecover.platform.clock import ensure_utc
from carecover.platform.context import Actor
from carecover.platform.events import publish
from carecover.platform.geo import Point

OFFER_SECONDS = 60
FALLBACK_OFFER_SECONDS = 600
FALLBACK_ETA_S = 2 * 3600
FALLBACK_KM = 50.0
SEARCH_KM = 80.0
TRAVEL: TravelTimeModel = HaversineTravelModel()


def cost_fen(card: RateCard | None, km: float, fallback: int) -> int:
    """Base fee plus the per-km rate beyond the included distance, whole fen (half up)."""
    if card is None:
        return fallback
    return matching_cost_fen(card.base_fen, card.per_km_fen, max(0.0, km - card.included_km))


def _card(session: Session, partner_id: uuid.UUID, order: ServiceOrder) -> RateCard | None:
    return session.scalars(
        select(RateCard).where(RateCard.partner_id == partner_id, RateCard.service == order.service)
    ).first()


def tried(session: Session, order_id: uuid.UUID) -> set[uuid.UUID]:
    """Units already offered this order (they declined, let it expire, or were withdrawn)."""
    return {
        u
        for u in session.scalars(select(Offer.unit_id).where(Offer.order_id == order_id))
        if u is not None
    }


def _request(order: ServiceOrder, now: datetime) -> DispatchRequest:
    return DispatchRequest(
        id=order.id,
        lat=order.lat,
        lng=order.lng,
        kinds=kinds_for(order.service, electric=order.electric),
        tier=order.tier,
        at=now,
        city_adcode=order.city_adcode,
        premium=order.premium,
        waited_s=max(0.0, (now - ensure_utc(order.requested_at)).total_seconds()),
    )


def _index(session: Session, order: ServiceOrder, now: datetime) -> FleetIndex:
    snaps = units.snapshots(
        session,
        city_adcode=order.city_adcode,
        kinds=kinds_for(order.service, electric=order.electric),
        service=order.service,
        near=(order.lat, order.lng),
        radius_km=SEARCH_KM,
        exclude=sorted(tried(session, order.id)),
    )
    return FleetIndex.build(snaps, now=now)


def submit(session: Session, actor: Actor, req: OrderRequest, *, now: datetime) -> ServiceOrder:
    """Request an order and, for roadside services, offer it to a unit at once."""
    order = request(session, actor, req, now=now)
    if order.service in DISPATCHED:
        dispatch_one(session, order, now)
    return order


def dispatch_one(session: Session, order: ServiceOrder, now: datetime) -> Offer | None:
    """Offer the order to its best claimable unit, or to the fallback shop."""
    if order.status is not OrderStatus.requested:
        return None
    index = _index(session, order, now)
    for candidate in rank(_request(order, now), index, TRAVEL, k=20):
        if units.claim(session, candidate.unit.id, order.id):
            return make_offer(session, order, candidate, now)
    return fallback(session, order, now)


def make_offer(session: Session, order: ServiceOrder, candidate: Candidate, now: datetime) -> Offer:
    unit = candidate.unit
    card = _card(session, unit.partner_id, order)
    offer = Offer(
        order_id=order.id,
        partner_id=unit.partner_id,
        unit_id=unit.id,
        outcome=OfferOutcome.pending,
        offered_at=now,
        expires_at=now + timedelta(seconds=OFFER_SECONDS),
        eta_s=round(candidate.eta_s),
        km=round(candidate.km, 2),
        cost_fen=cost_fen(card, candidate.km, candidate.cost_fen),
    )
    session.add(offer)
    session.flush()
    order.status = OrderStatus.offered
    order.offered_at = order.offered_at or now
    order.attempts += 1
    order.beyond_circle = candidate.eta_s > WITHIN_S
    note(
        session,
        order,
        "offered",
        now,
        details={
            "unit_id": str(unit.id),
            "eta_s": offer.eta_s,
            "km": offer.km,
            "beyond_circle": order.beyond_circle,
        },
    )
    publish(session, OfferMade(offer_id=offer.id, order_id=order.id, partner_id=unit.partner_id))
    return offer


def fallback(session: Session, order: ServiceOrder, now: datetime) -> Offer | None:
    """No unit: the nearest network shop within 50 km sends someone within 2 hours (C2)."""
    tried_partners = set(
        session.scalars(
            select(Offer.partner_id).where(
                Offer.order_id == order.id, Offer.location_id.is_not(None)
            )
        )
    )
    sites = nearest_locations(
        session,
        Point(order.lat, order.lng),
        partner_type=PartnerType.repair_shop,
        limit=5,
        within_km=FALLBACK_KM,
    )
    site = next(((s, km) for s, km in sites if s.partner_id not in tried_partners), None)
    if site is None:
        if not order.beyond_circle:
            order.beyond_circle = True
            note(session, order, "no_provider", now)
        return None
    location, km = site
    offer = Offer(
        order_id=order.id,
        partner_id=location.partner_id,
        location_id=location.id,
        outcome=OfferOutcome.pending,
        offered_at=now,
        expires_at=now + timedelta(seconds=FALLBACK_OFFER_SECONDS),
        eta_s=FALLBACK_ETA_S,
        km=round(km, 2),
        cost_fen=cost_fen(_card(session, location.partner_id, order), km, 0),
    )
    session.add(offer)
    session.flush()
    order.status = OrderStatus.offered
    order.offered_at = order.offered_at or now
    order.attempts += 1
    order.beyond_circle = True
    order.fallback_location_id = location.id
    note(
        session,
        order,
        "fallback_offered",
        now,
        details={"location_id": str(location.id), "km": round(km, 2)},
    )
    publish(
        session, OfferMade(offer_id=offer.id, order_id=order.id, partner_id=location.partner_id)
    )
    return offer


def expire_due(session: Session, now: datetime, limit: int = 500) -> int:
    """Pending offers past their time: expired, the unit freed, the order to the next one."""
    due = list(
        session.scalars(
            select(Offer)
            .where(Offer.outcome == OfferOutcome.pending, Offer.expires_at <= now)
            .order_by(Offer.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for offer in due:
        close(session, offer, OfferOutcome.expired, now)
        order = session.get(ServiceOrder, offer.order_id)
        if order is not None and order.status is OrderStatus.offered:
            order.status = OrderStatus.requested
            note(session, order, "offer_expired", now, details={"offer_id": str(offer.id)})
            dispatch_one(session, order, now)
    return len(due)


def close(
    session: Session, offer: Offer, outcome: OfferOutcome, now: datetime, reason: str | None = None
) -> None:
    """End a pending offer; its unit (if any) is free again."""
    offer.outcome = outcome
    offer.answered_at = now
    offer.reason = reason
    units.release(session, offer.unit_id, offer.order_id)


def tick(session: Session, now: datetime, *, travel: TravelTimeModel = TRAVEL) -> int:
    """One dispatch pass: expire late offers, then assign the waiting orders city by city with
    one optimal assignment per city and service group. Returns the offers made and expired."""
    done = expire_due(session, now)
    waiting = list(
        session.scalars(
            select(ServiceOrder)
            .where(ServiceOrder.status == OrderStatus.requested)
            .order_by(ServiceOrder.requested_at)
            .limit(2_000)
            .with_for_update(skip_locked=True)
        )
    )
    groups: dict[tuple[str, str], list[ServiceOrder]] = defaultdict(list)
    for order in waiting:
        if order.service in DISPATCHED:
            groups[(order.city_adcode, order.service.value)].append(order)
    for (city, _service), orders in sorted(groups.items()):
        done += _assign_group(session, city, orders, now, travel)
    return done


def _assign_group(
    session: Session, city: str, orders: list[ServiceOrder], now: datetime, travel: TravelTimeModel
) -> int:
    first = orders[0]
    kinds = frozenset().union(*(kinds_for(o.service, electric=o.electric) for o in orders))
    snaps: list[UnitSnapshot] = units.snapshots(
        session, city_adcode=city, kinds=kinds, service=first.service
    )
    index = FleetIndex.build(snaps, now=now)
    by_id = {o.id: o for o in orders}
    refused = {o.id: tried(session, o.id) for o in orders}
    requests = [_request(o, now) for o in orders]
    made = 0
    result = assign_batch(requests, index, travel, k=20)
    for order_id, candidate in result.items():
        order = by_id[order_id]
        if candidate is None or candidate.unit.id in refused[order_id]:
            made += dispatch_one(session, order, now) is not None
        elif units.claim(session, candidate.unit.id, order.id):
            make_offer(session, order, candidate, now)
            made += 1
        else:  # taken meanwhile by a single dispatch: fall back to the one-by-one path
            made += dispatch_one(session, order, now) is not None
    return made
