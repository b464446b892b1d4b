"""Vehicles: VIN and plate checks, consistency rules, uniqueness, odometer history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import DuplicateField, InvalidFields
from carecover.vehicles import service
from carecover.vehicles.enums import OdometerSource, Powertrain, Usage
from carecover.vehicles.schemas import OdometerCreate, VehicleCreate
from tests.factories.customers import make_customer, make_vehicle, unique_plate, unique_vin


def payload(owner_id: object, **overrides: object) -> VehicleCreate:
    values: dict[str, object] = {
        "vin": unique_vin(),
        "plate": unique_plate(),
        "owner_id": owner_id,
        "make": "大众",
        "model": "朗逸",
        "model_year": 2023,
        "powertrain": Powertrain.ice,
        "usage": Usage.private,
    }
    values.update(overrides)
    return VehicleCreate(**values)  # type: ignore[arg-type]


def problems(session: Session, data: VehicleCreate) -> set[tuple[str, str]]:
    with pytest.raises(InvalidFields) as caught:
        service.register(session, Actor.system(), data)
    return {(p.field, p.code) for p in caught.value.problems}


def test_nev_gets_a_green_plate_and_a_masked_view(session: Session) -> None:
    car = make_vehicle(session, powertrain=Powertrain.bev, plate="沪AD12345")
    assert car.is_green_plate
    assert car.plate_province == "沪"
    assert service.to_read(car).plate_masked == "沪A****45"
    assert service.to_detail(car).plate == "沪AD12345"
    assert service.find_by_plate(session, "沪ad 12345") is car
    assert service.find_by_vin(session, car.vin.lower()) is car


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"vin": "LSVAU2180N2183290"}, {("vin", "vin.check_digit")}),
        ({"vin": "LSVAU2I80N2183294"}, {("vin", "vin.characters")}),
        ({"vin": "LSVAU2180N218329"}, {("vin", "vin.length")}),
        ({"plate": "京I12345"}, {("plate", "plate.authority")}),
        ({"plate": "京A1234警"}, {("plate", "plate.special_use")}),
        ({"powertrain": Powertrain.bev}, {("battery_kwh", "vehicle.battery_required")}),
        ({"battery_kwh": Decimal("60")}, {("battery_kwh", "vehicle.battery_not_allowed")}),
        ({"plate": "沪AD54321"}, {("plate", "vehicle.green_plate_needs_nev")}),
        ({"model_year": 2099}, {("model_year", "vehicle.model_year_future")}),
    ],
)
def test_bad_vehicles_are_refused_with_field_codes(
    session: Session, overrides: dict[str, object], expected: set[tuple[str, str]]
) -> None:
    owner = make_customer(session)
    assert problems(session, payload(owner.id, **overrides)) == expected


def test_one_vin_one_vehicle_and_one_plate_one_vehicle(session: Session) -> None:
    car = make_vehicle(session)
    owner = make_customer(session)
    with pytest.raises(DuplicateField) as vin_clash:
        service.register(session, Actor.system(), payload(owner.id, vin=car.vin))
    assert vin_clash.value.field == "vin"
    with pytest.raises(DuplicateField) as plate_clash:
        service.register(session, Actor.system(), payload(owner.id, plate=service.plate_of(car)))
    assert plate_clash.value.field == "plate"


def test_police_plates_are_allowed_only_off_private_policies(session: Session) -> None:
    owner = make_customer(session)
    fleet = service.register(
        session, Actor.system(), payload(owner.id, plate="京A1234警", usage=Usage.fleet)
    )
    assert service.plate_of(fleet) == "京A1234警"


def test_odometer_never_goes_backwards(session: Session) -> None:
    car = make_vehicle(session)
    now = utc_now()
    actor = Actor.system()
    service.record_odometer(
        session, actor, car, OdometerCreate(km=12_000, read_at=now - timedelta(days=30))
    )
    service.record_odometer(
        session,
        actor,
        car,
        OdometerCreate(km=13_500, read_at=now - timedelta(days=1), source=OdometerSource.shop),
    )
    with pytest.raises(InvalidFields) as lower:
        service.record_odometer(session, actor, car, OdometerCreate(km=11_000, read_at=now))
    assert lower.value.problems[0].code == "odometer.decrease"
    with pytest.raises(InvalidFields) as higher:
        service.record_odometer(
            session, actor, car, OdometerCreate(km=14_000, read_at=now - timedelta(days=10))
        )
    assert higher.value.problems[0].code == "odometer.exceeds_later"
    with pytest.raises(InvalidFields) as future:
        service.record_odometer(
            session, actor, car, OdometerCreate(km=14_000, read_at=now + timedelta(days=1))
        )
    assert future.value.problems[0].code == "odometer.future"
    latest = service.latest_reading(session, car.id)
    assert latest is not None
    assert latest.km == 13_500


def test_latest_km_of_many_vehicles_in_one_query(session: Session) -> None:
    first, second, silent = make_vehicle(session), make_vehicle(session), make_vehicle(session)
    now = utc_now()
    for car, readings in ((first, (1_000, 2_500)), (second, (40_000, 41_200))):
        for days_ago, km in zip((20, 2), readings, strict=True):
            service.record_odometer(
                session,
                Actor.system(),
                car,
                OdometerCreate(km=km, read_at=now - timedelta(days=days_ago)),
            )
    assert service.latest_km(session, [first.id, second.id, silent.id]) == {
        first.id: 2_500,
        second.id: 41_200,
    }
    assert service.latest_km(session, []) == {}
