"""Orders end to end in the database: request with the entitlement, dispatch to the right unit,
offers answered or expired, the steps, cancellation, and the bad inputs the issue lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.benefits.models import Use
from carecover.orders.enums import OfferOutcome, OrderChannel, OrderStatus, UnitStatus
from carecover.orders.errors import (
    DuplicateOrder,
    NotDispatched,
    OfferClosed,
    OfferNotYours,
    OutsideServiceArea,
    PriceNotAccepted,
    StalePosition,
    TransitionRefused,
    UnitNotSuitable,
    UnitUnavailable,
)
from carecover.orders.models import Offer, OrderEvent
from carecover.orders.service import dispatching, steps, units
from carecover.orders.service.orders import OrderRequest, pending_offer, request, timeline
from carecover.partners.enums import PartnerType
from carecover.platform.auth.roles import Role
from carecover.platform.events.models import OutboxMessage
from tests.factories.accounts import make_organisation, make_user
from tests.factories.partners import make_partner
from tests.orders.world import CAR, World, actor_of, build

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 11:00 in Beijing


@pytest.fixture
def world(session: Session) -> World:
    return build(session, NOW)


def _tow(world: World, **kw: object) -> OrderRequest:
    args: dict[str, object] = {
        "vehicle_id": world.car.id,
        "service": ServiceType.tow,
        "lat": CAR[0],
        "lng": CAR[1],
    }
    args.update(kw)
    return OrderRequest(**args)  # type: ignore[arg-type]


def test_a_covered_tow_goes_to_the_nearest_tow_truck_and_uses_the_package(
    session: Session, world: World
) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    assert order.status is OrderStatus.offered
    assert (order.covered, order.price_fen) == (True, 0)
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.unit_id == world.units["lift"].id  # 0.6 km away, the flatbed is 3.4 km
    assert offer.expires_at == NOW + timedelta(seconds=dispatching.OFFER_SECONDS)
    assert 0 < offer.eta_s < 15 * 60
    assert not order.beyond_circle
    assert world.units["lift"].status is UnitStatus.busy
    use = session.scalars(select(Use).where(Use.reference == order.number)).one()
    assert use.price_fen == 0
    assert (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.event_type == "orders.offer_made")
        )
        == 1
    )


def test_an_electric_car_is_towed_on_a_flatbed(session: Session, world: World) -> None:
    order = dispatching.submit(
        session, world.owner_actor, _tow(world, vehicle_id=world.ev.id), now=NOW
    )
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.unit_id == world.units["flatbed"].id
    assert order.electric


def test_emergency_charging_gets_the_charger_van(session: Session, world: World) -> None:
    req = _tow(world, vehicle_id=world.ev.id, service=ServiceType.emergency_charging)
    order = dispatching.submit(session, world.owner_actor, req, now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.unit_id == world.units["charger"].id


def test_the_whole_lifecycle_is_time_stamped_and_frees_the_unit(
    session: Session, world: World
) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    steps.answer(
        session, world.partner_actor, offer.id, accept=True, now=NOW + timedelta(seconds=20)
    )
    assert order.status is OrderStatus.accepted
    assert order.unit_id == world.units["lift"].id
    assert order.cost_fen == 20_000  # base fee; under the 5 included km
    steps.step(
        session, world.partner_actor, order.id, OrderStatus.en_route, now=NOW + timedelta(minutes=1)
    )
    steps.step(
        session, world.partner_actor, order.id, OrderStatus.on_site, now=NOW + timedelta(minutes=6)
    )
    shop = (31.22, 121.46)
    steps.step(
        session,
        world.partner_actor,
        order.id,
        OrderStatus.completed,
        now=NOW + timedelta(minutes=40),
        end_at=shop,
    )
    assert order.rating_requested_at == NOW + timedelta(minutes=40)
    unit = world.units["lift"]
    session.refresh(unit)
    assert unit.status is UnitStatus.available
    assert (unit.lat, unit.lng) == shop
    kinds = [e.kind for e in timeline(session, order.id)]
    assert kinds == ["requested", "offered", "accepted", "en_route", "on_site", "completed"]
    assert (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.event_type == "orders.completed")
        )
        == 1
    )


def test_steps_out_of_order_and_final_steps_without_reason_are_refused(
    session: Session, world: World
) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    steps.answer(session, world.partner_actor, offer.id, accept=True, now=NOW)
    with pytest.raises(TransitionRefused):
        steps.step(session, world.partner_actor, order.id, OrderStatus.completed, now=NOW)
    steps.step(session, world.partner_actor, order.id, OrderStatus.en_route, now=NOW)
    steps.step(session, world.partner_actor, order.id, OrderStatus.on_site, now=NOW)
    with pytest.raises(TransitionRefused):
        steps.step(session, world.partner_actor, order.id, OrderStatus.no_show, now=NOW, reason=" ")
    steps.step(
        session,
        world.partner_actor,
        order.id,
        OrderStatus.no_show,
        now=NOW,
        reason="nobody at the car",
    )
    assert order.final_reason == "nobody at the car"


def test_a_declined_offer_goes_to_the_next_unit(session: Session, world: World) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    first = pending_offer(session, order.id)
    assert first is not None
    steps.answer(session, world.partner_actor, first.id, accept=False, now=NOW, reason="truck full")
    assert first.outcome is OfferOutcome.declined
    second = pending_offer(session, order.id)
    assert second is not None
    assert second.unit_id == world.units["flatbed"].id
    assert world.units["lift"].status is UnitStatus.available
    assert order.status is OrderStatus.offered
    assert order.attempts == 2


def test_an_expired_offer_cannot_be_accepted_and_moves_on(session: Session, world: World) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    first = pending_offer(session, order.id)
    assert first is not None
    late = NOW + timedelta(seconds=dispatching.OFFER_SECONDS + 1)
    with pytest.raises(OfferClosed):
        steps.answer(session, world.partner_actor, first.id, accept=True, now=late)
    assert first.outcome is OfferOutcome.expired
    nxt = pending_offer(session, order.id)
    assert nxt is not None
    assert nxt.unit_id == world.units["flatbed"].id
    with pytest.raises(OfferClosed):  # answering it again
        steps.answer(session, world.partner_actor, first.id, accept=True, now=late)


def test_the_tick_expires_offers_nobody_answered(session: Session, world: World) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    first = pending_offer(session, order.id)
    assert first is not None
    dispatching.tick(session, NOW + timedelta(seconds=61))
    assert first.outcome is OfferOutcome.expired
    nxt = pending_offer(session, order.id)
    assert nxt is not None
    assert nxt.unit_id != first.unit_id


def test_a_partner_cannot_answer_an_offer_it_was_not_given(session: Session, world: World) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    other_org = make_organisation(session)
    make_partner(session, partner_type=PartnerType.rescue, organisation=other_org)
    stranger = make_user(session, role=Role.partner_admin, organisation=other_org)
    with pytest.raises(OfferNotYours):
        steps.answer(session, actor_of(stranger), offer.id, accept=True, now=NOW)
    assert offer.outcome is OfferOutcome.pending


def test_without_a_unit_in_range_the_nearest_shop_gets_a_two_hour_job(
    session: Session, world: World
) -> None:
    for unit in world.units.values():
        units.set_duty(session, unit, on_duty=False)
    shop = make_partner(session, partner_type=PartnerType.repair_shop, location=(31.21, 121.45))
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.partner_id == shop.id
    assert offer.unit_id is None
    assert offer.eta_s == 2 * 3600
    assert order.beyond_circle
    assert order.fallback_location_id is not None


def test_a_far_unit_is_still_sent_and_the_order_is_flagged(session: Session, world: World) -> None:
    for name in ("lift", "flatbed"):
        units.set_duty(session, world.units[name], on_duty=False)
    far = units.register(
        session,
        world.partner_actor,
        partner_id=world.partner.id,
        kind=world.units["lift"].kind,
        call_sign="far-1",
        driver_name="李师傅",
        driver_phone=None,
        city_adcode="310100",
        lat=31.40,
        lng=121.60,
        now=NOW,
    )
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.unit_id == far.id
    assert offer.eta_s > 15 * 60
    assert order.beyond_circle


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(31.0, 122.6), (22.0, 114.5), (39.9, 116.4)],
    ids=["sea", "south-china-sea", "beijing-no-network"],
)
def test_a_point_outside_any_service_area_is_refused(
    session: Session, world: World, lat: float, lng: float
) -> None:
    with pytest.raises(OutsideServiceArea):
        dispatching.submit(session, world.owner_actor, _tow(world, lat=lat, lng=lng), now=NOW)


def test_a_second_tap_within_the_minute_finds_the_first_order(
    session: Session, world: World
) -> None:
    first = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    with pytest.raises(DuplicateOrder) as caught:
        dispatching.submit(session, world.owner_actor, _tow(world), now=NOW + timedelta(seconds=30))
    assert caught.value.order_id == first.id
    later = dispatching.submit(
        session,
        world.owner_actor,
        _tow(world, service=ServiceType.jump_start),
        now=NOW + timedelta(seconds=30),
    )
    assert later.id != first.id


def test_an_uncovered_service_needs_the_price_accepted(session: Session, world: World) -> None:
    req = _tow(world, service=ServiceType.lockout)
    with pytest.raises(PriceNotAccepted) as caught:
        dispatching.submit(session, world.owner_actor, req, now=NOW)
    assert caught.value.price_fen == 20_000
    order = dispatching.submit(
        session,
        world.owner_actor,
        _tow(world, service=ServiceType.lockout, accept_price=True),
        now=NOW,
    )
    assert (order.covered, order.price_fen) == (False, 20_000)


def test_a_booked_service_is_not_dispatched(session: Session, world: World) -> None:
    with pytest.raises(NotDispatched):
        dispatching.submit(
            session, world.owner_actor, _tow(world, service=ServiceType.car_wash), now=NOW
        )


def test_cancelling_gives_the_package_use_back_and_frees_the_unit(
    session: Session, world: World
) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    steps.cancel(
        session,
        world.owner_actor,
        order.id,
        reason="fixed it myself",
        now=NOW + timedelta(minutes=2),
    )
    assert order.status is OrderStatus.cancelled
    assert offer.outcome is OfferOutcome.withdrawn
    assert world.units["lift"].status is UnitStatus.available
    use = session.scalars(select(Use).where(Use.reference == order.number)).one()
    assert use.returned_at is not None
    with pytest.raises(TransitionRefused):
        steps.cancel(
            session, world.owner_actor, order.id, reason="again", now=NOW + timedelta(minutes=3)
        )
    again = dispatching.submit(
        session, world.owner_actor, _tow(world), now=NOW + timedelta(minutes=5)
    )
    assert again.covered  # the quota came back


def test_two_dispatchers_cannot_give_one_unit_two_jobs(session: Session, world: World) -> None:
    van = world.units["van"]
    one = dispatching.submit(
        session, world.owner_actor, _tow(world, service=ServiceType.jump_start), now=NOW
    )
    assert pending_offer(session, one.id).unit_id != van.id  # type: ignore[union-attr]
    two = dispatching.submit(
        session,
        world.owner_actor,
        _tow(world, vehicle_id=world.ev.id, service=ServiceType.lockout, accept_price=True),
        now=NOW,
    )
    holder = pending_offer(session, two.id)
    assert holder is not None
    assert holder.unit_id == van.id
    with pytest.raises(UnitUnavailable):
        steps.assign(session, world.dispatcher, one.id, van.id, now=NOW)
    with pytest.raises(UnitNotSuitable):
        steps.assign(session, world.dispatcher, one.id, world.units["charger"].id, now=NOW)
    claims = session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(Offer.unit_id == van.id, Offer.outcome == OfferOutcome.pending)
    )
    assert claims == 1


def test_a_dispatcher_reassigns_to_a_chosen_unit(session: Session, world: World) -> None:
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    first = pending_offer(session, order.id)
    assert first is not None
    steps.assign(session, world.dispatcher, order.id, world.units["flatbed"].id, now=NOW)
    assert first.outcome is OfferOutcome.withdrawn
    assert world.units["lift"].status is UnitStatus.available
    now_pending = pending_offer(session, order.id)
    assert now_pending is not None
    assert now_pending.unit_id == world.units["flatbed"].id


def test_stale_and_future_positions_are_refused(session: Session, world: World) -> None:
    van = world.units["van"]
    units.post_position(
        session,
        van,
        lat=31.21,
        lng=121.45,
        at=NOW + timedelta(seconds=5),
        now=NOW + timedelta(seconds=5),
    )
    with pytest.raises(StalePosition):
        units.post_position(
            session, van, lat=31.0, lng=121.0, at=NOW, now=NOW + timedelta(seconds=6)
        )
    with pytest.raises(StalePosition):
        units.post_position(session, van, lat=31.0, lng=121.0, at=NOW + timedelta(hours=1), now=NOW)
    assert (van.lat, van.lng) == (31.21, 121.45)


def test_a_unit_whose_position_went_stale_is_not_sent(session: Session, world: World) -> None:
    later = NOW + timedelta(minutes=30)  # every unit last reported at NOW
    units.post_position(session, world.units["flatbed"], lat=31.17, lng=121.43, at=later, now=later)
    order = dispatching.submit(session, world.owner_actor, _tow(world), now=later)
    offer = pending_offer(session, order.id)
    assert offer is not None
    assert offer.unit_id == world.units["flatbed"].id


def test_a_burst_is_assigned_in_one_tick_without_double_assignment(
    session: Session, world: World
) -> None:
    for i in range(3):
        units.register(
            session,
            world.partner_actor,
            partner_id=world.partner.id,
            kind=world.units["lift"].kind,
            call_sign=f"burst-{i}",
            driver_name="王师傅",
            driver_phone=None,
            city_adcode="310100",
            lat=31.19 + i * 0.01,
            lng=121.44,
            now=NOW,
        )
    orders = []
    for _ in range(4):
        from tests.factories.customers import make_vehicle

        car = make_vehicle(session)
        orders.append(
            request(
                session,
                world.dispatcher,
                OrderRequest(
                    vehicle_id=car.id,
                    service=ServiceType.tow,
                    lat=CAR[0],
                    lng=CAR[1],
                    channel=OrderChannel.phone,
                    accept_price=True,
                ),
                now=NOW,
            )
        )
    made = dispatching.tick(session, NOW)
    assert made == 4
    offered = [pending_offer(session, o.id) for o in orders]
    unit_ids = [o.unit_id for o in offered if o is not None]
    assert len(unit_ids) == 4
    assert len(set(unit_ids)) == 4
    assert (
        session.scalar(
            select(func.count()).select_from(OrderEvent).where(OrderEvent.kind == "offered")
        )
        == 4
    )


def test_a_tow_is_paid_by_the_towed_distance(session: Session, world: World) -> None:
    import numpy as np

    order = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    offer = pending_offer(session, order.id)
    assert offer is not None
    steps.answer(session, world.partner_actor, offer.id, accept=True, now=NOW)
    steps.step(session, world.partner_actor, order.id, OrderStatus.en_route, now=NOW)
    steps.step(session, world.partner_actor, order.id, OrderStatus.on_site, now=NOW)
    shop = (31.30, 121.50)
    steps.step(session, world.partner_actor, order.id, OrderStatus.completed, now=NOW, end_at=shop)
    towed = float(dispatching.TRAVEL.km(np.array([CAR[0]]), np.array([CAR[1]]), *shop)[0])
    assert 15 < towed < 20  # 12.5 km as the crow flies, × the detour factor
    assert order.cost_fen == 20_000 + int(800 * (towed - 5) + 0.5)


def test_a_premium_cars_tow_comes_with_a_replacement_car(session: Session, world: World) -> None:
    world.car.purchase_price_fen = 52_000_000
    session.flush()
    tow = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    assert tow.premium
    assert tow.replacement_offered
    car = steps.replacement_car(session, world.owner_actor, tow.id, now=NOW + timedelta(minutes=5))
    assert car.service is ServiceType.replacement_car
    assert (car.covered, car.price_fen, car.status) == (True, 0, OrderStatus.requested)
    assert pending_offer(session, car.id) is None  # staff arrange it with a rental partner
    with pytest.raises(DuplicateOrder):
        steps.replacement_car(session, world.owner_actor, tow.id, now=NOW + timedelta(minutes=5))
    with pytest.raises(TransitionRefused):
        steps.fulfil(session, world.dispatcher, car.id, now=NOW, note_text=" ")
    done = steps.fulfil(
        session,
        world.dispatcher,
        car.id,
        now=NOW + timedelta(hours=1),
        note_text="大众帕萨特已送达",
    )
    assert done.status is OrderStatus.completed
    assert done.rating_requested_at is not None


def test_an_ordinary_cars_tow_offers_no_replacement(session: Session, world: World) -> None:
    tow = dispatching.submit(session, world.owner_actor, _tow(world), now=NOW)
    assert not tow.replacement_offered
    with pytest.raises(TransitionRefused):
        steps.replacement_car(session, world.owner_actor, tow.id, now=NOW)


def test_a_parking_voucher_is_issued_at_once(session: Session, world: World) -> None:
    req = _tow(world, service=ServiceType.parking_voucher, accept_price=True)
    order = dispatching.submit(session, world.owner_actor, req, now=NOW)
    assert order.status is OrderStatus.completed
    assert order.final_reason is not None
    assert order.final_reason.startswith("PV")
    assert pending_offer(session, order.id) is None
    assert [e.kind for e in timeline(session, order.id)] == ["requested", "voucher_issued"]
    assert (
        session.scalars(select(Use).where(Use.reference == order.number)).one().price_fen == 2_000
    )
