"""Real browser over the seeded demo world: the owner's cars, staff search and the 360 page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_faces import sign_in

pytestmark = pytest.mark.browser


def test_owner_sees_cars_with_policies_and_benefits(page: Page) -> None:
    sign_in(page, "owner")
    page.click("[data-testid=nav-cars]")
    expect(page).to_have_url(re.compile("/owner/cars$"))
    car = page.get_by_test_id("car").first
    expect(car).to_be_visible()
    expect(car).to_contain_text("PC00000000010")
    expect(car.get_by_test_id("car-plate")).to_have_text(re.compile(r"^[\u4e00-\u9fff][A-Z]"))


def test_staff_search_by_customer_number_opens_the_360_page(page: Page) -> None:
    sign_in(page, "adjuster")
    page.click("[data-testid=staff-nav] >> text=客户")
    page.fill("[data-testid=customer-query]", "C0000000001")
    page.click("[data-testid=customer-search]")
    expect(page.get_by_test_id("customer-360")).to_contain_text("C0000000001")
    expect(page.get_by_test_id("customer-car").first).to_contain_text("PC00000000010")


def test_unknown_identifier_says_so(page: Page) -> None:
    sign_in(page, "ops")
    page.goto("/staff/customers?q=hello")
    expect(page.get_by_test_id("no-results")).to_be_visible()
