"""The numbers behind the staff pages: how each city keeps the 15-minute circle, and what rescue
costs per city and service line.

One window rule for every figure: the orders *requested* in ``[since, until)`` (their offers
included, whenever those were answered). Definitions:

- ``within_15_share``: of the roadside orders (the services a unit drives out for) that reached
  the car (``on_site_at`` set), the share whose response time, ``on_site_at − requested_at``, is
  at most 15 minutes. Orders that never reached the car (cancelled, still on the way) and those
  staff arrange (a replacement car) count in ``orders`` but have no response time.
- ``mean_response_s`` and ``p90_response_s`` over the same orders; p90 is the nearest-rank
  percentile (the smallest response time with at least 90 % of the orders at or below it), so it
  is always a response time that happened.
- ``acceptance_rate``: accepted offers ÷ (accepted + declined + expired offers). Withdrawn offers
  (the order was cancelled or reassigned) and pending ones are not answers and do not count.
- ``beyond_circle``: orders dispatched when no unit could reach the car within 15 minutes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.catalogue import DISPATCHED
from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.models import Offer, ServiceOrder
from carecover.orders.service.matching import WITHIN_S
from carecover.platform.clock import ensure_utc
from carecover.platform.geo import city_by_adcode

ANSWERED = (OfferOutcome.accepted, OfferOutcome.declined, OfferOutcome.expired)
MAX_DEMAND_POINTS = 20_000


def city_name(city_adcode: str) -> str:
    city = city_by_adcode(city_adcode)
    return city.name if city is not None else city_adcode


def nearest_rank(values: Sequence[float], percentile: float) -> float | None:
    """The nearest-rank percentile: the value at rank ⌈p/100 × n⌉ of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class CityKpis:
    """How one city did in the window."""

    city_adcode: str
    orders: int
    arrived: int
    """Roadside orders whose unit reached the car (``on_site_at`` set)."""
    within_15: int
    mean_response_s: float | None
    p90_response_s: float | None
    offers_accepted: int
    offers_answered: int
    """Accepted + declined + expired offers."""
    beyond_circle: int
    completed: int
    cancelled: int

    @property
    def city(self) -> str:
        return city_name(self.city_adcode)

    @property
    def within_15_share(self) -> float | None:
        return self.within_15 / self.arrived if self.arrived else None

    @property
    def acceptance_rate(self) -> float | None:
        return self.offers_accepted / self.offers_answered if self.offers_answered else None


