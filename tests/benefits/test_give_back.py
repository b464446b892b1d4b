"""Giving a use back: the unit returns to the counter it came from (same item, same period),
a paid or unlimited use is only marked returned, a use goes back once (also under concurrency),
every give-back is audited and published."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from carecover.benefits import service
from carecover.benefits.enums import ServiceType
from carecover.benefits.errors import UseAlreadyReturned, UseNotFound
from carecover.benefits.models import QuotaCounter, Use
from carecover.platform.audit import AuditEntry
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.events.models import OutboxMessage
from tests.factories.customers import make_vehicle

SYSTEM = Actor.system()
NOV = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)
DEC = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
WASH = ServiceType.car_wash


def counter(session: Session, use: Use) -> int:
    assert use.item_id is not None
    assert use.period_key is not None
    row = session.execute(
        select(QuotaCounter.used).where(
            QuotaCounter.item_id == use.item_id, QuotaCounter.period_key == use.period_key
        )
    ).scalar_one()
    return int(row)


def test_a_given_back_wash_returns_to_the_month_it_was_taken_from(session: Session) -> None:
    car = make_vehicle(session)
    service.grant_package(
        session, SYSTEM, vehicle_id=car.id, package_code="WASH_MONTHLY_2026", starts_at=NOV
    )
    uses = [
        service.use(session, SYSTEM, car.id, WASH, reference=f"bk-{n}", at=NOV) for n in range(4)
    ]
    assert service.check(session, car.id, WASH, at=NOV).covered is False
    returned = service.give_back(session, SYSTEM, reference="bk-2", at=DEC, reason="cancelled")
    assert returned.id == uses[2].id
    assert returned.returned_at == DEC
    assert returned.return_reason == "cancelled"
    assert counter(session, returned) == 3
    november = service.check(session, car.id, WASH, at=NOV)
    assert (november.covered, november.remaining) == (True, 1)
    assert service.check(session, car.id, WASH, at=DEC).remaining == 4  # December untouched
    again = service.use(session, SYSTEM, car.id, WASH, reference="bk-9", at=NOV)
    assert again.price_fen == 0
    assert again.item_id is not None
    audit = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "benefits.returned", AuditEntry.object_id == str(car.id)
        )
    ).one()
    assert audit.details["reference"] == "bk-2"
    assert audit.details["unit_returned"] is True
    event = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "benefits.entitlement_returned")
    ).one()
    assert event.payload["reference"] == "bk-2"
    assert event.payload["unit_returned"] is True
    assert event.payload["vehicle_id"] == str(car.id)


def test_a_use_goes_back_once_and_an_unknown_reference_is_a_typed_error(
    session: Session,
) -> None:
    car = make_vehicle(session)
    service.grant_package(session, SYSTEM, vehicle_id=car.id, package_code="FUEL_CARE_2026")
    used = service.use(session, SYSTEM, car.id, ServiceType.jump_start, reference="o-1")
    service.give_back(session, SYSTEM, reference="o-1", reason="order cancelled")
    with pytest.raises(UseAlreadyReturned) as twice:
        service.give_back(session, SYSTEM, reference="o-1", reason="again")
    assert twice.value.params == {"reference": "o-1"}
    assert counter(session, used) == 0
    with pytest.raises(UseNotFound):
        service.give_back(session, SYSTEM, reference="no-such-order", reason="x")
    reasons = session.scalars(select(Use.return_reason).where(Use.reference == "o-1")).all()
    assert reasons == ["order cancelled"]  # the refused second call changed nothing


def test_paid_and_unlimited_uses_are_marked_returned_without_touching_a_counter(
    session: Session,
) -> None:
    car = make_vehicle(session)
    service.grant_package(
        session, SYSTEM, vehicle_id=car.id, package_code="FUEL_CARE_2026", starts_at=NOV
    )
    free = [service.use(session, SYSTEM, car.id, WASH, reference=f"w{n}", at=NOV) for n in (1, 2)]
    paid = service.use(session, SYSTEM, car.id, WASH, reference="w3", at=NOV, allow_paid=True)
    assert (paid.item_id, paid.price_fen) == (None, 4_000)
    unlimited = service.use(session, SYSTEM, car.id, ServiceType.priority_repair, reference="r1")
    assert unlimited.item_id is not None
    service.give_back(session, SYSTEM, reference="w3", at=NOV, reason="cancelled")
    service.give_back(session, SYSTEM, reference="r1", reason="cancelled")
    assert counter(session, free[0]) == 2  # the paid use took no unit and gave none back
    events = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "benefits.entitlement_returned")
    ).all()
    assert sorted((e.payload["reference"], e.payload["unit_returned"]) for e in events) == [
        ("r1", False),
        ("w3", False),
    ]
    assert {e.payload["price_fen"] for e in events} == {4_000, 0}


def test_a_counter_never_goes_below_zero(session: Session) -> None:
    car = make_vehicle(session)
    service.grant_package(
        session, SYSTEM, vehicle_id=car.id, package_code="WASH_MONTHLY_2026", starts_at=NOV
    )
    used = service.use(session, SYSTEM, car.id, WASH, reference="z1", at=NOV)
    session.execute(update(QuotaCounter).values(used=0))  # as if the counter had been reset
    back = service.give_back(session, SYSTEM, reference="z1", at=NOV, reason="cancelled")
    assert back.returned_at is not None
    assert counter(session, used) == 0
    event = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "benefits.entitlement_returned")
    ).one()
    assert event.payload["unit_returned"] is False


def test_two_concurrent_give_backs_of_one_use_have_exactly_one_winner(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        car = make_vehicle(s)
        service.grant_package(
            s, SYSTEM, vehicle_id=car.id, package_code="WASH_MONTHLY_2026", starts_at=NOV
        )
        for n in range(3):
            service.use(s, SYSTEM, car.id, WASH, reference=f"c{n}", at=NOV)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        with fresh_db.session() as s:
            barrier.wait()
            try:
                with s.begin():
                    service.give_back(s, SYSTEM, reference="c1", at=NOV, reason="cancelled")
                outcomes.append("returned")
            except UseAlreadyReturned:
                outcomes.append("already")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["already", "returned"]
    with fresh_db.session() as s:
        assert service.check(s, car.id, WASH, at=NOV).remaining == 2  # 4 - 3 + 1, not + 2
