"""The owner's battery page and the alert actions over HTTP, in both languages: the chart, the
months, advice and anomalies; refresh now; someone else's car is 404; the care-request endpoint
(HTMX fragment, redirect, duplicates, the crash claim form) and the JSON API."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimSource
from carecover.claims.models import Claim
from carecover.platform.clock import utc_now
from carecover.telematics.models import CareRequest
from carecover.telematics.service import battery_model as bm
from carecover.telematics.service import battery_reports
from carecover.vehicles.enums import Powertrain
from tests.accounts.test_api import sign_in
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.claims import make_insured, photo_bytes
from tests.factories.customers import make_vehicle
from tests.factories.partners import XUHUI, make_partner
from tests.telematics.test_alerts import puncture
from tests.telematics.test_battery_reports import make_ev, stored
from tests.telematics.test_care import alerts_of, crash


def lang(client: TestClient, code: str, page: str = "/owner") -> None:
    """Switch the signed-in user's language, as the top bar does."""
    token = csrf_of(client.get(page).text)
    data = {"lang": code, "next": "/owner", "csrf_token": token}
    assert client.post("/lang", data=data, follow_redirects=False).status_code == 303


def test_the_battery_report_page_in_both_languages(client: TestClient, session: Session) -> None:
    make_partner(session, location=XUHUI)
    ev = make_ev(session, 21, kwh=Decimal("52.5"), faults=bm.Faults(imbalance_from_month=3))
    last = battery_reports.previous_month(battery_reports.month_of(utc_now()))
    battery_reports.run_for_vehicle(session, ev.car.id, through=last)
    assert web_sign_in(client, ev.owner.username).status_code == 303
    lang(client, "en")
    url = f"/owner/cars/{ev.car.id}/battery"
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="battery-chart"' in page.text
    chart = re.search(r"data-echart='([^']+)'", page.text)
    assert chart is not None
    option = json.loads(chart.group(1).replace("&#34;", '"').replace("&amp;", "&"))
    names = [s["name"] for s in option["series"]]
    assert names == ["low", "95 % band", "State of health", "Fade trend"]
    assert len(option["series"][2]["data"]) == len(stored(session, ev.car))
    assert option["series"][2]["markLine"]["data"] == [{"yAxis": 80.0}]
    assert "Cell voltages far apart" in page.text
    assert 'data-advice="check_cell_balance"' in page.text
    assert 'data-testid="battery-shop"' in page.text
    assert "from the car&#39;s record" in page.text or "from the car's record" in page.text
    lang(client, "zh-CN")
    zh = client.get(url)
    lang(client, "en")
    assert "电池健康" in zh.text
    assert "单体电压差过大" in zh.text
    assert "健康度" in zh.text

    refreshed = client.post(
        f"{url}/refresh", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True
    )
    assert 'data-testid="battery-refreshed"' in refreshed.text
    health = client.get(f"/owner/cars/{ev.car.id}/health")
    assert 'data-testid="battery-link"' in health.text

    other = make_insured(session)
    assert client.get(f"/owner/cars/{other.car.id}/battery").status_code == 404
    api = client.get(
        f"/api/v1/vehicles/{ev.car.id}/battery-reports", headers=sign_in(client, ev.owner.username)
    )
    assert api.status_code == 200
    assert [r["month"] for r in api.json()] == [
        r.month.isoformat() for r in stored(session, ev.car)
    ]
    assert api.json()[-1]["capacity"]["source"] == "vehicle"
    other_api = client.get(
        f"/api/v1/vehicles/{ev.car.id}/battery-reports",
        headers=sign_in(client, other.owner.username),
    )
    assert other_api.status_code == 404


def test_a_car_without_a_traction_battery_says_so(client: TestClient, session: Session) -> None:
    insured = make_insured(session)
    assert insured.car.powertrain is Powertrain.ice
    web_sign_in(client, insured.owner.username)
    lang(client, "en")
    page = client.get(f"/owner/cars/{insured.car.id}/battery")
    assert 'data-testid="battery-not-ev"' in page.text
    assert make_vehicle(session).powertrain is Powertrain.ice


