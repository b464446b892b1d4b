"""City KPIs and cost per city and service line, checked against values worked out by hand, on
orders written with chosen times and through the real request → offer → steps flow."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderChannel, OrderStatus
from carecover.orders.models import Offer, ServiceOrder
from carecover.orders.service import dispatching, kpis, steps
from carecover.orders.service.kpis import CostLine, nearest_rank
from carecover.orders.service.orders import OrderRequest, pending_offer
from tests.orders.world import CAR, World, build

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(days=1)
SHANGHAI, BEIJING = "310000", "110000"
S = ServiceType


@pytest.fixture
def world(session: Session) -> World:
    return build(session, T0)


def _order(
    session: Session,
    world: World,
    city: str,
    *,
    service: ServiceType,
    status: OrderStatus,
    at: datetime,
    on_site_s: int | None = None,
    beyond: bool = False,
    cost_fen: int = 0,
    price_fen: int = 0,
    offers: tuple[OfferOutcome, ...] = (),
) -> ServiceOrder:
    order = ServiceOrder(
        number=f"SOT{uuid.uuid4().hex[:10].upper()}",
        vehicle_id=world.car.id,
        customer_id=world.car.owner_id,
        service=service,
        channel=OrderChannel.app,
        status=status,
        lat=CAR[0] if city == SHANGHAI else 39.91,
        lng=CAR[1] if city == SHANGHAI else 116.40,
        city_adcode=city,
        tier=1,
        dedupe_key=uuid.uuid4().hex,
        requested_at=at,
        on_site_at=at + timedelta(seconds=on_site_s) if on_site_s is not None else None,
        beyond_circle=beyond,
        cost_fen=cost_fen,
        price_fen=price_fen,
    )
    session.add(order)
    session.flush()
    for i, outcome in enumerate(offers):
        session.add(
            Offer(
                order_id=order.id,
                partner_id=world.partner.id,
                outcome=outcome,
                offered_at=at + timedelta(seconds=10 * i),
                expires_at=at + timedelta(seconds=10 * i + 60),
                eta_s=300,
                km=2.0,
                cost_fen=cost_fen,
            )
        )
    session.flush()
    return order


@pytest.fixture
def history(session: Session, world: World) -> None:
    """Shanghai: responses 300, 900 and 1500 s (2 of 3 within 15 min: 900 s counts), five
    answered offers of which three accepted, one withdrawn (not an answer), a replacement car
    (no response time), an order before the window. Beijing: one arrival at 840 s, one pending."""
    A, D, X = OfferOutcome.accepted, OfferOutcome.declined, OfferOutcome.expired
    sh = partial(_order, session, world, SHANGHAI)
    sh(
        service=S.tow,
        status=OrderStatus.completed,
        at=T0 + timedelta(hours=1),
        on_site_s=300,
        cost_fen=20_000,
        offers=(A,),
    )
    sh(
        service=S.jump_start,
        status=OrderStatus.completed,
        at=T0 + timedelta(hours=2),
        on_site_s=900,
        cost_fen=9_000,
        offers=(D, A),
    )
    sh(
        service=S.tow,
        status=OrderStatus.completed,
        at=T0 + timedelta(hours=3),
        on_site_s=1500,
        beyond=True,
        cost_fen=32_000,
        price_fen=15_000,
        offers=(X, A),
    )
    sh(
        service=S.tyre_change,
        status=OrderStatus.cancelled,
        at=T0 + timedelta(hours=4),
        offers=(OfferOutcome.withdrawn,),
    )
    sh(
        service=S.replacement_car,
        status=OrderStatus.completed,
        at=T0 + timedelta(hours=5),
        on_site_s=7200,
    )
    sh(
        service=S.tow,
        status=OrderStatus.completed,
        at=T0 - timedelta(hours=1),
        on_site_s=100,
        cost_fen=99_999,
        offers=(A,),
    )
    bj = partial(_order, session, world, BEIJING)
    bj(
        service=S.lockout,
        status=OrderStatus.on_site,
        at=T0 + timedelta(hours=6),
        on_site_s=840,
        offers=(A,),
    )
    bj(
        service=S.lockout,
        status=OrderStatus.offered,
        at=T0 + timedelta(hours=7),
        offers=(OfferOutcome.pending,),
    )


@pytest.mark.usefixtures("history")
def test_city_kpis_match_the_hand_count(session: Session) -> None:
    rows = kpis.city_kpis(session, since=T0, until=UNTIL)
    assert [r.city_adcode for r in rows] == [SHANGHAI, BEIJING]  # busiest first
    sh, bj = rows
    assert (sh.orders, sh.arrived, sh.within_15) == (5, 3, 2)
    assert sh.within_15_share == pytest.approx(2 / 3)
    assert sh.mean_response_s == pytest.approx(900.0)  # (300 + 900 + 1500) / 3
    assert sh.p90_response_s == 1500  # rank ⌈0.9 × 3⌉ = 3
    assert (sh.offers_accepted, sh.offers_answered) == (3, 5)
    assert sh.acceptance_rate == pytest.approx(0.6)
    assert (sh.beyond_circle, sh.completed, sh.cancelled) == (1, 4, 1)
    assert sh.city == "上海市"
    assert (bj.orders, bj.arrived, bj.within_15) == (2, 1, 1)
    assert (bj.mean_response_s, bj.p90_response_s) == (840.0, 840.0)
    assert (bj.offers_accepted, bj.offers_answered, bj.acceptance_rate) == (1, 1, 1.0)
    only = kpis.city_kpis(session, BEIJING, since=T0, until=UNTIL)
    assert [r.city_adcode for r in only] == [BEIJING]
    assert only[0] == bj


@pytest.mark.usefixtures("history")
def test_an_empty_window_and_a_backwards_one(session: Session) -> None:
    assert kpis.city_kpis(session, since=UNTIL, until=UNTIL + timedelta(days=1)) == []
    with pytest.raises(ValueError, match="until"):
        kpis.city_kpis(session, since=UNTIL, until=T0)
    # The order an hour before the window alone:
    (early,) = kpis.city_kpis(session, since=T0 - timedelta(hours=2), until=T0)
    assert (early.orders, early.arrived, early.p90_response_s) == (1, 1, 100.0)


@pytest.mark.usefixtures("history")
def test_cost_per_city_and_service_line(session: Session) -> None:
    lines = kpis.cost_by_city_and_line(session, T0, UNTIL)
    got = {(c.city_adcode, c.service): (c.orders, c.cost_fen, c.price_fen) for c in lines}
    assert got == {
        (SHANGHAI, S.jump_start): (1, 9_000, 0),
        (SHANGHAI, S.replacement_car): (1, 0, 0),
        (SHANGHAI, S.tow): (2, 52_000, 15_000),  # the early tow is outside the window
    }
    tow = next(c for c in lines if c.service is S.tow)
    assert tow.mean_cost_fen == 26_000
    assert [c.service for c in lines] == sorted((c.service for c in lines), key=str)


def test_mean_cost_rounds_half_up_in_whole_fen() -> None:
    assert CostLine(SHANGHAI, S.tow, 2, 10_001, 0).mean_cost_fen == 5_001
    assert CostLine(SHANGHAI, S.tow, 3, 10_000, 0).mean_cost_fen == 3_333
    assert CostLine(SHANGHAI, S.tow, 0, 0, 0).mean_cost_fen == 0


def test_nearest_rank_percentile() -> None:
    assert nearest_rank([], 90) is None
    assert nearest_rank([5.0], 90) == 5.0
    assert nearest_rank([float(v) for v in range(10, 0, -1)], 90) == 9.0  # rank 9 of 10
    assert nearest_rank([float(v) for v in range(1, 12)], 90) == 10.0  # rank ⌈9.9⌉ = 10


@pytest.mark.usefixtures("history")
def test_demand_points_are_the_roadside_orders_of_the_city(session: Session) -> None:
    points = kpis.demand_points(session, SHANGHAI, T0)
    assert len(points) == 4  # tow, jump start, tow, tyre change; not the replacement car
    assert set(points) == {(CAR[0], CAR[1], 1.0)}
    assert len(kpis.demand_points(session, SHANGHAI, T0, T0 + timedelta(hours=2))) == 1
    assert len(kpis.demand_points(session, SHANGHAI, T0 - timedelta(days=1))) == 5
    assert kpis.demand_points(session, BEIJING, T0, limit=1) == [(39.91, 116.40, 1.0)]


def test_the_real_flow_feeds_the_kpis(session: Session, world: World) -> None:
    """A tow declined by the nearest truck, taken by the next, on site after 6 minutes."""
    now = T0 + timedelta(minutes=1)  # the units reported at T0: fresh positions
    order = dispatching.submit(
        session,
        world.owner_actor,
        OrderRequest(world.car.id, S.tow, CAR[0], CAR[1]),
        now=now,
    )
    first = pending_offer(session, order.id)
    assert first is not None
    steps.answer(session, world.partner_actor, first.id, accept=False, now=now, reason="too_far")
    second = pending_offer(session, order.id)
    assert second is not None
    assert second.id != first.id
    steps.answer(session, world.partner_actor, second.id, accept=True, now=now)
    for minute, to in ((1, OrderStatus.en_route), (6, OrderStatus.on_site)):
        steps.step(session, world.partner_actor, order.id, to, now=now + timedelta(minutes=minute))
    steps.step(
        session,
        world.partner_actor,
        order.id,
        OrderStatus.completed,
        now=now + timedelta(minutes=30),
    )
    (row,) = kpis.city_kpis(session, since=T0, until=UNTIL)
    assert (row.city_adcode, row.orders, row.arrived, row.within_15) == (SHANGHAI, 1, 1, 1)
    assert row.mean_response_s == 360.0
    assert (row.offers_accepted, row.offers_answered) == (1, 2)
    (line,) = kpis.cost_by_city_and_line(session, T0, UNTIL)
    assert (line.service, line.orders, line.cost_fen) == (S.tow, 1, order.cost_fen)
    assert line.cost_fen > 0


def test_planning_demand_is_the_citys_orders_or_a_seeded_day(
    session: Session, world: World
) -> None:
    from carecover.orders.service import board

    now = T0 + timedelta(days=1)
    seeded = board.planning_demand(session, SHANGHAI, now)
    assert seeded.seeded
    assert len(seeded.points) > 100  # a seeded day of about 240 calls around the centre
    assert board.planning_demand(session, SHANGHAI, now).points == seeded.points  # reproducible
    for i in range(board.MIN_DEMAND):
        _order(
            session,
            world,
            SHANGHAI,
            service=S.jump_start,
            status=OrderStatus.completed,
            at=T0 + timedelta(minutes=10 * i),
        )
    real = board.planning_demand(session, SHANGHAI, now)
    assert not real.seeded
    assert real.points == [(CAR[0], CAR[1], 1.0)] * board.MIN_DEMAND
    assert board.planning_demand(session, SHANGHAI, now + timedelta(days=31)).seeded  # too old
