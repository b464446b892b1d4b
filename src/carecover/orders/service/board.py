"""What the dispatch board, the tracking page and coverage planning read: the open orders with
their SLA clocks, the units a dispatcher may send to each, a live ETA from the unit's last
position, and the fleet and demand a city's coverage map is drawn from.

Reads only; the changes go through ``steps`` and ``dispatching``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.orders.catalogue import DISPATCHED, kinds_for
from carecover.orders.enums import FINAL_STATUSES, OfferOutcome, OrderStatus, UnitStatus
from carecover.orders.models import Offer, ProviderUnit, ServiceOrder
from carecover.orders.service import kpis
from carecover.orders.service.demand import poisson_day
from carecover.orders.service.dispatching import TRAVEL
from carecover.orders.service.fleet_index import STALE_AFTER_S, UnitSnapshot
from carecover.orders.service.matching import WITHIN_S
from carecover.orders.service.travel import BEIJING, TravelTimeModel
from carecover.platform.clock import ensure_utc
from carecover.platform.geo import DEFAULT_TIER, city_by_adcode

OPEN = tuple(s for s in OrderStatus if s not in FINAL_STATUSES)
ASSIGNABLE = (OrderStatus.requested, OrderStatus.offered)
CHOICES = 8
"""Units offered to the dispatcher per order, fastest first."""
MIN_DEMAND = 30
"""Fewer real orders than this in the planning window: seeded demand stands in."""
SEEDED_DAILY = 240.0
SEEDED_RADIUS_KM = 18.0


def etas(
    origins: Sequence[tuple[float, float]],
    order: ServiceOrder,
    now: datetime,
    travel: TravelTimeModel = TRAVEL,
) -> list[float]:
    """Driving seconds from each origin to the order's car, leaving now."""
    if not origins:
        return []
    lat = np.array([o[0] for o in origins], np.float64)
    lng = np.array([o[1] for o in origins], np.float64)
    return [
        float(s) for s in travel.seconds(lat, lng, order.lat, order.lng, at=now, tier=order.tier)
    ]


def working_unit(session: Session, order: ServiceOrder) -> ProviderUnit | None:
    """The unit on the job, or the one holding the pending offer."""
    unit_id = order.unit_id
    if unit_id is None:
        unit_id = session.scalars(
            select(Offer.unit_id).where(
                Offer.order_id == order.id, Offer.outcome == OfferOutcome.pending
            )
        ).first()
    return session.get(ProviderUnit, unit_id) if unit_id is not None else None


def _working_units(
    session: Session, orders: Sequence[ServiceOrder]
) -> dict[uuid.UUID, ProviderUnit]:
    """``working_unit`` for many orders in two queries."""
    unit_of: dict[uuid.UUID, uuid.UUID] = {o.id: o.unit_id for o in orders if o.unit_id is not None}
    waiting = [o.id for o in orders if o.unit_id is None]
    if waiting:
        for order_id, unit_id in session.execute(
            select(Offer.order_id, Offer.unit_id).where(
                Offer.order_id.in_(waiting),
                Offer.outcome == OfferOutcome.pending,
                Offer.unit_id.is_not(None),
            )
        ):
            if unit_id is not None:
                unit_of[order_id] = unit_id
    if not unit_of:
        return {}
    found = {
        u.id: u
        for u in session.scalars(
            select(ProviderUnit).where(ProviderUnit.id.in_(sorted(set(unit_of.values()))))
        )
    }
    return {o: found[u] for o, u in unit_of.items() if u in found}


def live_eta_s(
    order: ServiceOrder, unit: ProviderUnit | None, now: datetime, travel: TravelTimeModel = TRAVEL
) -> int | None:
    """Seconds until the unit reaches the car from where it last reported, while it is coming
    (offered, accepted, en route); None once it is there, or with no unit."""
    if unit is None or order.status not in (
        OrderStatus.offered,
        OrderStatus.accepted,
        OrderStatus.en_route,
    ):
        return None
    return round(etas([(unit.lat, unit.lng)], order, now, travel)[0])


def elapsed_s(order: ServiceOrder, now: datetime) -> int:
    """The SLA clock: seconds from the request to the arrival (or to now while it is coming)."""
    end = ensure_utc(order.on_site_at) if order.on_site_at is not None else now
    return max(0, round((end - ensure_utc(order.requested_at)).total_seconds()))


def is_late(order: ServiceOrder, now: datetime) -> bool:
    """Beyond the circle: flagged at dispatch, or past 15 minutes without arriving in time."""
    return order.beyond_circle or elapsed_s(order, now) > WITHIN_S


@dataclass(frozen=True, slots=True)
class UnitChoice:
    unit: ProviderUnit
    eta_s: int
    stale: bool
    """Its position is older than dispatch trusts (5 minutes)."""


@dataclass(frozen=True, slots=True)
class BoardOrder:
    order: ServiceOrder
    elapsed_s: int
    late: bool
    unit: ProviderUnit | None
    eta_s: int | None
    choices: tuple[UnitChoice, ...]
    """Available units that can do the job (empty once a unit has accepted)."""


def _available(session: Session, cities: set[str]) -> dict[str, list[ProviderUnit]]:
    by_city: dict[str, list[ProviderUnit]] = defaultdict(list)
    if not cities:
        return by_city
    for unit in session.scalars(
        select(ProviderUnit)
        .where(
            ProviderUnit.city_adcode.in_(sorted(cities)),
            ProviderUnit.status == UnitStatus.available,
        )
        .order_by(ProviderUnit.call_sign)
    ):
        by_city[unit.city_adcode].append(unit)
    return by_city