def _window(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    start, end = ensure_utc(since), ensure_utc(until)
    if end < start:
        raise ValueError("until must not be before since")
    return start, end


def city_kpis(
    session: Session,
    city_adcode: str | None = None,
    *,
    since: datetime,
    until: datetime,
) -> list[CityKpis]:
    """Per city (or only ``city_adcode``), the orders requested in [since, until), busiest first."""
    start, end = _window(since, until)
    where = [ServiceOrder.requested_at >= start, ServiceOrder.requested_at < end]
    if city_adcode is not None:
        where.append(ServiceOrder.city_adcode == city_adcode)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for city, status, beyond, n in session.execute(
        select(
            ServiceOrder.city_adcode,
            ServiceOrder.status,
            ServiceOrder.beyond_circle,
            func.count(),
        )
        .where(*where)
        .group_by(ServiceOrder.city_adcode, ServiceOrder.status, ServiceOrder.beyond_circle)
    ):
        row = counts[city]
        row["orders"] += n
        row["beyond"] += n if beyond else 0
        row["completed"] += n if status is OrderStatus.completed else 0
        row["cancelled"] += n if status is OrderStatus.cancelled else 0
    responses: dict[str, list[float]] = defaultdict(list)
    for city, requested_at, on_site_at in session.execute(
        select(ServiceOrder.city_adcode, ServiceOrder.requested_at, ServiceOrder.on_site_at).where(
            *where,
            ServiceOrder.on_site_at.is_not(None),
            ServiceOrder.service.in_(sorted(DISPATCHED)),
        )
    ):
        if on_site_at is not None:
            seconds = (ensure_utc(on_site_at) - ensure_utc(requested_at)).total_seconds()
            responses[city].append(seconds)
    for city, outcome, n in session.execute(
        select(ServiceOrder.city_adcode, Offer.outcome, func.count())
        .join(ServiceOrder, ServiceOrder.id == Offer.order_id)
        .where(*where, Offer.outcome.in_(ANSWERED))
        .group_by(ServiceOrder.city_adcode, Offer.outcome)
    ):
        counts[city]["answered"] += n
        counts[city]["accepted"] += n if outcome is OfferOutcome.accepted else 0
    out = []
    for city, row in counts.items():
        times = responses.get(city, [])
        out.append(
            CityKpis(
                city_adcode=city,
                orders=row["orders"],
                arrived=len(times),
                within_15=sum(1 for s in times if s <= WITHIN_S),
                mean_response_s=sum(times) / len(times) if times else None,
                p90_response_s=nearest_rank(times, 90),
                offers_accepted=row["accepted"],
                offers_answered=row["answered"],
                beyond_circle=row["beyond"],
                completed=row["completed"],
                cancelled=row["cancelled"],
            )
        )
    return sorted(out, key=lambda k: (-k.orders, k.city_adcode))


@dataclass(frozen=True, slots=True)
class CostLine:
    """Completed orders of one service in one city: what the insurer paid partners (rate cards)
    and what customers paid (0 when a package covered it), integer fen."""

    city_adcode: str
    service: ServiceType
    orders: int
    cost_fen: int
    price_fen: int

    @property
    def city(self) -> str:
        return city_name(self.city_adcode)

    @property
    def mean_cost_fen(self) -> int:
        """Cost per order, whole fen rounded half up."""
        return (2 * self.cost_fen + self.orders) // (2 * self.orders) if self.orders else 0


def cost_by_city_and_line(session: Session, since: datetime, until: datetime) -> list[CostLine]:
    """Completed orders requested in [since, until), per city and service line."""
    start, end = _window(since, until)
    rows = session.execute(
        select(
            ServiceOrder.city_adcode,
            ServiceOrder.service,
            func.count(),
            func.coalesce(func.sum(ServiceOrder.cost_fen), 0),
            func.coalesce(func.sum(ServiceOrder.price_fen), 0),
        )
        .where(
            ServiceOrder.status == OrderStatus.completed,
            ServiceOrder.requested_at >= start,
            ServiceOrder.requested_at < end,
        )
        .group_by(ServiceOrder.city_adcode, ServiceOrder.service)
    )
    lines = [
        CostLine(city, service, int(n), int(cost), int(price))
        for city, service, n, cost, price in rows
    ]
    return sorted(lines, key=lambda c: (c.city_adcode, c.service.value))


def demand_points(
    session: Session,
    city_adcode: str,
    since: datetime,
    until: datetime | None = None,
    *,
    limit: int = MAX_DEMAND_POINTS,
) -> list[tuple[float, float, float]]:
    """Where the city's roadside orders came from since ``since``: ``(lat, lng, 1.0)`` each, the
    demand that coverage planning weighs (the newest ``limit`` of them)."""
    statement = (
        select(ServiceOrder.lat, ServiceOrder.lng)
        .where(
            ServiceOrder.city_adcode == city_adcode,
            ServiceOrder.service.in_(sorted(DISPATCHED)),
            ServiceOrder.requested_at >= ensure_utc(since),
        )
        .order_by(ServiceOrder.requested_at.desc())
        .limit(limit)
    )
    if until is not None:
        statement = statement.where(ServiceOrder.requested_at < ensure_utc(until))
    return [(float(lat), float(lng), 1.0) for lat, lng in session.execute(statement)]
