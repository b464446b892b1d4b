"""Real browser: each role signs in and sees its face; language switch; errors; 403."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from carecover.accounts.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str, password: str | None = None) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password or f"{username}-demo-2026")
    page.click("[data-testid=login-submit]")


@pytest.mark.parametrize(
    ("username", "path", "marker", "face_label"),
    [
        ("owner", "/owner", "owner-home", "车主服务"),
        ("shop", "/partner", "partner-home", "服务商门户"),
        ("adjuster", "/staff", "staff-home", "员工控制台"),
        ("admin", "/staff", "audit-table", "员工控制台"),
    ],
)
def test_each_role_signs_in_to_its_home(
    page: Page, username: str, path: str, marker: str, face_label: str
) -> None:
    sign_in(page, username)
    expect(page).to_have_url(re.compile(f"{path}$"))
    expect(page.get_by_test_id(marker)).to_be_visible()
    expect(page.get_by_test_id("face")).to_have_text(face_label)
    expect(page.get_by_test_id("who")).to_contain_text(username)


def test_partner_sees_its_organisation_and_team(page: Page) -> None:
    sign_in(page, "shop")
    expect(page.get_by_test_id("organisation")).to_contain_text("安心汽修")
    expect(page.get_by_test_id("team-size")).to_contain_text("2")


def test_staff_console_draws_the_chart_from_local_echarts(page: Page) -> None:
    sign_in(page, "admin")
    expect(page.locator("[data-testid=role-chart] svg")).to_be_visible()
    expect(page.get_by_test_id("users-total")).to_contain_text(str(len(DEMO_ACCOUNTS)))


def test_language_switch_changes_the_page_and_is_remembered(page: Page) -> None:
    sign_in(page, "owner")
    expect(page.get_by_test_id("face")).to_have_text("车主服务")
    page.click("[data-testid=lang-en]")
    expect(page.get_by_test_id("face")).to_have_text("Owner app")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("[data-testid=logout]")
    expect(page).to_have_url(re.compile("/login$"))
    page.context.clear_cookies()
    sign_in(page, "owner")
    expect(page.get_by_test_id("face")).to_have_text("Owner app")
    page.click("[data-testid=lang-zh-CN]")
    expect(page.get_by_test_id("face")).to_have_text("车主服务")


def test_wrong_password_shows_an_error(page: Page) -> None:
    sign_in(page, "adjuster", "not-the-password")
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码错误。")
    expect(page).to_have_url(re.compile("/login$"))


def test_owner_gets_a_403_page_for_a_staff_url(page: Page) -> None:
    sign_in(page, "owner")
    expect(page.get_by_test_id("owner-home")).to_be_visible()
    response = page.goto("/staff")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_test_id("error-page")).to_contain_text("无权访问")


def test_owner_app_fits_a_phone_screen(browser: object, live_server: str) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    try:
        sign_in(page, "owner")
        expect(page.get_by_test_id("owner-home")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
    finally:
        context.close()


def test_pages_load_without_console_errors_or_policy_violations(page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "admin")
    expect(page.locator("[data-testid=role-chart] svg")).to_be_visible()
    page.goto("/docs")
    expect(page.locator(".swagger-ui")).to_be_visible()
    assert errors == []


def test_admin_filters_users_and_creates_one(page: Page) -> None:
    sign_in(page, "admin")
    page.click("[data-testid=staff-nav] >> text=用户")
    expect(page.get_by_test_id("users-page")).to_be_visible()
    page.select_option("[data-testid=role-filter]", "partner_admin")  # HTMX swaps the table
    rows = page.locator("[data-testid=user-rows] tbody tr")
    expect(rows).to_have_count(3)  # shop, rescue, supplier
    expect(page.get_by_test_id("user-rows")).to_contain_text("rescue")
    page.fill("#new-username", "browser.made")
    page.fill("#new-password", "browser-made-2026")
    page.select_option("#new-role", "customer_ops")
    page.click("[data-testid=create-user-submit]")
    expect(page.get_by_test_id("form-ok")).to_contain_text("browser.made")


def test_auditor_reads_the_audit_log(page: Page) -> None:
    sign_in(page, "auditor")
    page.click("[data-testid=staff-nav] >> text=审计日志")
    expect(page.get_by_test_id("audit-page")).to_be_visible()
    page.fill("[data-testid=audit-filter]", "auth.signed_in")
    expect(page.locator("[data-testid=audit-rows] tbody tr").first).to_contain_text(
        "auth.signed_in"
    )
    expect(page.get_by_test_id("audit-rows")).not_to_contain_text("accounts.user_created")
