"""Partner pages: a partner's own profile, the staff directory, its map data and the outline."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.partners import service
from carecover.partners import web as partners_web
from carecover.partners.enums import PartnerType, QualificationKind
from carecover.partners.models import Partner
from carecover.platform.auth.models import Organisation, User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from tests.accounts.test_web import web_sign_in
from tests.factories.accounts import make_organisation, make_user
from tests.factories.partners import (
    PEOPLES_SQUARE,
    PUDONG,
    WEEKDAYS,
    WEST_LAKE,
    XUHUI,
    make_location,
    make_partner,
    make_qualification,
)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app with the partner pages, whether or not the entrypoint mounts them yet."""
    if not any(getattr(r, "path", None) == "/staff/partners" for r in app.routes):
        app.include_router(partners_web.router)
    return app


def signed_in(client: TestClient, session: Session, role: Role, **extra: Any) -> User:
    user = make_user(session, role=role, language="en", **extra)
    assert web_sign_in(client, user.username).status_code == 303
    return user


def row_with(html: str, marker: str) -> str:
    """The table row (<tr>…</tr>) holding ``marker``."""
    rows: list[str] = [row for row in re.findall(r"<tr\b.*?</tr>", html, re.S) if marker in row]
    assert len(rows) == 1, f"{len(rows)} rows with {marker}"
    return rows[0]


