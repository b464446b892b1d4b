"""Real browser over the seeded demo world, both claim paths end to end:
1. the owner reports with photos, marks a scratch on the car diagram, the fast track approves it
   and the payout shows as paid;
2. a larger loss goes to the adjuster desk, is approved for repair at a certified shop, the shop
   accepts and posts milestones (fitting a serialised part), and the owner's timeline shows it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_faces import sign_in
from tests.factories.claims import photo_bytes

pytestmark = pytest.mark.browser
CLICKABLE_CENTRE = {"rear_bumper", "hood"}


def _photo(tmp_path: Path, seed: int) -> Path:
    path = tmp_path / f"damage-{seed}.jpg"
    path.write_bytes(photo_bytes(seed))
    return path


def _report(page: Page, photo: Path, what: str) -> str:
    """File a loss from the owner app; returns the claim page URL."""
    page.goto("/owner/claims/new")
    page.fill("#f-place", "上海市浦东新区世纪大道")
    page.fill("#f-what", what)
    page.set_input_files("#f-photos", str(photo))
    page.click("[data-testid=fnol-submit]")
    expect(page.get_by_test_id("claim-page")).to_be_visible()
    return page.url


def _mark(page: Page, part: str, damage: str, severity: str) -> None:
    region = page.get_by_test_id(f"diagram-{part}")
    if part in CLICKABLE_CENTRE:
        region.click()
    else:  # small parts (grille, fog lamps) sit on top of the bumper's centre: use the keyboard
        region.press("Enter")
    page.get_by_test_id(f"damage-{part}").select_option(damage)
    page.get_by_test_id(f"severity-{part}").select_option(severity)


def _role(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(base_url=base, locale="zh-CN")
    page = context.new_page()
    sign_in(page, username)
    return page


def test_a_small_loss_is_paid_on_the_fast_track(page: Page, tmp_path: Path) -> None:
    sign_in(page, "owner")
    url = _report(page, _photo(tmp_path, 501), "停车时后保险杠被剐蹭")
    expect(page.get_by_test_id("detector-status")).to_contain_text("引导")
    _mark(page, "rear_bumper", "scratch", "light")
    expect(page.get_by_test_id("assess-picked")).to_contain_text("后保险杠")
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id("fast-track")).to_be_visible()
    expect(page.get_by_test_id("estimate-line").first).to_contain_text("工时")
    payout = page.get_by_test_id("payout")
    expect(payout).to_be_visible()
    for _ in range(30):  # the embedded worker sends the instruction through the payment port
        if payout.get_attribute("data-status") == "paid":
            break
        time.sleep(0.5)
        page.goto(url)
        payout = page.get_by_test_id("payout")
    expect(payout).to_have_attribute("data-status", "paid")
    expect(page.get_by_test_id("claim-status")).to_contain_text("已赔付")
    expect(page.get_by_test_id("timeline").locator("li[data-kind=paid]")).to_have_count(1)


def test_a_larger_loss_goes_through_the_desk_to_a_certified_shop(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    owner = _role(browser, live_server, "owner")
    url = _report(owner, _photo(tmp_path, 502), "路口追尾，前部受损")
    claim_no = owner.get_by_test_id("claim-no").inner_text().split()[0]
    _mark(owner, "front_bumper", "crack", "severe")
    _mark(owner, "hood", "dent", "severe")
    _mark(owner, "left_headlamp", "lamp_broken", "severe")
    owner.get_by_test_id("assess-submit").click()
    expect(owner.get_by_test_id("claim-status")).to_contain_text("定损员")
    expect(owner.get_by_test_id("reasons")).to_contain_text("快赔上限")

    adjuster = _role(browser, live_server, "adjuster")
    adjuster.goto("/staff/claims")
    expect(adjuster.get_by_test_id("desk-metrics")).to_be_visible()
    adjuster.locator(f"[data-testid=desk-row][data-claim={claim_no}] a").click()
    expect(adjuster.get_by_test_id("staff-claim")).to_be_visible()
    adjuster.get_by_test_id("assign-me").click()
    adjuster.select_option("#d-kind", "approve")
    adjuster.select_option("#d-settle", "repair")
    adjuster.fill("#d-note", "照片清晰，同意维修")
    adjuster.get_by_test_id("decision-submit").click()
    expect(adjuster.get_by_test_id("claim-status")).to_contain_text("已核准")

    owner.goto(url)
    demo_shop = owner.get_by_test_id("shop-option").filter(has_text="安心汽修")
    expect(demo_shop).to_have_count(1)
    demo_shop.get_by_test_id("choose-shop").click()
    expect(owner.get_by_test_id("repair-status")).to_contain_text("待接单")

    shop = _role(browser, live_server, "shop")
    shop.goto("/partner/parts")
    held = shop.get_by_test_id("held-part").first.locator("a").get_attribute("href")
    assert held is not None
    gtin, serial = re.findall(r"/01/(\d{14})/21/([0-9A-Z]+)", held)[0]
    shop.goto("/partner/repairs")
    shop.get_by_test_id("repair-row").filter(has_text=claim_no).locator("a").click()
    shop.get_by_test_id("accept-repair").click()
    expect(shop.get_by_test_id("expected-ready")).to_be_visible()
    shop.select_option("[data-testid=milestone-kind]", "received")
    shop.set_input_files("#m-photo", str(_photo(tmp_path, 503)))
    shop.get_by_test_id("milestone-submit").click()
    shop.select_option("[data-testid=milestone-kind]", "parts_replaced")
    shop.fill("[data-testid=milestone-parts]", f"{gtin} {serial}")
    shop.get_by_test_id("milestone-submit").click()
    expect(shop.get_by_test_id("form-error")).to_have_count(0)
    shop.select_option("[data-testid=milestone-kind]", "ready")
    shop.get_by_test_id("milestone-submit").click()
    expect(shop.get_by_test_id("milestone")).to_have_count(3)

    owner.goto(url)
    expect(owner.get_by_test_id("expected-ready")).to_be_visible()
    timeline = owner.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=milestone]")).to_have_count(3)
    expect(timeline).to_contain_text(serial)
    expect(timeline).to_contain_text("可提车")
    for context_page in (owner, adjuster, shop):
        context_page.context.close()
