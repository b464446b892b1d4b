"""The owner's trips, driving score and maintenance pages (zh-CN and en) and their JSON API."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.telematics.models import MaintenanceRecord, Trip
from carecover.telematics.service import ingest, trip_log
from carecover.telematics.service.maintenance import add_months
from carecover.telematics.service.reminders import local_today
from tests.accounts.test_api import sign_in
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.claims import Insured, make_insured
from tests.telematics.test_trip_log import TWO_BRAKES, fitted, readings, send
from tests.telematics.test_trips import commute

BOUGHT = local_today(utc_now()) - timedelta(days=180)
OIL_WINDOW = f"engine_oil:7500:{add_months(BOUGHT, 12).isoformat()}"


def driven(session: Session, username: str) -> tuple[Insured, Trip]:
    """An owner whose car drove a commute with two harsh brakes two hours ago, now at 12,400 km
    (past the first 10,000 km tyre rotation and 7,500 km oil of its Volkswagen schedule)."""
    insured = make_insured(session, username=username)
    insured.car.purchase_date = BOUGHT
    device = fitted(session, insured.car)
    send(
        session,
        device,
        readings(commute(utc_now() - timedelta(hours=2), events=TWO_BRAKES).samples),
    )
    now = utc_now()
    item = {"seq": 90_000, "ts": now.isoformat(), "odometer_km": 12_400.0, "ign": False}
    ingest.ingest(session, device, [item], now=now)
    [trip] = session.scalars(select(Trip).where(Trip.vehicle_id == insured.car.id)).all()
    return insured, trip


def test_the_owner_sees_trips_score_and_maintenance_in_both_languages(
    client: TestClient, session: Session
) -> None:
    insured, trip = driven(session, "trips.owner")
    car = insured.car.id
    assert web_sign_in(client, "trips.owner").status_code == 303

    page = client.get(f"/owner/cars/{car}/trips")
    assert page.status_code == 200
    assert page.headers["content-language"] == "zh-CN"
    assert "行程" in page.text
    assert f'data-trip="{trip.id}"' in page.text
    assert f"{trip.score:.0f}" in page.text

    detail = client.get(f"/owner/cars/{car}/trips/{trip.id}")
    assert detail.status_code == 200
    assert re.search(r'data-testid="trip-braking">2 ·', detail.text)
    assert f"{trip.distance_km:.1f}" in detail.text
    assert "急刹车" in detail.text

    driving = client.get(f"/owner/cars/{car}/driving?month={trip.month}")
    assert driving.status_code == 200
    assert f'data-month="{trip.month}"' in driving.text
    assert f'data-testid="report-score">{trip.score:.1f}<' in driving.text
    chart = json.loads(re.search(r"data-echart='([^']+)'", driving.text).group(1))  # type: ignore[union-attr]
    assert chart["xAxis"]["data"][-1] == trip.month
    assert chart["series"][1]["data"][-1] == trip.score
    assert 'data-testid="ubi-none"' in driving.text  # ~13 km: too little driving for a factor
    assert "/static/vendor/echarts/echarts.min.js" in driving.text

    maintenance = client.get(f"/owner/cars/{car}/maintenance")
    assert maintenance.status_code == 200
    assert 'data-item="engine_oil" data-status="overdue"' in maintenance.text
    assert 'data-item="tyre_rotation" data-status="overdue"' in maintenance.text
    assert "机油机滤" in maintenance.text
    assert "已超 4,900 公里" in maintenance.text  # 12,400 km against the oil's 7,500
    assert f'action="/owner/cars/{car}/care-requests"' in maintenance.text
    assert 'name="kind" value="maintenance"' in maintenance.text
    assert f'name="reminder_key" value="{OIL_WINDOW}"' in maintenance.text

    summary = client.get(f"/owner/cars/{car}/care-summary")
    assert 'data-testid="care-summary"' in summary.text
    assert 'data-testid="summary-book"' in summary.text
    health = client.get(f"/owner/cars/{car}/health")
    assert f'hx-get="/owner/cars/{car}/care-summary"' in health.text

    switched = client.post(
        "/lang",
        data={"lang": "en", "next": "/owner", "csrf_token": csrf_of(health.text)},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    english = client.get(f"/owner/cars/{car}/trips/{trip.id}")
    assert english.headers["content-language"] == "en"
    assert "Harsh braking" in english.text
    assert "per 100 km" in english.text
    maintenance_en = client.get(f"/owner/cars/{car}/maintenance")
    assert "Engine oil and filter" in maintenance_en.text
    assert "Book maintenance" in maintenance_en.text
    assert "Maintenance overdue" in maintenance_en.text
    assert "Driving score" in client.get(f"/owner/cars/{car}/driving").text


def test_the_owner_records_a_service_and_the_reminder_clears(
    client: TestClient, session: Session
) -> None:
    insured, _ = driven(session, "service.owner")
    car = insured.car.id
    web_sign_in(client, "service.owner")
    page = client.get(f"/owner/cars/{car}/maintenance")
    today = re.search(r'name="done_on" value="([0-9-]+)"', page.text).group(1)  # type: ignore[union-attr]
    wrong = client.post(
        f"/owner/cars/{car}/maintenance/records",
        data={"csrf_token": csrf_of(page.text), "item": "engine_oil", "done_on": "2099-01-01",
              "odometer_km": "12400"},
    )  # fmt: skip
    assert wrong.status_code == 422
    assert 'data-testid="form-error"' in wrong.text
    done = client.post(
        f"/owner/cars/{car}/maintenance/records",
        data={"csrf_token": csrf_of(page.text), "item": ["engine_oil", "tyre_rotation"],
              "done_on": today, "odometer_km": "12400"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert 'data-testid="service-recorded"' in after.text
    assert 'data-item="engine_oil" data-status="ok"' in after.text
    rows = session.scalars(select(MaintenanceRecord).where(MaintenanceRecord.vehicle_id == car))
    assert sorted(r.item for r in rows) == ["engine_oil", "tyre_rotation"]


def test_other_cars_are_not_found(client: TestClient, session: Session) -> None:
    _, trip = driven(session, "nosy.owner")
    make_insured(session, username="other.owner")
    web_sign_in(client, "other.owner")
    for path in ("trips", f"trips/{trip.id}", "driving", "maintenance", "care-summary"):
        assert client.get(f"/owner/cars/{trip.vehicle_id}/{path}").status_code == 404


def test_the_api_gives_trips_reports_and_maintenance(client: TestClient, session: Session) -> None:
    insured, trip = driven(session, "api.trips.owner")
    headers, car = sign_in(client, "api.trips.owner"), insured.car.id
    listed = client.get(f"/api/v1/vehicles/{car}/trips", headers=headers)
    assert listed.status_code == 200
    [one] = listed.json()
    assert one["id"] == str(trip.id)
    assert one["harsh_braking"] == 2
    assert one["distance_km"] == trip.distance_km
    assert one["score"] == trip.score
    assert client.get(f"/api/v1/vehicles/{car}/trips/{trip.id}", headers=headers).json() == one
    report = client.get(f"/api/v1/vehicles/{car}/driving-reports/{trip.month}", headers=headers)
    body = report.json()
    assert (body["trips"], body["score"], body["harsh_braking"]) == (1, trip.score, 2)
    assert body["braking_per_100km"] == pytest.approx(200 / trip.distance_km)
    assert body["ubi"]["factor"] is None
    assert body["ubi"]["reason"] == "insufficient_mileage"
    assert body["ubi"]["policy_no"] == insured.policy.policy_no
    assert [
        r["month"]
        for r in client.get(f"/api/v1/vehicles/{car}/driving-reports", headers=headers).json()
    ] == [trip.month]
    due = client.get(f"/api/v1/vehicles/{car}/maintenance", headers=headers).json()
    assert due["odometer_km"] == 12_400
    assert due["status"] == "overdue"
    assert due["need"][:2] == ["engine_oil", "tyre_rotation"]
    assert due["book"] == {
        "url": f"/owner/cars/{car}/care-requests",
        "kind": "maintenance",
        "reminder_key": OIL_WINDOW,
    }
    other = make_insured(session, username="api.other.owner")
    assert client.get(f"/api/v1/vehicles/{other.car.id}/trips", headers=headers).status_code == 404
    assert trip_log.month_of(trip.started_at) == trip.month
