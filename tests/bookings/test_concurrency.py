"""Two real connections at once: booking the last place, the same car twice in one slot, and two
cancellations of one booking each end with exactly one winner, and the counters agree."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits
from carecover.benefits.models import Use
from carecover.bookings import service
from carecover.bookings.errors import AlreadyCancelled, SlotFull, VehicleAlreadyBooked
from carecover.bookings.models import BookableService, Booking
from carecover.bookings.service import slots
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from tests.bookings.helpers import MONDAY, NOW, WASH, beijing, insured_with, make_shop, offer
from tests.factories.claims import Insured

TEN = beijing(MONDAY, "10:00")
AFTERNOON = beijing(MONDAY, "14:00")


def race(db: Database, attempts: list[Callable[[Session], object]]) -> list[str]:
    """Run each attempt in its own session and thread, released together; the outcomes."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def run(attempt: Callable[[Session], object]) -> None:
        with db.session() as s:
            barrier.wait()
            try:
                with s.begin():
                    attempt(s)
                outcomes.append("won")
            except (SlotFull, VehicleAlreadyBooked, AlreadyCancelled) as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def booking_of(
    insured: Insured, service_id: uuid.UUID, at: datetime = TEN
) -> Callable[[Session], object]:
    def attempt(s: Session) -> object:
        location_id = s.scalar(
            select(BookableService.location_id).where(BookableService.id == service_id)
        )
        return service.book(
            s, insured.actor, vehicle_id=insured.car.id, location_id=location_id,
            service=WASH, starts_at=at, now=NOW,
        )  # fmt: skip

    return attempt


def test_two_owners_booking_the_last_place_have_exactly_one_winner(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        svc = offer(s, make_shop(s), WASH, capacity=1)
        first, second = insured_with(s), insured_with(s)
    assert race(fresh_db, [booking_of(first, svc.id), booking_of(second, svc.id)]) == [
        "booking_slot_full",
        "won",
    ]
    with fresh_db.session() as s:
        assert slots.slot_at(s, svc, TEN).booked == 1
        assert s.scalar(select(func.count()).select_from(Booking)) == 1
        refs = s.scalars(select(Use.reference).where(Use.reference.like("booking:%"))).all()
        assert len(refs) == 1  # the loser used no entitlement
        remaining = sorted(
            benefits.check(s, car.id, WASH, at=TEN).remaining or 0
            for car in (first.car, second.car)
        )
        assert remaining == [1, 2]


def test_one_car_booking_one_slot_twice_at_once_gets_one_booking(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        svc = offer(s, make_shop(s), WASH, capacity=3)
        owner = insured_with(s)
    assert race(fresh_db, [booking_of(owner, svc.id), booking_of(owner, svc.id)]) == [
        "booking_vehicle_already_booked",
        "won",
    ]
    with fresh_db.session() as s:
        assert slots.slot_at(s, svc, TEN).booked == 1
        assert benefits.check(s, owner.car.id, WASH, at=TEN).remaining == 1


def test_two_cancellations_of_one_booking_give_the_wash_back_once(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        svc = offer(s, make_shop(s), WASH, capacity=1)
        owner = insured_with(s)
        made = booking_of(owner, svc.id, at=AFTERNOON)(s)  # cancelled in time
        assert isinstance(made, Booking)
        booking_id = made.id
    actor: Actor = owner.actor

    def cancelling(s: Session) -> object:
        return service.cancel(s, actor, booking_id, reason="plans_changed", now=NOW)

    assert race(fresh_db, [cancelling, cancelling]) == ["booking_already_cancelled", "won"]
    with fresh_db.session() as s:
        assert benefits.check(s, owner.car.id, WASH, at=AFTERNOON).remaining == 2
        assert slots.slot_at(s, svc, AFTERNOON).booked == 0
