"""Real browser over the seeded demo world: the owner follows a part in their car to its proven
history, a supplier prints labels, the public log page proves an entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_faces import sign_in

pytestmark = pytest.mark.browser


def test_owner_opens_a_fitted_part_and_sees_it_proven(page: Page) -> None:
    sign_in(page, "owner")
    page.goto("/owner/cars")
    parts = page.get_by_test_id("car-parts").first
    expect(parts).to_be_visible()
    parts.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/01/\d{14}/21/[0-9A-Z]{16}\?s="))
    expect(page.get_by_test_id("verify-page")).to_have_attribute("data-level", "genuine")
    expect(page.get_by_test_id("yours")).to_be_visible()
    steps = page.get_by_test_id("timeline-step")
    expect(steps).to_have_count(4)  # made, shipped, received, installed
    expect(page.get_by_test_id("proof-badge").first).to_contain_text("✓")


def test_a_forged_tag_is_not_genuine(page: Page) -> None:
    sign_in(page, "owner")
    page.goto("/owner/cars")
    href = page.get_by_test_id("car-parts").first.locator("a").first.get_attribute("href")
    assert href is not None
    page.goto(re.sub(r"s=[A-Z2-7]+", "s=AAAAAAAAAAAAA", href))
    expect(page.get_by_test_id("verify-page")).to_have_attribute("data-level", "unknown")


def test_supplier_commissions_a_batch_and_gets_a_label_sheet(page: Page) -> None:
    sign_in(page, "supplier")
    page.goto("/partner/parts")
    page.fill("#c-gtin", "06901234567892")
    page.fill("#c-name", "后视镜 Mirror")
    page.fill("#c-qty", "3")
    page.click("[data-testid=commission-submit]")
    expect(page).to_have_url(re.compile("/partner/parts/labels"))
    expect(page.get_by_test_id("part-label")).to_have_count(3)
    expect(page.locator(".part-label svg").first).to_be_visible()


def test_the_public_log_page_proves_an_entry(page: Page) -> None:
    page.goto("/evidence?index=0")
    expect(page.get_by_test_id("entry-verdict")).to_have_class(re.compile("ok"))
    expect(page.get_by_test_id("public-key")).to_contain_text("carecover.example/evidence/v1+")


def test_the_scan_page_rechecks_the_proofs_in_the_browser(page: Page) -> None:
    sign_in(page, "owner")
    page.goto("/owner/cars")
    page.get_by_test_id("car-parts").first.locator("a").first.click()
    check = page.get_by_test_id("browser-check")
    expect(check).to_have_attribute("data-result", "ok")
    expect(check).to_be_visible()
    expect(check).to_contain_text("4/4")
    assert check.get_attribute("data-signature") in ("valid", "unsupported")
