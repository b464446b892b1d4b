"""The demo world: deterministic, valid, idempotent, and the demo logins see their records."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.accounts.demo import seed_demo_accounts
from carecover.customers import service as customer_service
from carecover.customers.models import Customer
from carecover.entrypoints.seed.world import (
    WorldBuilder,
    WorldSpec,
    clear_world,
    generate,
    link_demo_owners,
    seed_world,
    world_size,
)
from carecover.partners.models import Partner
from carecover.platform.cn import validate_plate, validate_resident_id, validate_vin
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.policies.models import Policy
from carecover.vehicles import service as vehicle_service
from carecover.vehicles.models import Vehicle

NOW = datetime(2026, 11, 25, 4, tzinfo=UTC)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_same_seed_same_world_whatever_the_chunking() -> None:
    spec = WorldSpec(customers=30, cities=3, seed=7, now=NOW)
    one = [r for _, rows in generate(spec, chunk=30) for r in rows]
    again = [r for _, rows in generate(spec, chunk=30) for r in rows]
    assert [r[1]["id"] for r in one] == [r[1]["id"] for r in again]
    other = [r for _, rows in generate(WorldSpec(30, 3, 8, NOW), chunk=30) for r in rows]
    assert one[0][1]["id"] != other[0][1]["id"]


def test_world_is_valid_and_about_40_percent_nev(session: Session) -> None:
    seed_world(session, WorldSpec(customers=300, cities=4, seed=11, now=NOW))
    cars = session.scalars(select(Vehicle)).all()
    assert len(cars) == 300
    nev_share = sum(1 for c in cars if c.powertrain.is_nev) / len(cars)
    assert 0.3 < nev_share < 0.5
    for car in cars[:50]:
        assert validate_vin(car.vin) == car.vin
        plate = vehicle_service.plate_of(car)
        assert plate is not None
        assert validate_plate(plate, private_use=False).is_nev == car.powertrain.is_nev
    customers = session.scalars(select(Customer).limit(20)).all()
    for customer in customers:
        validate_resident_id(customer_service.decrypt(customer, "id_number") or "")
    assert count(session, Policy) >= 300  # every car has compulsory cover
    assert count(session, Partner) > 100
    assert {c.city for c in session.scalars(select(Customer)).all()} <= {
        "北京市",
        "上海市",
        "广州市",
        "深圳市",
    }


def test_seeding_is_idempotent_and_links_the_demo_logins(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        seed_demo_accounts(s, Actor.system())
        seed_world(s, WorldSpec(customers=20, cities=2, seed=3, now=NOW))
        link_demo_owners(s)
    with fresh_db.session() as s:
        assert world_size(s) == 20
        owner = s.scalars(select(Customer).where(Customer.customer_no == "C0000000001")).one()
        assert owner.user_id is not None
        demo_partners = s.scalar(
            select(func.count()).select_from(Partner).where(Partner.legal_name.like("%Anxin%"))
        )
        assert demo_partners == 1
    with fresh_db.session() as s, s.begin():
        clear_world(s)
    with fresh_db.session() as s:
        assert world_size(s) == 0
        assert count(s, Partner) == 0


def test_identifiers_stay_unique_far_beyond_a_small_world() -> None:
    spec = WorldSpec(customers=1, cities=1, seed=1, now=NOW)
    builder = WorldBuilder(spec)
    seen = set()
    for n in range(1, 1_000_001, 997):  # a spread of serials up to one million
        customer = builder.customer(n)
        seen.add(customer.id_number_bidx)
    assert len(seen) == len(range(1, 1_000_001, 997))


def test_parallel_generation_yields_the_same_rows_in_order() -> None:
    spec = WorldSpec(customers=50, cities=2, seed=5, now=NOW)
    serial = [r[1]["id"] for _, rows in generate(spec, chunk=10) for r in rows]
    parallel = [r[1]["id"] for _, rows in generate(spec, chunk=10, processes=2) for r in rows]
    assert parallel == serial
