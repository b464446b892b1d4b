"""Telematics pages over HTTP: the owner's car health with alerts and devices, the staff stream."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.telematics.enums import DeviceKind
from carecover.telematics.service import devices, ingest
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.accounts import make_user
from tests.factories.claims import make_insured
from tests.factories.partners import XUHUI, make_partner
from tests.telematics.test_alerts import puncture


def test_the_owner_sees_alerts_with_the_shop_and_adds_a_device(
    client: TestClient, session: Session
) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session, username="health.owner")
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.obd_dongle)
    ingest.ingest(session, device, puncture(), now=utc_now())
    assert web_sign_in(client, "health.owner").status_code == 303
    cars = client.get("/owner/cars")
    assert f"/owner/cars/{insured.car.id}/health" in cars.text
    page = client.get(f"/owner/cars/{insured.car.id}/health")
    assert page.status_code == 200
    assert 'data-code="tyre_puncture"' in page.text
    assert 'data-testid="alert-shop"' in page.text
    assert 'data-testid="health-signals"' in page.text
    added = client.post(
        f"/owner/cars/{insured.car.id}/devices",
        data={"csrf_token": csrf_of(page.text), "kind": "ev_box"},
    )
    assert 'data-testid="device-secret"' in added.text
    assert len(devices.of_vehicle(session, insured.car.id)) == 2
    other = make_insured(session)
    assert client.get(f"/owner/cars/{other.car.id}/health").status_code == 404


def test_staff_see_the_alert_stream(client: TestClient, session: Session) -> None:
    insured = make_insured(session)
    device, _ = devices.register(session, Actor.system(), insured.car.id, DeviceKind.obd_dongle)
    ingest.ingest(session, device, [*puncture(), {"seq": 99}], now=utc_now())
    make_user(session, role=Role.dispatcher, username="fleet.staff")
    assert web_sign_in(client, "fleet.staff").status_code == 303
    page = client.get("/staff/telematics")
    assert page.status_code == 200
    assert 'data-code="tyre_puncture"' in page.text
    assert insured.car.vin in page.text
    assert "bad_time: 1" in page.text


def test_a_low_charge_alert_links_to_the_chargers_free_around_the_car(
    client: TestClient, session: Session
) -> None:
    from carecover.vehicles.enums import Powertrain
    from tests.factories.customers import make_customer, make_vehicle
    from tests.telematics.test_low_charge import _drive

    user = make_user(session, role=Role.owner, username="soc.owner")
    car = make_vehicle(session, owner=make_customer(session, user=user), powertrain=Powertrain.bev)
    device, _ = devices.register(session, Actor.system(), car.id, DeviceKind.ev_box)
    ingest.ingest(session, device, _drive(0, [60.0, 30.0, 22.0, 18.0, 16.0], 2.0), now=utc_now())
    assert web_sign_in(client, "soc.owner").status_code == 303
    page = client.get(f"/owner/cars/{car.id}/health")
    assert 'data-code="soc_low"' in page.text
    assert 'data-testid="alert-find-charger"' in page.text
    assert "/owner/chargers?lat=31.230400&amp;lng=121.473700" in page.text
