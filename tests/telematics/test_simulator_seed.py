"""The demo world's telematics: devices on the demo owners' cars and a few more, a simulated
history through the real pipeline with one alert per injected fault, once per world."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from carecover.customers.models import Customer
from carecover.entrypoints.seed.telematics import seed_demo_telematics
from carecover.entrypoints.seed.world import WorldSpec, seed_world
from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.telematics.models import Alert, Device, Reading, VehicleState
from carecover.vehicles.models import Vehicle


def test_the_demo_world_gets_devices_history_and_one_alert_per_fault(fresh_db: Database) -> None:
    now = utc_now()
    with fresh_db.session() as session, session.begin():
        seed_world(session, WorldSpec(customers=40, cities=2, seed=3, now=now))
    done = seed_demo_telematics(fresh_db, now, days=1.5)
    assert done is not None
    assert done.devices == 6  # a small world: one car in 25, at least 6
    assert done.ok
    assert done.alerts == done.faults >= 4  # both owners' faults and at least two of the others
    assert done.summary()["days"] == "1.5"
    with fresh_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Device)) == 6
        assert session.scalar(select(func.count()).select_from(Reading)) == done.readings
        owner_alerts = session.execute(
            select(Customer.customer_no, Alert.code, Alert.action)
            .join(Vehicle, Vehicle.id == Alert.vehicle_id)
            .join(Customer, Customer.id == Vehicle.owner_id)
            .where(Customer.customer_no.in_(["C0000000001", "C0000000002"]))
            .order_by(Customer.customer_no)
        ).all()
        states = session.scalar(select(func.count()).select_from(VehicleState))
    assert [(no, code) for no, code, _ in owner_alerts] == [
        ("C0000000001", "tyre_slow_leak"),
        ("C0000000002", "battery_12v_low"),
    ]
    assert all(action["kind"] == "shop" for _, _, action in owner_alerts)
    assert states == 6
    assert seed_demo_telematics(fresh_db, now, cars=8, days=1.5) is None  # once per world


def test_no_world_no_devices(fresh_db: Database) -> None:
    assert seed_demo_telematics(fresh_db, datetime(2026, 11, 20, tzinfo=UTC)) is None
