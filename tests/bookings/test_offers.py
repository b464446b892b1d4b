"""Booking from a maintenance reminder: the care request telematics records gets the shop's
nearest open maintenance slots offered (nothing held), the owner is told once, and confirming a
slot books it (channel reminder, linked to the request)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.bookings.enums import BookingChannel
from carecover.bookings.errors import OfferNotFound
from carecover.bookings.handlers import offer_maintenance_slots
from carecover.bookings.models import SlotOffer
from carecover.bookings.service import offers, slots, views
from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.platform.events.dispatcher import dispatch_batch
from carecover.telematics.models import CareRequest
from carecover.telematics.service import care
from carecover.telematics.service.care import CareKind, CareRequested
from tests.bookings.helpers import (
    MAINTENANCE,
    MONDAY,
    NOW,
    Shop,
    beijing,
    insured_with,
    make_shop,
    offer,
)
from tests.factories.claims import Insured


def requested(
    session: Session, insured: Insured, shop: Shop, kind: CareKind = CareKind.maintenance
) -> CareRequest:
    row, created = care.request(
        session, insured.actor, insured.car.id, kind,
        reminder_key="oil:2026-12", location_id=shop.location.id,
    )  # fmt: skip
    assert created
    return row


def test_the_nearest_open_slots_are_offered_and_confirming_one_books_it(
    session: Session,
) -> None:
    shop = make_shop(session)
    svc = offer(session, shop, MAINTENANCE, capacity=1, slot_min=120, price_fen=48_000)
    insured = insured_with(session, "FUEL_CARE_2026")
    taken = slots.slot_at(session, svc, beijing(MONDAY, "10:00"))
    assert slots.take_place(session, taken)  # someone has the 10:00 slot
    request = requested(session, insured, shop)
    made = offers.offer_for(session, request, now=NOW)
    assert made is not None
    assert [offers.slot_start(s) for s in made.slots] == [
        beijing(MONDAY, "12:00"),
        beijing(MONDAY, "14:00"),
        beijing(MONDAY, "16:00"),
    ]  # 08:00 has begun at 09:30, 10:00 is full
    assert offers.offer_for(session, request, now=NOW + timedelta(hours=1)).id == made.id
    booking = offers.confirm(
        session, insured.actor, made.id, starts_at=offers.slot_start(made.slots[1]), now=NOW
    )
    assert (booking.channel, booking.care_request_id) == (BookingChannel.reminder, request.id)
    assert (booking.covered, booking.price_fen) == (True, 0)
    assert made.booking_id == booking.id
    again = offers.confirm(
        session, insured.actor, made.id, starts_at=offers.slot_start(made.slots[0]), now=NOW
    )
    assert again.id == booking.id  # a second tap books nothing more
    assert offers.open_for_owner(session, insured.actor) == []
    stranger = insured_with(session)
    with pytest.raises(OfferNotFound):
        offers.get_for(session, stranger.actor, made.id)


def test_no_offer_without_a_shop_that_takes_maintenance_bookings(session: Session) -> None:
    insured = insured_with(session)
    wash_only = make_shop(session)
    offer(session, wash_only)  # a car wash service only
    assert offers.offer_for(session, requested(session, insured, wash_only), now=NOW) is None
    shop = make_shop(session)
    offer(session, shop, MAINTENANCE)
    repair = requested(session, insured, shop, CareKind.repair)
    assert offers.offer_for(session, repair, now=NOW) is None  # repairs are not slot bookings


def test_the_owner_is_told_once_when_the_reminder_gets_slots(session: Session) -> None:
    shop = make_shop(session, name="安心汽修 徐汇店")
    offer(session, shop, MAINTENANCE, opens="00:00", closes="24:00", slot_min=60)
    insured = insured_with(session, starts_at=utc_now() - timedelta(days=1))
    request = requested(session, insured, shop)
    event = CareRequested(request_id=request.id, vehicle_id=insured.car.id, kind="maintenance")
    offer_maintenance_slots(session, event)
    offer_maintenance_slots(session, event)  # delivered twice: one offer, one message
    made = session.scalars(select(SlotOffer)).one()
    assert len(made.slots) == 3
    first = offers.slot_start(made.slots[0])
    assert utc_now() < first <= utc_now() + timedelta(hours=1)
    notes = session.scalars(
        select(Notification).where(Notification.user_id == insured.owner.id)
    ).all()
    assert [n.message_key for n in notes] == ["notice.booking.slots_offered"]
    assert notes[0].params["count"] == 3
    assert notes[0].params["site"] == shop.location.name
    rescue = CareRequested(request_id=request.id, vehicle_id=insured.car.id, kind="rescue")
    offer_maintenance_slots(session, rescue)
    assert len(session.scalars(select(Notification)).all()) == 1


def test_an_offer_drops_out_when_the_shop_stops_taking_the_bookings(session: Session) -> None:
    shop = make_shop(session)
    svc = offer(session, shop, MAINTENANCE)
    insured = insured_with(session)
    made = offers.offer_for(session, requested(session, insured, shop), now=NOW)
    assert made is not None
    assert len(views.offers_read(session, [made], now=NOW)) == 1
    svc.is_active = False
    session.flush()
    assert views.offers_read(session, [made], now=NOW) == []


def test_the_worker_delivers_the_care_request_to_the_bookings_handler(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        shop = make_shop(s)
        offer(s, shop, MAINTENANCE, opens="00:00", closes="24:00")
        insured = insured_with(s, starts_at=utc_now() - timedelta(days=1))
        request = requested(s, insured, shop)
    while dispatch_batch(fresh_db, worker_id="test"):
        pass
    with fresh_db.session() as s:
        made = s.scalars(select(SlotOffer).where(SlotOffer.care_request_id == request.id)).one()
        assert len(made.slots) == 3
        keys = sorted(
            s.scalars(
                select(Notification.message_key).where(Notification.user_id == insured.owner.id)
            )
        )
    assert keys == [
        "notice.booking.slots_offered",
        "notice.care.maintenance.site",
        "notice.welcome",
    ]  # the welcome comes with the new account
