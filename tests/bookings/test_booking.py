"""Booking: the entitlement used with the booking (covered → 0, else the location's price once
accepted), every refusal typed and leaving nothing behind; cancelling frees the place and gives
the entitlement back before the 2-hour cutoff, not after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.models import Use
from carecover.bookings import service
from carecover.bookings.enums import BookingChannel, BookingStatus
from carecover.bookings.errors import (
    AlreadyCancelled,
    AlreadyStarted,
    BookingNotFound,
    LocationNotFound,
    PriceNotAccepted,
    ServiceNotOffered,
    SlotFull,
    SlotInPast,
    SlotUnknown,
    VehicleAlreadyBooked,
    VehicleNotFound,
)
from carecover.bookings.models import Booking
from carecover.bookings.service import slots
from carecover.platform.audit import AuditEntry
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import Forbidden
from carecover.platform.events.models import OutboxMessage
from tests.bookings.helpers import (
    MAINTENANCE,
    MONDAY,
    NOW,
    WASH,
    beijing,
    insured_with,
    make_shop,
    offer,
)
from tests.factories.accounts import make_user

TEN = beijing(MONDAY, "10:00")


def book(session: Session, insured, svc, at: datetime = TEN, **kw):  # type: ignore[no-untyped-def]
    return service.book(
        session,
        kw.pop("actor", insured.actor),
        vehicle_id=kw.pop("vehicle_id", insured.car.id),
        location_id=svc.location_id,
        service=svc.service,
        starts_at=at,
        now=kw.pop("now", NOW),
        **kw,
    )


def test_a_covered_wash_costs_nothing_and_uses_the_package(session: Session) -> None:
    svc = offer(session, make_shop(session), WASH, price_fen=3_500)
    insured = insured_with(session, "FUEL_CARE_2026")
    made = book(session, insured, svc)
    assert (made.status, made.price_fen, made.covered) == (BookingStatus.booked, 0, True)
    assert made.package_code == "FUEL_CARE_2026"
    assert made.channel is BookingChannel.app
    assert (made.starts_at, made.ends_at) == (TEN, TEN + timedelta(hours=1))
    assert made.booking_no.startswith("BK261207")
    use = session.scalars(select(Use).where(Use.reference == made.use_reference)).one()
    assert (use.price_fen, use.item_id is not None, use.used_at) == (0, True, TEN)
    assert benefits.check(session, insured.car.id, WASH, at=TEN).remaining == 1  # 2 a month
    assert slots.slot_at(session, svc, TEN).booked == 1
    audit = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "bookings.booked", AuditEntry.object_id == str(made.id)
        )
    ).one()
    assert audit.details["covered"] is True
    event = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "bookings.booked")
    ).one()
    assert event.payload["booking_id"] == str(made.id)


def test_without_a_package_the_owner_must_accept_the_locations_price(session: Session) -> None:
    svc = offer(session, make_shop(session), WASH, price_fen=3_500)
    insured = insured_with(session, None)
    with pytest.raises(PriceNotAccepted) as refused:
        book(session, insured, svc)
    assert refused.value.price_fen == 3_500
    assert refused.value.problem_extra("en") == {"price_fen": 3_500, "entitlement": "not_entitled"}
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    assert slots.slot_at(session, svc, TEN).booked == 0  # the place was given back
    paid = book(session, insured, svc, accept_price=True)
    assert (paid.price_fen, paid.covered, paid.package_code) == (3_500, False, None)


def test_the_quota_of_the_slots_month_is_used(session: Session) -> None:
    svc = offer(session, make_shop(session), WASH)
    insured = insured_with(session, "FUEL_CARE_2026")
    now = beijing(MONDAY - timedelta(days=7), "12:00")  # 30 November in Beijing
    for at in (
        beijing(MONDAY - timedelta(days=6), "10:00"),
        beijing(MONDAY - timedelta(days=6), "11:00"),
    ):
        book(session, insured, svc, at=at, now=now)  # 1 December: December's two washes
    with pytest.raises(PriceNotAccepted) as refused:
        book(session, insured, svc, at=TEN, now=now)
    assert refused.value.reason == "quota_exhausted"
    november = book(session, insured, svc, at=beijing(MONDAY - timedelta(days=7), "15:00"), now=now)
    assert november.covered  # November's quota is untouched


def test_refusals_are_typed(session: Session) -> None:
    shop = make_shop(session)
    svc = offer(session, shop, WASH, capacity=1)
    insured = insured_with(session)
    with pytest.raises(SlotInPast):
        book(session, insured, svc, at=beijing(MONDAY, "09:00"))
    with pytest.raises(SlotUnknown):
        book(session, insured, svc, at=beijing(MONDAY, "10:15"))
    with pytest.raises(ServiceNotOffered):
        service.book(
            session, insured.actor, vehicle_id=insured.car.id, location_id=shop.location.id,
            service=MAINTENANCE, starts_at=TEN, now=NOW,
        )  # fmt: skip
    other = insured_with(session)
    with pytest.raises(VehicleNotFound):
        book(session, insured, svc, vehicle_id=other.car.id)
    book(session, insured, svc)
    with pytest.raises(VehicleAlreadyBooked):
        book(session, insured, svc)
    with pytest.raises(SlotFull):
        book(session, other, svc)
    assert benefits.check(session, other.car.id, WASH, at=TEN).remaining == 2  # nothing used
    elsewhere = offer(session, make_shop(session), MAINTENANCE, slot_min=90, opens="09:45")
    with pytest.raises(VehicleAlreadyBooked):  # 09:45–11:15 elsewhere overlaps the 10:00 wash
        book(session, insured, elsewhere, at=beijing(MONDAY, "09:45"))
    shop.location.is_active = False
    session.flush()
    with pytest.raises(LocationNotFound):
        book(session, other, svc, at=beijing(MONDAY, "11:00"))
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_cancelling_in_time_gives_the_wash_back_and_frees_the_place(session: Session) -> None:
    svc = offer(session, make_shop(session), WASH, capacity=1)
    insured = insured_with(session)
    made = book(session, insured, svc)
    other = insured_with(session)
    with pytest.raises(SlotFull):
        book(session, other, svc)
    done = service.cancel(
        session, insured.actor, made.id, reason="plans_changed", now=TEN - timedelta(hours=2)
    )
    assert done.status is BookingStatus.cancelled
    assert done.entitlement_returned_at == TEN - timedelta(hours=2)
    assert done.held_start is None
    assert benefits.check(session, insured.car.id, WASH, at=TEN).remaining == 2
    use = session.scalars(select(Use).where(Use.reference == made.use_reference)).one()
    assert use.returned_at is not None
    assert book(session, other, svc).covered  # the place is free again
    with pytest.raises(AlreadyCancelled):
        service.cancel(session, insured.actor, made.id, reason="again", now=NOW)
    again = book(session, insured, svc, at=beijing(MONDAY, "11:00"))
    assert again.status is BookingStatus.booked
    events = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "bookings.cancelled")
    ).all()
    assert [e.payload["entitlement_returned"] for e in events] == [True]


def test_a_late_cancellation_keeps_the_entitlement_used(session: Session) -> None:
    svc = offer(session, make_shop(session), WASH, capacity=1)
    insured = insured_with(session)
    made = book(session, insured, svc)
    late = TEN - timedelta(hours=2) + timedelta(seconds=1)
    done = service.cancel(session, insured.actor, made.id, reason="other", now=late)
    assert done.status is BookingStatus.cancelled
    assert done.entitlement_returned_at is None
    assert benefits.check(session, insured.car.id, WASH, at=TEN).remaining == 1
    assert slots.slot_at(session, svc, TEN).booked == 0  # the place is freed all the same
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "bookings.cancelled")
    ).one()
    assert audit.details["late"] is True


def test_who_may_cancel_and_when(session: Session) -> None:
    svc = offer(session, make_shop(session), WASH)
    insured = insured_with(session)
    made = book(session, insured, svc)
    stranger = insured_with(session)
    with pytest.raises(BookingNotFound):
        service.cancel(session, stranger.actor, made.id, reason="mine now", now=NOW)
    dispatcher = make_user(session, role=Role.dispatcher)
    with pytest.raises(Forbidden):
        service.cancel(session, Actor(dispatcher.id, Role.dispatcher), made.id, reason="x", now=NOW)
    with pytest.raises(AlreadyStarted):
        service.cancel(session, insured.actor, made.id, reason="too late", now=TEN)
    ops = make_user(session, role=Role.customer_ops)
    done = service.cancel(
        session, Actor(ops.id, Role.customer_ops), made.id, reason="customer called", now=NOW
    )
    assert done.cancelled_by == ops.id


def test_staff_book_for_a_customer_on_the_phone(session: Session) -> None:
    svc = offer(session, make_shop(session), MAINTENANCE, price_fen=48_000, slot_min=120)
    insured = insured_with(session, "FUEL_CARE_2026")
    ops = make_user(session, role=Role.customer_ops)
    made = book(session, insured, svc, actor=Actor(ops.id, Role.customer_ops))
    assert (made.channel, made.booked_by, made.price_fen) == (BookingChannel.phone, ops.id, 0)
    assert made.customer_id == insured.car.owner_id
    dispatcher = make_user(session, role=Role.dispatcher)
    with pytest.raises(VehicleNotFound):  # reading customers is not booking for them
        book(
            session,
            insured,
            svc,
            at=beijing(MONDAY, "12:00"),
            actor=Actor(dispatcher.id, Role.dispatcher),
        )
    assert datetime(2026, 12, 7, tzinfo=UTC) < made.starts_at
