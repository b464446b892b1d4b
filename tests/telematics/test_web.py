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
