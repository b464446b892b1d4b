"""Real browser over the seeded demo world: the owner asks for rescue in two taps and tracks it
on a map; the dispatcher's board and the coverage page draw their maps and chart; the owner
finds a charger and opens the booking page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_faces import sign_in

pytestmark = pytest.mark.browser


def test_the_owner_requests_rescue_and_tracks_it(page: Page) -> None:
    sign_in(page, "owner")
    page.goto("/owner/rescue")
    expect(page.get_by_test_id("rescue-page")).to_be_visible()
    expect(page.get_by_test_id("rescue-map")).to_have_attribute(
        "data-map-state", "ready", timeout=15_000
    )
    box = page.get_by_test_id("accept-price").locator("input")
    if box.count():
        box.check()
    page.locator("[data-testid^=rescue-]").filter(
        has=page.locator("xpath=self::button")
    ).first.click()
    expect(page.get_by_test_id("track-page")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("timeline")).to_be_visible()
    expect(page.get_by_test_id("track-map")).to_have_attribute(
        "data-map-state", "ready", timeout=15_000
    )
    page.goto("/owner/orders")
    expect(page.locator("a[href^='/owner/orders/']").first).to_be_attached()


def test_the_dispatcher_sees_the_board_and_the_coverage(page: Page) -> None:
    sign_in(page, "dispatcher")
    page.goto("/staff/dispatch")
    board = page.get_by_test_id("board-map")
    expect(board).to_have_attribute("data-map-state", "ready", timeout=15_000)
    expect(board.locator(".leaflet-interactive").first).to_be_attached(timeout=15_000)
    page.get_by_test_id("coverage-link").click()
    expect(page.get_by_test_id("city-kpis")).to_be_visible()
    expect(page.get_by_test_id("cost-chart")).to_have_attribute(
        "data-chart-state", "ready", timeout=15_000
    )
    expect(page.get_by_test_id("coverage-map")).to_have_attribute(
        "data-map-state", "ready", timeout=15_000
    )
    page.get_by_test_id("what-if").click()
    expect(page.get_by_test_id("share-before")).to_be_visible(timeout=15_000)


def test_the_owner_finds_a_charger_and_opens_bookings(page: Page) -> None:
    sign_in(page, "owner")
    page.goto("/owner/chargers")
    expect(page.get_by_test_id("charger-map")).to_have_attribute(
        "data-map-state", "ready", timeout=15_000
    )
    page.goto("/owner/bookings/new")
    expect(page.locator("main")).to_be_visible()
