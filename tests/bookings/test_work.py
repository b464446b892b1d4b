"""The location's side: its day, check-in from an hour before, completion after a check-in
(ready for a rating), no-show from 15 minutes after the start; only the location's own partner
works its bookings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.bookings import service
from carecover.bookings.enums import BookingStatus
from carecover.bookings.errors import BookingNotFound, LocationNotFound, StatusRefused, TooEarly
from carecover.bookings.service import search
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden
from carecover.platform.events.models import OutboxMessage
from tests.bookings.helpers import MONDAY, NOW, WASH, Shop, beijing, insured_with, make_shop, offer
from tests.factories.accounts import make_user

TEN = beijing(MONDAY, "10:00")


def staff_of(session: Session, shop: Shop, role: Role = Role.partner_staff) -> Actor:
    user = make_user(session, role=role, organisation=shop.organisation)
    return Actor(user.id, role, shop.organisation.id)


def booked(session: Session, shop: Shop, at=TEN):  # type: ignore[no-untyped-def]
    found = search.services_at(session, shop.location.id)
    svc = found[0] if found else offer(session, shop, WASH)
    insured = insured_with(session)
    made = service.book(
        session, insured.actor, vehicle_id=insured.car.id, location_id=shop.location.id,
        service=svc.service, starts_at=at, now=NOW,
    )  # fmt: skip
    return made, insured


def test_check_in_then_complete_makes_the_booking_ready_for_a_rating(session: Session) -> None:
    shop = make_shop(session)
    worker = staff_of(session, shop)
    made, insured = booked(session, shop)
    with pytest.raises(StatusRefused):
        service.complete(session, worker, made.id, now=TEN)
    with pytest.raises(TooEarly):
        service.check_in(session, worker, made.id, now=TEN - timedelta(minutes=61))
    arrived = service.check_in(session, worker, made.id, now=TEN - timedelta(minutes=10))
    assert (arrived.status, arrived.checked_in_at) == (
        BookingStatus.checked_in,
        TEN - timedelta(minutes=10),
    )
    with pytest.raises(StatusRefused) as twice:
        service.check_in(session, worker, made.id, now=TEN)
    assert twice.value.problem_extra("en") == {
        "current_status": "checked_in",
        "wanted_status": "checked_in",
    }
    done = service.complete(session, worker, made.id, now=TEN + timedelta(minutes=35))
    assert done.status is BookingStatus.completed
    assert done.completed_at == TEN + timedelta(minutes=35)
    event = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "bookings.completed")
    ).one()
    assert event.payload["booking_id"] == str(made.id)
    with pytest.raises(StatusRefused):  # a completed booking cannot be cancelled
        service.cancel(session, insured.actor, made.id, reason="x", now=NOW)


def test_a_no_show_waits_15_minutes_and_keeps_the_entitlement_used(session: Session) -> None:
    shop = make_shop(session)
    worker = staff_of(session, shop, Role.partner_admin)
    made, insured = booked(session, shop)
    with pytest.raises(TooEarly):
        service.no_show(session, worker, made.id, now=TEN + timedelta(minutes=14))
    gone = service.no_show(
        session, worker, made.id, reason="  no answer  ", now=TEN + timedelta(minutes=15)
    )
    assert (gone.status, gone.no_show_reason) == (BookingStatus.no_show, "no answer")
    assert benefits.check(session, insured.car.id, WASH, at=TEN).remaining == 1
    with pytest.raises(StatusRefused):
        service.check_in(session, worker, made.id, now=TEN + timedelta(minutes=20))


def test_only_the_locations_partner_works_its_bookings(session: Session) -> None:
    shop = make_shop(session)
    made, insured = booked(session, shop)
    rival = staff_of(session, make_shop(session))
    with pytest.raises(BookingNotFound):
        service.check_in(session, rival, made.id, now=TEN)
    with pytest.raises(BookingNotFound):
        service.check_in(session, insured.actor, made.id, now=TEN)
    ops = make_user(session, role=Role.customer_ops)
    with pytest.raises(Forbidden):
        service.check_in(session, Actor(ops.id, Role.customer_ops), made.id, now=TEN)
    with pytest.raises(LocationNotFound):
        service.location_day(session, rival, shop.location.id, MONDAY)


def test_the_partners_day_lists_its_bookings_by_slot(session: Session) -> None:
    shop = make_shop(session)
    worker = staff_of(session, shop)
    late, _ = booked(session, shop, at=beijing(MONDAY, "15:00"))
    early, owner = booked(session, shop, at=beijing(MONDAY, "11:00"))
    tomorrow, _ = booked(session, shop, at=beijing(MONDAY + timedelta(days=1), "08:00"))
    cancelled, who = booked(session, shop, at=beijing(MONDAY, "10:00"))
    service.cancel(session, who.actor, cancelled.id, reason="plans_changed", now=NOW)
    booked(session, make_shop(session), at=beijing(MONDAY, "12:00"))  # another partner's
    site, rows = service.location_day(session, worker, shop.location.id, MONDAY)
    assert site.id == shop.location.id
    assert [b.id for b in rows] == [early.id, late.id, cancelled.id]  # cancelled last
    across = service.partner_day(session, worker, MONDAY)
    assert [b.id for b, _ in across] == [early.id, late.id, cancelled.id]
    assert [b.id for b, _ in service.partner_day(session, worker, MONDAY + timedelta(days=1))] == [
        tomorrow.id
    ]
    assert [b.id for b in service.mine(session, owner.actor)] == [early.id]
