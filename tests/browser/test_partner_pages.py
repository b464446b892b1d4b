"""Real browser: a partner's profile page, and the staff partner directory with its Leaflet map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.test_faces import sign_in

pytestmark = pytest.mark.browser


def collect_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        # The browser's own favicon request (the site has none yet) is not the page's error.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_the_demo_shop_sees_its_profile_or_why_it_has_none(page: Page) -> None:
    errors = collect_errors(page)
    sign_in(page, "shop")
    expect(page.get_by_test_id("partner-home")).to_be_visible()
    page.goto("/partner/profile")
    shown = page.locator("[data-testid=partner-profile], [data-testid=no-profile]")
    expect(shown).to_have_count(1)
    expect(shown).to_be_visible()
    if page.get_by_test_id("partner-profile").count():
        expect(page.get_by_test_id("partner-profile")).to_contain_text("安心汽修")
        expect(page.get_by_test_id("partner-sites")).to_be_visible()
        expect(page.get_by_test_id("partner-qualifications")).to_be_visible()
    else:
        expect(page.get_by_test_id("no-profile")).to_contain_text("网络管理")
    assert errors == []


def _wait_for_map(page: Page) -> int:
    """Waits until the map has drawn (or failed) and returns how many markers it drew."""
    area = page.locator("[data-partner-map]")
    expect(area).to_have_count(1)
    expect(area).to_have_attribute("data-map-state", re.compile("^(ready|failed)$"))
    assert area.get_attribute("data-map-state") == "ready"
    return int(area.get_attribute("data-marker-count") or "0")


def test_staff_see_the_partner_directory_and_its_map(page: Page) -> None:
    errors = collect_errors(page)
    sign_in(page, "network")
    expect(page.get_by_test_id("staff-home")).to_be_visible()
    page.goto("/staff/partners")
    expect(page.get_by_test_id("partners-page")).to_be_visible()
    expect(page.locator("[data-partner-map].leaflet-container")).to_be_visible()
    markers = _wait_for_map(page)
    if markers:
        expect(page.locator("[data-partner-map] .leaflet-interactive").first).to_be_attached()
        assert page.locator("[data-partner-map] .leaflet-interactive").count() >= markers
        page.locator("[data-partner-map] .leaflet-interactive").first.click(force=True)
        popup = page.locator(".leaflet-popup-content .map-popup")
        expect(popup).to_be_visible()
        expect(popup.locator("a")).to_have_attribute("href", re.compile(r"^/staff/partners/"))
    assert errors == []


def test_a_type_filter_redraws_the_map_without_a_reload(page: Page) -> None:
    errors = collect_errors(page)
    sign_in(page, "network")
    page.goto("/staff/partners")
    _wait_for_map(page)
    page.select_option("[data-testid=type-filter]", "rescue")  # HTMX swaps the results
    expect(page.locator("[data-partner-map]")).to_have_attribute(
        "data-source", re.compile(r"type=rescue")
    )
    markers = _wait_for_map(page)
    rows = page.locator("[data-testid=partner-row]")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("道路救援")
    if markers:
        expect(page.locator("[data-partner-map] .leaflet-interactive").first).to_be_attached()
    assert errors == []