def map_json(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/staff/partners/map.json", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


# --- The partner's own profile --------------------------------------------------------------


def test_a_partner_admin_sees_its_profile_sites_and_qualification_statuses(
    client: TestClient, session: Session
) -> None:
    org = make_organisation(session, name="徐汇安心汽修")
    partner = make_partner(
        session,
        organisation=org,
        legal_name="上海徐汇安心汽车维修有限公司",
        contact_phone="13812345678",
    )
    weekdays: dict[str, object] = dict(WEEKDAYS)
    make_location(session, partner, point=PUDONG, name="浦东服务站", opening_hours=weekdays)
    today = service.china_today()
    make_qualification(
        session,
        partner,
        QualificationKind.oem_authorisation,
        brand="比亚迪",
        valid_until=today + timedelta(days=10),
    )
    towing = make_qualification(session, partner, QualificationKind.towing_licence)
    service.revoke_qualification(session, Actor.system(), partner, towing.id, "licence withdrawn")
    admin = Actor(None, Role.partner_admin, organisation_id=org.id)
    make_qualification(
        session, partner, QualificationKind.nev_brand_authorisation, brand="蔚来", actor=admin
    )
    signed_in(client, session, Role.partner_admin, organisation=org)

    page = client.get("/partner/profile")

    assert page.status_code == 200
    html = page.text
    assert 'data-testid="partner-profile"' in html
    assert "上海徐汇安心汽车维修有限公司" in html
    assert "Repair shop" in html
    assert "Active" in html
    assert "138****5678" in html
    assert "13812345678" not in html
    assert html.count('data-testid="partner-site"') == 2
    assert "浦东服务站" in html
    assert "上海市徐汇区虹漕路461号" in html
    assert "Open 24 hours, every day" in html  # the factory's first site
    pudong = row_with(html, "浦东服务站")
    assert "Mon</span>08:00–20:00" in pudong
    assert "Sun</span>Closed" in pudong
    assert "Expiring soon" in row_with(html, 'data-kind="oem_authorisation"')
    assert "Revoked" in row_with(html, 'data-kind="towing_licence"')
    assert ">Valid<" in row_with(html, 'data-kind="business_licence"')
    own_entry = row_with(html, 'data-kind="nev_brand_authorisation"')
    assert "Awaiting verification" in own_entry
    assert "蔚来" in own_entry
    assert "Verified" in row_with(html, 'data-kind="repair_licence_class_1"')


def test_a_partner_user_only_ever_sees_its_own_partner(
    client: TestClient, session: Session
) -> None:
    mine = make_partner(session, legal_name="我方汽修有限公司")
    other = make_partner(
        session,
        legal_name="别家汽修有限公司",
        location=WEST_LAKE,
        address="浙江省杭州市西湖区曙光路1号",
    )
    org = session.get(Organisation, mine.organisation_id)
    signed_in(client, session, Role.partner_staff, organisation=org)

    profile = client.get("/partner/profile")
    assert "我方汽修有限公司" in profile.text
    assert "别家汽修有限公司" not in profile.text
    assert client.get(f"/staff/partners/{other.id}").status_code == 403
    assert client.get("/staff/partners").status_code == 403
    assert client.get("/staff/partners/map.json").status_code == 403


def test_a_partner_without_a_profile_is_told_who_registers_partners(
    client: TestClient, session: Session
) -> None:
    org = make_organisation(session, name="尚未登记的汽修厂")
    signed_in(client, session, Role.partner_admin, organisation=org)

    page = client.get("/partner/profile")

    assert page.status_code == 200
    assert 'data-testid="no-profile"' in page.text
    assert "尚未登记的汽修厂" in page.text
    assert "network manager registers partners" in page.text


def test_staff_and_owners_do_not_get_the_partner_profile(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session, Role.network_manager)
    assert client.get("/partner/profile").status_code == 403


# --- The staff directory --------------------------------------------------------------------


def test_an_owner_gets_403_on_the_directory(client: TestClient, session: Session) -> None:
    signed_in(client, session, Role.owner)
    assert client.get("/staff/partners").status_code == 403
    assert client.get("/staff/partners/map.json").status_code == 403


def test_the_directory_page_has_filters_a_table_and_the_map(
    client: TestClient, session: Session
) -> None:
    shop = make_partner(session, legal_name="静安汽修有限公司")
    signed_in(client, session, Role.dispatcher)

    page = client.get("/staff/partners")

    assert page.status_code == 200
    html = page.text
    assert 'data-testid="partner-filters"' in html
    assert 'hx-target="#partner-results"' in html
    assert f'href="/staff/partners/{shop.id}"' in html
    assert 'data-partner-map data-source="/staff/partners/map.json"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/js/partner-map.js" in html
    assert "not an official boundary" in html
    assert '<option value="310000">' in html  # Shanghai, where the partner is registered


def test_the_directory_filters_by_type_in_an_htmx_fragment(
    client: TestClient, session: Session
) -> None:
    wash = make_partner(session, partner_type=PartnerType.car_wash, legal_name="洁亮洗车美容店")
    make_partner(session, partner_type=PartnerType.repair_shop, legal_name="只修车汽修厂")
    signed_in(client, session, Role.network_manager)

    fragment = client.get("/staff/partners?type=car_wash", headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    html = fragment.text
    assert "<html" not in html
    assert 'data-testid="partner-filters"' not in html
    assert 'data-testid="partner-rows"' in html
    assert "洁亮洗车美容店" in html
    assert f"/staff/partners/{wash.id}" in html
    assert "只修车汽修厂" not in html
    assert 'data-source="/staff/partners/map.json?type=car_wash"' in html


def test_unknown_filter_values_are_ignored(client: TestClient, session: Session) -> None:
    make_partner(session, legal_name="照常显示汽修厂")
    signed_in(client, session, Role.adjuster)
    page = client.get("/staff/partners?type=spaceport&status=nope&city_adcode=abc")
    assert page.status_code == 200
    assert "照常显示汽修厂" in page.text


def test_the_directory_pages_through_many_partners(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partners_web, "PAGE_SIZE", 2)
    for n in range(3):
        make_partner(
            session,
            partner_type=PartnerType.parking,
            legal_name=f"停车场{n}号",
            location=None,
            active=False,
        )
    signed_in(client, session, Role.network_manager)

    first = client.get("/staff/partners?type=parking&status=applicant")
    second = client.get("/staff/partners?type=parking&status=applicant&offset=2")

    assert first.text.count('data-testid="partner-row"') == 2
    assert 'data-testid="pager"' in first.text
    assert "offset=2" in first.text
    assert second.text.count('data-testid="partner-row"') == 1


def test_staff_see_one_partner_with_organisation_and_admission_gaps(
    client: TestClient, session: Session
) -> None:
    applicant = make_partner(session, legal_name="待准入汽修有限公司", active=False)
    signed_in(client, session, Role.network_manager)

    page = client.get(f"/staff/partners/{applicant.id}")

    assert page.status_code == 200
    html = page.text
    assert 'data-testid="partner-page"' in html
    assert "待准入汽修有限公司" in html
    assert str(applicant.organisation_id) in html
    assert "Applicant" in html
    assert "A business licence in force" in html
    assert "A class 1 or class 2 motor vehicle repair licence in force" in html
    assert client.get(f"/staff/partners/{uuid.uuid4()}").status_code == 404


def test_an_admitted_partner_meets_the_admission_requirements(
    client: TestClient, session: Session
) -> None:
    partner = make_partner(session)
    signed_in(client, session, Role.network_manager)
    page = client.get(f"/staff/partners/{partner.id}")
    assert 'data-testid="admission-met"' in page.text


# --- Map data -------------------------------------------------------------------------------


def _urls(body: dict[str, Any]) -> set[str]:
    return {m["url"] for m in body["markers"]}


def test_map_json_has_the_filtered_markers_an_outline_and_no_tiles_by_default(
    client: TestClient, session: Session
) -> None:
    washes: list[Partner] = [
        make_partner(session, partner_type=PartnerType.car_wash, location=point)
        for point in (XUHUI, PUDONG, PEOPLES_SQUARE)
    ]
    shop = make_partner(
        session,
        partner_type=PartnerType.repair_shop,
        location=WEST_LAKE,
        address="浙江省杭州市西湖区曙光路1号",
    )
    signed_in(client, session, Role.dispatcher)

    body = map_json(client, type="car_wash", city_adcode="310104")

    assert body["tiles"] is None
    assert isinstance(body["attribution"], str)
    assert {f"/staff/partners/{p.id}" for p in washes} <= _urls(body)
    assert f"/staff/partners/{shop.id}" not in _urls(body)
    assert {m["type"] for m in body["markers"]} == {"car_wash"}
    points = {(m["lat"], m["lng"]) for m in body["markers"]}
    assert {XUHUI, PUDONG, PEOPLES_SQUARE} <= points
    marker = next(m for m in body["markers"] if m["url"] == f"/staff/partners/{washes[0].id}")
    assert marker["name"]
    assert marker["status"] == "active"
    assert len(body["outline"]) >= 3
    lats = [p[0] for p in body["outline"]]
    assert min(lats) < XUHUI[0]
    assert max(lats) > PEOPLES_SQUARE[0]
    assert len(body["center"]) == 2
    assert 3 <= body["zoom"] <= 15


def test_map_json_draws_a_square_around_a_single_site(client: TestClient, session: Session) -> None:
    charger = make_partner(
        session,
        partner_type=PartnerType.charging_operator,
        city_adcode="330100",
        location=WEST_LAKE,
        address="浙江省杭州市西湖区曙光路1号",
    )
    signed_in(client, session, Role.dispatcher)

    body = map_json(client, type="charging_operator", city_adcode="330100")

    assert _urls(body) == {f"/staff/partners/{charger.id}"}
    assert len(body["outline"]) == 4


def test_map_json_reads_the_tile_server_from_settings(
    app: FastAPI, client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    class WithTiles:
        map_tile_url = "/tiles/{z}/{x}/{y}.png"
        map_tile_attribution = "© Test tiles"

        def __init__(self, base: object) -> None:
            self._base = base

        def __getattr__(self, name: str) -> Any:
            return getattr(self._base, name)

    monkeypatch.setattr(app.state, "settings", WithTiles(app.state.settings))
    signed_in(client, session, Role.dispatcher)

    body = map_json(client, city_adcode="650100")  # Urumqi: no partners there

    assert body["tiles"] == "/tiles/{z}/{x}/{y}.png"
    assert body["attribution"] == "© Test tiles"
    assert body["markers"] == []
    assert body["outline"] == []
    assert body["zoom"] == 10  # the filtered city's centre


# --- Helpers --------------------------------------------------------------------------------


def test_convex_hull_drops_inner_and_collinear_points() -> None:
    square = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    hull = partners_web.convex_hull([*square, (0.5, 0.5), (0.0, 0.5), (1.0, 1.0)])
    assert sorted(hull) == sorted(square)
    assert partners_web.convex_hull([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]) == [
        (0.0, 0.0),
        (2.0, 2.0),
    ]


def test_outline_pads_the_hull_or_boxes_a_line() -> None:
    ring = partners_web.outline([(0.0, 0.0), (0.0, 2.0), (2.0, 2.0), (2.0, 0.0)])
    assert sorted(ring) == [[-0.05, -0.05], [-0.05, 2.05], [2.05, -0.05], [2.05, 2.05]]
    assert len(partners_web.outline([(31.0, 121.0)])) == 4
    assert len(partners_web.outline([(31.0, 121.0), (31.1, 121.1), (31.2, 121.2)])) == 4
    assert partners_web.outline([]) == []


def test_opening_rows_cover_every_day() -> None:
    assert partners_web.opening_rows({"always_open": True}) is None
    rows = partners_web.opening_rows({"mon": [["08:00", "12:00"], ["13:00", "18:00"]]})
    assert rows is not None
    assert len(rows) == 7
    assert rows[0] == ("mon", ["08:00–12:00", "13:00–18:00"])
    assert rows[6] == ("sun", [])


def test_names_are_escaped_in_pages_and_plain_in_the_map_data(
    client: TestClient, session: Session
) -> None:
    name = "<img src=x onerror=alert(1)>汽修"
    partner = make_partner(session, partner_type=PartnerType.merchant, legal_name=name)
    signed_in(client, session, Role.network_manager)

    page = client.get("/staff/partners?type=merchant")
    detail = client.get(f"/staff/partners/{partner.id}")
    body = map_json(client, type="merchant")

    for html in (page.text, detail.text):
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;汽修" in html
    assert {m["partner"] for m in body["markers"]} >= {name}
