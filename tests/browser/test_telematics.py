"""Real browser over the seeded demo world: the owner's car health with its alert, the driving
score chart drawn by ECharts, maintenance; staff's live fleet map (Leaflet) and a car's history
charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_faces import sign_in

pytestmark = pytest.mark.browser


def _owner_car(page: Page) -> str:
    sign_in(page, "owner")
    page.goto("/owner/cars")
    link = page.get_by_test_id("car-health").first
    href = link.get_attribute("href")
    assert href is not None
    match = re.search(r"/owner/cars/([0-9a-f-]{36})/health", href)
    assert match is not None
    return match.group(1)


def test_the_owner_sees_the_car_health_alert_trips_and_the_score_chart(page: Page) -> None:
    car = _owner_car(page)
    page.goto(f"/owner/cars/{car}/health")
    alerts = page.get_by_test_id("alerts")
    expect(alerts).to_be_visible()
    expect(page.get_by_test_id("alert-shop").first).to_be_visible()  # the slow leak's shop
    page.goto(f"/owner/cars/{car}/driving")
    chart = page.get_by_test_id("driving-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-chart-state", "ready", timeout=10_000)  # ECharts drew it
    expect(chart.locator("svg").first).to_be_attached()
    expect(page.get_by_test_id("report-score")).to_be_visible()
    page.goto(f"/owner/cars/{car}/maintenance")
    expect(page.get_by_test_id("car-care-nav")).to_be_visible()


def test_staff_see_the_fleet_map_and_a_cars_history(page: Page) -> None:
    sign_in(page, "admin")
    page.goto("/staff/telematics/map")
    fleet = page.get_by_test_id("fleet-map")
    expect(fleet).to_be_visible()
    expect(fleet.locator(".leaflet-interactive").first).to_be_attached(timeout=15_000)
    page.goto("/staff/telematics")
    row = page.locator("a[href^='/staff/telematics/vehicles/']").first
    expect(row).to_be_attached()
    row.click()
    expect(page.get_by_test_id("vehicle-history")).to_be_visible()
    drawn = page.locator("[data-testid^=history-chart-]").first
    expect(drawn).to_have_attribute("data-chart-state", "ready", timeout=10_000)
