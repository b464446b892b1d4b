"""Entitlements: decisions with reasons, quotas per period, atomic use of the last unit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits import service
from carecover.benefits.catalogue import MARKET_PRICE_FEN, PACKAGES
from carecover.benefits.enums import ServiceType
from carecover.benefits.errors import (
    DuplicateUse,
    IncidentRequired,
    NotEntitled,
    QuotaExhausted,
    UnknownPackage,
)
from carecover.benefits.models import Use
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.vehicles.enums import Powertrain
from tests.factories.customers import make_vehicle

SYSTEM = Actor.system()
NOV = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)


def test_wash_package_quota_resets_each_beijing_month(session: Session) -> None:
    car = make_vehicle(session)
    service.grant_package(
        session, SYSTEM, vehicle_id=car.id, package_code="WASH_MONTHLY_2026", starts_at=NOV
    )
    for n in range(4):
        service.use(session, SYSTEM, car.id, ServiceType.car_wash, reference=f"w{n}", at=NOV)
    decision = service.check(session, car.id, ServiceType.car_wash, at=NOV)
    assert decision.covered is False
    assert decision.reason == "quota_exhausted"
    assert decision.price_fen == MARKET_PRICE_FEN[ServiceType.car_wash]
    with pytest.raises(QuotaExhausted):
        service.use(session, SYSTEM, car.id, ServiceType.car_wash, reference="w5", at=NOV)
    paid = service.use(
        session, SYSTEM, car.id, ServiceType.car_wash, reference="w6", at=NOV, allow_paid=True
    )
    assert paid.price_fen == 4_000
    # 1 December 00:30 Beijing time is still 30 November in UTC: a new month for the customer.
    december_beijing = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    fresh = service.check(session, car.id, ServiceType.car_wash, at=december_beijing)
    assert fresh.covered is True
    assert fresh.remaining == 4
    assert fresh.period_key == "m:2026-12"


def test_package_price_is_15_percent_below_market() -> None:
    wash = PACKAGES["WASH_MONTHLY_2026"]
    assert wash.price_fen == 163_200
    assert wash.price_fen == MARKET_PRICE_FEN[ServiceType.car_wash] * 48 * 85 // 100


def test_no_grant_means_paid_at_market_price(session: Session) -> None:
    car = make_vehicle(session)
    decision = service.check(session, car.id, ServiceType.designated_driver)
    assert (decision.covered, decision.reason, decision.price_fen) == (False, "not_entitled", 8_000)
    with pytest.raises(NotEntitled):
        service.use(session, SYSTEM, car.id, ServiceType.designated_driver, reference="d1")


def test_tow_is_counted_per_incident_with_its_distance_cap(session: Session) -> None:
    car = make_vehicle(session, powertrain=Powertrain.bev)
    service.grant_package(session, SYSTEM, vehicle_id=car.id, package_code="NEV_CARE_2026")
    with pytest.raises(IncidentRequired):
        service.check(session, car.id, ServiceType.tow)
    first = service.check(session, car.id, ServiceType.tow, incident_ref="inc-1")
    assert first.covered
    assert first.rules == {"max_km": 100, "flatbed": True}
    service.use(session, SYSTEM, car.id, ServiceType.tow, reference="t1", incident_ref="inc-1")
    assert not service.check(session, car.id, ServiceType.tow, incident_ref="inc-1").covered
    assert service.check(session, car.id, ServiceType.tow, incident_ref="inc-2").covered


def test_yearly_quota_counts_from_the_grant_start(session: Session) -> None:
    car = make_vehicle(session)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    service.grant_package(
        session, SYSTEM, vehicle_id=car.id, package_code="OEM_BUNDLE_2026", starts_at=start
    )
    for n, at in enumerate((start + timedelta(days=10), start + timedelta(days=200))):
        service.use(
            session, SYSTEM, car.id, ServiceType.basic_maintenance, reference=f"m{n}", at=at
        )
    assert not service.check(
        session, car.id, ServiceType.basic_maintenance, at=start + timedelta(days=300)
    ).covered
    second_year = service.check(
        session, car.id, ServiceType.basic_maintenance, at=start + timedelta(days=400)
    )
    assert second_year.covered
    assert second_year.period_key == "y:2"


def test_expired_grants_cover_nothing_and_balances_show_what_is_left(session: Session) -> None:
    car = make_vehicle(session)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    service.grant_package(
        session, SYSTEM, vehicle_id=car.id, package_code="FUEL_CARE_2026", starts_at=start
    )
    assert (
        service.check(
            session, car.id, ServiceType.car_wash, at=datetime(2026, 6, 1, tzinfo=UTC)
        ).reason
        == "not_entitled"
    )
    at = datetime(2025, 5, 5, tzinfo=UTC)
    service.use(session, SYSTEM, car.id, ServiceType.car_wash, reference="b1", at=at)
    by_service = {b.service: b for b in service.balances(session, car.id, at=at)}
    assert by_service[ServiceType.car_wash].remaining == 1
    assert by_service[ServiceType.car_wash].used == 1
    assert by_service[ServiceType.priority_repair].remaining is None


def test_each_order_reference_uses_an_entitlement_once(session: Session) -> None:
    car = make_vehicle(session)
    service.grant_package(session, SYSTEM, vehicle_id=car.id, package_code="FUEL_CARE_2026")
    service.use(session, SYSTEM, car.id, ServiceType.jump_start, reference="order-42")
    with pytest.raises(DuplicateUse):
        service.use(session, SYSTEM, car.id, ServiceType.jump_start, reference="order-42")
    with pytest.raises(UnknownPackage):
        service.grant_package(session, SYSTEM, vehicle_id=car.id, package_code="NOPE")


def test_two_concurrent_uses_of_the_last_wash_have_exactly_one_winner(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        car = make_vehicle(s)
        service.grant_package(
            s, SYSTEM, vehicle_id=car.id, package_code="WASH_MONTHLY_2026", starts_at=NOV
        )
        for n in range(3):
            service.use(s, SYSTEM, car.id, ServiceType.car_wash, reference=f"early-{n}", at=NOV)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(name: str) -> None:
        with fresh_db.session() as s:
            barrier.wait()
            try:
                with s.begin():
                    service.use(s, SYSTEM, car.id, ServiceType.car_wash, reference=name, at=NOV)
                outcomes.append("won")
            except QuotaExhausted:
                outcomes.append("exhausted")

    threads = [threading.Thread(target=attempt, args=(f"last-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["exhausted", "won"]
    with fresh_db.session() as s:
        free_uses = s.scalar(
            select(func.count())
            .select_from(Use)
            .where(Use.item_id.is_not(None), Use.vehicle_id == car.id)
        )
        assert free_uses == 4
