"""The demo autopilot plays unattended partners: accepts, drives the unit to the car, works on
site, completes — and leaves alone the partner a person plays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.demo import ACCEPT_AFTER, ON_SITE_FOR, step
from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.service import dispatching
from carecover.orders.service.orders import OrderRequest, pending_offer
from carecover.platform.geo import Point, haversine_km
from tests.orders.world import CAR, build

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_an_unattended_partner_does_the_job_end_to_end(session: Session) -> None:
    world = build(session, NOW)
    req = OrderRequest(vehicle_id=world.car.id, service=ServiceType.tow, lat=CAR[0], lng=CAR[1])
    order = dispatching.submit(session, world.owner_actor, req, now=NOW)
    step(session, NOW + timedelta(seconds=2), dt_s=2)
    assert order.status is OrderStatus.offered  # not yet: a partner takes a few seconds
    t = NOW + ACCEPT_AFTER
    unit = world.units["lift"]
    start = haversine_km(Point(unit.lat, unit.lng), Point(*CAR))
    step(session, t, dt_s=2)  # accepted, and off it goes
    assert order.accepted_at == t
    assert order.status is OrderStatus.en_route
    t += timedelta(seconds=2)
    step(session, t, dt_s=2)
    assert haversine_km(Point(unit.lat, unit.lng), Point(*CAR)) < start
    for _ in range(200):
        if order.status is OrderStatus.on_site:
            break
        t += timedelta(seconds=5)
        step(session, t, dt_s=5)
    assert order.status is OrderStatus.on_site
    step(session, t + ON_SITE_FOR, dt_s=2)
    assert order.status is OrderStatus.completed


def test_the_partner_a_person_plays_is_left_alone(session: Session) -> None:
    world = build(session, NOW)
    req = OrderRequest(vehicle_id=world.car.id, service=ServiceType.tow, lat=CAR[0], lng=CAR[1])
    order = dispatching.submit(session, world.owner_actor, req, now=NOW)
    step(session, NOW + ACCEPT_AFTER, dt_s=2, skip=frozenset({world.partner.id}))
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.outcome is OfferOutcome.pending