def test_alert_buttons_record_one_request(client: TestClient, session: Session) -> None:
    make_partner(session, location=XUHUI)
    insured = make_insured(session)
    alert = alerts_of(session, insured, puncture())
    web_sign_in(client, insured.owner.username)
    lang(client, "en")
    health = client.get(f"/owner/cars/{insured.car.id}/health")
    assert 'data-testid="care-repair"' in health.text
    form = {"csrf_token": csrf_of(health.text), "kind": "repair", "alert_id": str(alert.id)}
    url = f"/owner/cars/{insured.car.id}/care-requests"
    fragment = client.post(url, data=form, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'data-testid="care-done"' in fragment.text
    assert "Repair requested." in fragment.text
    page = client.post(url, data=form)  # a second tap, without HTMX
    assert 'data-testid="care-request-page"' in page.text
    rows = session.scalars(select(CareRequest).where(CareRequest.vehicle_id == insured.car.id))
    assert len(rows.all()) == 1
    bad = client.post(url, data={**form, "kind": "spaceship"})
    assert bad.status_code == 422
    assert "Unknown kind of request." in bad.text
    other = make_insured(session)
    assert client.post(
        f"/owner/cars/{other.car.id}/care-requests", data=form
    ).status_code == 404  # fmt: skip

    api = client.post(
        f"/api/v1/vehicles/{insured.car.id}/care-requests",
        json={"kind": "repair", "alert_id": str(alert.id)},
        headers=sign_in(client, insured.owner.username),
    )
    assert api.status_code == 200  # the same request as the taps
    assert api.json()["kind"] == "repair"


def test_a_crash_claim_is_started_from_the_alert_and_filed(
    client: TestClient, session: Session
) -> None:
    insured = make_insured(session)
    alert = alerts_of(session, insured, crash())
    web_sign_in(client, insured.owner.username)
    lang(client, "en")
    health = client.get(f"/owner/cars/{insured.car.id}/health")
    assert 'data-testid="care-rescue"' in health.text
    assert 'data-testid="care-claim"' in health.text
    form = {"csrf_token": csrf_of(health.text), "kind": "claim", "alert_id": str(alert.id)}
    started = client.post(f"/owner/cars/{insured.car.id}/care-requests", data=form)
    assert 'data-testid="crash-claim-page"' in started.text
    assert 'data-testid="crash-where"' in started.text
    assert "photos of the damage" in started.text
    lang(client, "zh-CN")
    zh = client.get(str(started.url))
    lang(client, "en")
    assert "从碰撞发起理赔" in zh.text
    filed = client.post(
        str(started.url),
        data={
            "csrf_token": csrf_of(started.text),
            "description": "Hit from behind at a light",
            "idempotency_key": "k1",
        },
        files=[("photos", ("crash.jpg", photo_bytes(3), "image/jpeg"))],
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    claim = session.scalars(select(Claim).where(Claim.vehicle_id == insured.car.id)).one()
    assert filed.headers["location"] == f"/owner/claims/{claim.id}"
    assert claim.source is ClaimSource.telematics
    no_photos = client.post(
        str(started.url),
        data={"csrf_token": csrf_of(started.text), "description": "x"},
        follow_redirects=False,
    )
    assert no_photos.status_code == 303  # filed already: the same claim


def test_the_care_api_records_once_and_prefills_a_crash_claim(
    client: TestClient, session: Session
) -> None:
    insured = make_insured(session)
    alert = alerts_of(session, insured, crash())
    token = sign_in(client, insured.owner.username)
    url = f"/api/v1/vehicles/{insured.car.id}/care-requests"
    body = {"kind": "claim", "alert_id": str(alert.id)}
    first = client.post(url, json=body, headers=token)
    assert first.status_code == 201, first.text
    prefill = first.json()["claim_prefill"]
    assert prefill["missing"] == ["photos", "description"]
    assert prefill["form_url"].endswith(f"/care-requests/{first.json()['id']}/claim")
    assert client.post(url, json=body, headers=token).status_code == 200
    rescue = client.post(url, json={"kind": "rescue", "alert_id": str(alert.id)}, headers=token)
    assert rescue.status_code == 201
    listed = client.get(url, headers=token).json()
    assert sorted(r["kind"] for r in listed) == ["claim", "rescue"]
    bad = client.post(url, json={"kind": "claim"}, headers=token)
    assert bad.status_code == 422
    other = make_insured(session)
    assert client.get(url, headers=sign_in(client, other.owner.username)).status_code == 404