def choices_for(
    order: ServiceOrder,
    available: Sequence[ProviderUnit],
    now: datetime,
    limit: int = CHOICES,
) -> tuple[UnitChoice, ...]:
    """The ``limit`` fastest available units of a kind that may do the job."""
    if order.status not in ASSIGNABLE or order.service not in DISPATCHED:
        return ()
    kinds = kinds_for(order.service, electric=order.electric)
    fit = [u for u in available if u.kind in kinds]
    seconds = etas([(u.lat, u.lng) for u in fit], order, now)
    stale_before = now - timedelta(seconds=STALE_AFTER_S)
    ranked = sorted(zip(fit, seconds, strict=True), key=lambda p: (p[1], p[0].call_sign))
    return tuple(
        UnitChoice(u, round(s), ensure_utc(u.position_at) < stale_before) for u, s in ranked[:limit]
    )


def open_orders(
    session: Session, now: datetime, *, city_adcode: str | None = None, limit: int = 200
) -> list[BoardOrder]:
    """The orders not yet finished, oldest first, each with its clock, unit and choices."""
    statement = (
        select(ServiceOrder)
        .where(ServiceOrder.status.in_(OPEN))
        .order_by(ServiceOrder.requested_at)
        .limit(limit)
    )
    if city_adcode:
        statement = statement.where(ServiceOrder.city_adcode == city_adcode)
    orders = list(session.scalars(statement))
    available = _available(session, {o.city_adcode for o in orders if o.status in ASSIGNABLE})
    working = _working_units(session, orders)
    out = []
    for order in orders:
        unit = working.get(order.id)
        out.append(
            BoardOrder(
                order=order,
                elapsed_s=elapsed_s(order, now),
                late=is_late(order, now),
                unit=unit,
                eta_s=live_eta_s(order, unit, now),
                choices=choices_for(order, available.get(order.city_adcode, []), now),
            )
        )
    return out


def board_units(
    session: Session, *, city_adcode: str | None = None, limit: int = 2000
) -> list[ProviderUnit]:
    """On-duty units (available or busy) for the map, the most recently heard first."""
    statement = (
        select(ProviderUnit)
        .where(ProviderUnit.status != UnitStatus.offline)
        .order_by(ProviderUnit.position_at.desc())
        .limit(limit)
    )
    if city_adcode:
        statement = statement.where(ProviderUnit.city_adcode == city_adcode)
    return list(session.scalars(statement))


def fleet_snapshots(session: Session, city_adcode: str) -> list[UnitSnapshot]:
    """Today's on-duty units of a city as coverage planning sees them (busy ones included:
    they are back in the circle when their job ends)."""
    return [
        UnitSnapshot(
            id=u.id,
            kind=u.kind,
            lat=u.lat,
            lng=u.lng,
            partner_id=u.partner_id,
            rating=min(5.0, max(1.0, u.rating)),
            base_fen=0,
            per_km_fen=0,
            position_at=ensure_utc(u.position_at),
            city_adcode=u.city_adcode,
        )
        for u in session.scalars(
            select(ProviderUnit).where(
                ProviderUnit.city_adcode == city_adcode,
                ProviderUnit.status != UnitStatus.offline,
            )
        )
    ]


@dataclass(frozen=True, slots=True)
class Demand:
    points: list[tuple[float, float, float]]
    seeded: bool
    """The city had too few orders: a seeded Poisson day around its centre stands in."""


def planning_demand(session: Session, city_adcode: str, now: datetime, *, days: int = 30) -> Demand:
    """The city's roadside orders of the last ``days`` days, or — with fewer than
    ``MIN_DEMAND`` of them — a seeded day of demand (the same every time for a city and day)."""
    points = kpis.demand_points(session, city_adcode, now - timedelta(days=days), now)
    if len(points) >= MIN_DEMAND:
        return Demand(points, seeded=False)
    city = city_by_adcode(city_adcode)
    if city is None:
        return Demand(points, seeded=False)
    calls = poisson_day(
        city_adcode=city_adcode,
        centre=(city.point.lat, city.point.lng),
        radius_km=SEEDED_RADIUS_KM,
        daily_total=SEEDED_DAILY,
        seed=int(city_adcode),
        day=now.astimezone(BEIJING).date(),
        tier=city.tier,
    )
    return Demand([(c.request.lat, c.request.lng, 1.0) for c in calls], seeded=True)


def city_tier(city_adcode: str) -> int:
    city = city_by_adcode(city_adcode)
    return city.tier if city is not None else DEFAULT_TIER


def cities_in_play(session: Session) -> list[str]:
    """Cities with units or orders, for the planning page's city picker."""
    with_units = set(session.scalars(select(ProviderUnit.city_adcode).distinct()))
    with_orders = set(session.scalars(select(ServiceOrder.city_adcode).distinct()))
    return sorted(with_units | with_orders)


def local(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A time as Beijing wall-clock text (the pages say so)."""
    if moment is None:
        return "—"
    return ensure_utc(moment).astimezone(BEIJING).strftime(fmt)


__all__ = [
    "ASSIGNABLE",
    "OPEN",
    "BoardOrder",
    "Demand",
    "UnitChoice",
    "board_units",
    "choices_for",
    "cities_in_play",
    "city_tier",
    "elapsed_s",
    "etas",
    "fleet_snapshots",
    "is_late",
    "live_eta_s",
    "local",
    "open_orders",
    "planning_demand",
    "working_unit",
]
