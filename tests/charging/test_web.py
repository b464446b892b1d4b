"""The owner's "find a charger" page: a map container with its marker data, the nearest free
chargers with power, free/total points, price and distance, DC and GB/T filters, in Chinese and
English; a charging-failure report tells the owner a free tow is on its way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.charging.events import ChargingFailureReported
from carecover.charging.service import registry, tariffs
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.events.models import OutboxMessage
from carecover.vehicles.enums import Powertrain
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.charging.builders import ac_evse, dc_evse, location_doc, make_operator, tariff_doc
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import PEOPLES_SQUARE, XUHUI


def chargers(session: Session) -> None:
    op = make_operator(session)
    at = utc_now().replace(microsecond=0) - timedelta(minutes=2)
    tariffs.upsert_tariff(
        session, op.actor, "CN", "TLD", "DC-STD", tariff_doc(energy="1.15", at=at)
    )
    for ocpi_id, point, evses in (
        ("XH", XUHUI, [dc_evse("XH-1", kw=120, at=at), dc_evse("XH-2", status="CHARGING", at=at)]),
        ("RM", PEOPLES_SQUARE, [ac_evse("RM-1", at=at)]),
    ):
        doc = location_doc(
            ocpi_id, lat=point[0], lng=point[1], evses=evses, at=at, name=f"{ocpi_id} 充电站"
        )
        registry.upsert_location(session, op.actor, "CN", "TLD", ocpi_id, doc)


def owner(session: Session, username: str, language: str = "zh-CN") -> None:
    user = make_user(session, role=Role.owner, username=username, language=language)
    make_vehicle(session, owner=make_customer(session, user=user), powertrain=Powertrain.bev)


@pytest.mark.parametrize(
    ("language", "title", "free", "price"),
    [
        ("zh-CN", "找充电桩", "空闲 1/2", "¥1.15/度"),
        ("en", "Find a charger", "1 of 2 points free", "¥1.15/kWh"),
    ],
)
def test_the_page_shows_a_map_and_the_nearest_free_chargers(
    client: TestClient, session: Session, language: str, title: str, free: str, price: str
) -> None:
    chargers(session)
    owner(session, f"finder.{language}", language)
    assert web_sign_in(client, f"finder.{language}").status_code == 303
    page = client.get("/owner/chargers", params={"lat": 31.2, "lng": 121.45})
    assert page.status_code == 200
    html = page.text
    assert f"<h1>{title}</h1>" in html
    assert 'data-testid="charger-map"' in html
    assert "data-charger-map" in html
    assert 'src="/owner/chargers/charger-map.js"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert html.count('data-testid="charger"') == 2
    assert html.index("XH 充电站") < html.index("RM 充电站")  # nearest first
    assert free in html
    assert price in html
    assert 'data-testid="failure-form"' in html
    markers = client.get("/owner/chargers/map.json", params={"lat": 31.2, "lng": 121.45}).json()
    assert [m["name"] for m in markers["markers"]] == ["XH 充电站", "RM 充电站"]
    assert markers["markers"][0]["dc"] is True
    assert markers["markers"][1]["dc"] is False
    assert markers["here"]["lat"] == 31.2
    script = client.get("/owner/chargers/charger-map.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "data-charger-map" in script.text


def test_filters_dc_fast_and_gbt(client: TestClient, session: Session) -> None:
    chargers(session)
    owner(session, "finder.filters")
    web_sign_in(client, "finder.filters")
    dc = client.get("/owner/chargers", params={"lat": 31.2, "lng": 121.45, "dc": "1"}).text
    assert dc.count('data-testid="charger"') == 1
    assert "XH 充电站" in dc
    assert 'name="dc" value="1" checked' in dc
    gbt = client.get("/owner/chargers", params={"lat": 31.2, "lng": 121.45, "gbt": "1"}).text
    assert gbt.count('data-testid="charger"') == 2
    # no position given: the owner's city centre (Shanghai's lies near People's Square)
    city = client.get("/owner/chargers").text
    assert city.index("RM 充电站") < city.index("XH 充电站")


def test_reporting_a_failure_promises_a_free_tow(client: TestClient, session: Session) -> None:
    chargers(session)
    owner(session, "finder.report", "en")
    web_sign_in(client, "finder.report")
    page = client.get("/owner/chargers", params={"lat": 31.2, "lng": 121.45})
    html = page.text
    location_id = html.split('data-location-id="')[1].split('"')[0]
    vehicle_id = html.split('name="vehicle_id">')[1].split('value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf_of(html),
        "location_id": location_id,
        "vehicle_id": vehicle_id,
        "reason": "no_power",
        "note": "no current",
    }
    done = client.post("/owner/chargers/failures", data=form)
    assert done.status_code == 201
    assert 'data-testid="free-tow"' in done.text
    assert "A free tow is on its way" in done.text
    again = client.post("/owner/chargers/failures", data={**form, "reason": "charger_fault"})
    assert again.status_code == 200
    assert 'data-testid="already-reported"' in again.text
    events = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == ChargingFailureReported.event_type)
    ).all()
    assert len(events) == 1
    bad = client.post("/owner/chargers/failures", data={**form, "vehicle_id": "nope"})
    assert bad.status_code == 422
    assert "Choose a car and a charger." in bad.text
    detail = client.get(f"/owner/chargers/{location_id}")
    assert detail.status_code == 200
    assert detail.text.count('data-testid="evse"') == 2


def test_the_page_is_for_owners(client: TestClient, session: Session) -> None:
    assert client.get("/owner/chargers", follow_redirects=False).status_code == 303
    make_user(session, role=Role.dispatcher, username="finder.staff")
    web_sign_in(client, "finder.staff")
    assert client.get("/owner/chargers").status_code == 403
