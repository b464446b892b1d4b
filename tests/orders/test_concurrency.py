"""Two dispatchers reaching for one unit at the same moment, on real connections: exactly one
gets it, the other is told; the unit holds one offer."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderChannel
from carecover.orders.errors import UnitUnavailable
from carecover.orders.models import Offer
from carecover.orders.service import steps, units
from carecover.orders.service.orders import OrderRequest, request
from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from tests.factories.customers import make_vehicle
from tests.orders.world import CAR, build


def test_two_dispatchers_one_unit_one_winner(fresh_db: Database) -> None:
    now = utc_now()
    with fresh_db.session() as s, s.begin():
        world = build(s, now)
        for name in ("lift", "van", "charger"):
            units.set_duty(s, world.units[name], on_duty=False)
        flatbed = world.units["flatbed"].id
        orders = []
        for _ in range(2):
            car = make_vehicle(s)
            order = request(
                s,
                world.dispatcher,
                OrderRequest(
                    vehicle_id=car.id,
                    service=ServiceType.tow,
                    lat=CAR[0],
                    lng=CAR[1],
                    channel=OrderChannel.phone,
                    accept_price=True,
                ),
                now=now,
            )
            orders.append(order.id)
        dispatcher = world.dispatcher
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(order_id: object) -> None:
        with fresh_db.session() as s:
            barrier.wait()
            try:
                with s.begin():
                    steps.assign(s, dispatcher, order_id, flatbed, now=utc_now())  # type: ignore[arg-type]
                outcomes.append("assigned")
            except UnitUnavailable:
                outcomes.append("unavailable")

    threads = [threading.Thread(target=attempt, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["assigned", "unavailable"]
    with fresh_db.session() as s:
        pending = s.scalar(
            select(func.count())
            .select_from(Offer)
            .where(Offer.unit_id == flatbed, Offer.outcome == OfferOutcome.pending)
        )
        assert pending == 1
