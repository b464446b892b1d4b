"""Other domains' events become orders: a charging failure a free tow, a rescue tap under a
telematics alert the service the alert calls for."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.benefits.enums import ServiceType
from carecover.charging.events import ChargingFailureReported
from carecover.orders.enums import OrderChannel, OrderStatus
from carecover.orders.handlers import tow_after_charging_failure
from carecover.orders.models import ServiceOrder
from carecover.orders.service.orders import pending_offer
from carecover.platform.clock import utc_now
from tests.orders.world import CAR, World, build


@pytest.fixture
def world(session: Session) -> World:
    return build(session, utc_now())


def test_a_failed_charger_brings_a_free_flatbed(session: Session, world: World) -> None:
    event = ChargingFailureReported(
        vehicle_id=world.ev.id,
        failure_id=uuid.uuid4(),
        location_id=uuid.uuid4(),
        lat=CAR[0],
        lng=CAR[1],
        reason="evse_fault",
    )
    tow_after_charging_failure(session, event)
    order = session.scalars(
        select(ServiceOrder).where(ServiceOrder.vehicle_id == world.ev.id)
    ).one()
    assert order.service is ServiceType.tow
    assert order.channel is OrderChannel.charging_failure
    assert (order.covered, order.price_fen) == (True, 0)
    assert order.status is OrderStatus.offered
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.unit_id == world.units["flatbed"].id
    keys = session.scalars(
        select(Notification.message_key).where(Notification.user_id == world.owner.id)
    ).all()
    assert "notice.orders.free_tow" in keys
    tow_after_charging_failure(session, event)  # redelivered: no second order
    assert (
        len(
            session.scalars(
                select(ServiceOrder).where(ServiceOrder.vehicle_id == world.ev.id)
            ).all()
        )
        == 1
    )


def test_a_failure_far_out_at_sea_makes_no_order(session: Session, world: World) -> None:
    event = ChargingFailureReported(
        vehicle_id=world.ev.id,
        failure_id=uuid.uuid4(),
        location_id=uuid.uuid4(),
        lat=31.0,
        lng=122.6,
        reason="evse_fault",
    )
    tow_after_charging_failure(session, event)
    assert session.scalars(select(ServiceOrder)).first() is None
