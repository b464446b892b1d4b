"""The partners API: who may see and change which partner, problem+json on bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.partners.enums import PartnerType
from carecover.partners.models import Partner
from carecover.platform.auth.models import Organisation
from carecover.platform.auth.roles import Role
from tests.accounts.test_api import PROBLEM, sign_in
from tests.factories.accounts import make_organisation, make_user
from tests.factories.partners import PEOPLES_SQUARE, WEST_LAKE, XUHUI, make_partner


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def org_of(session: Session, partner: Partner) -> Organisation:
    org = session.get(Organisation, partner.organisation_id)
    assert org is not None
    return org


def site_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "徐汇店",
        "address": "上海市徐汇区虹漕路461号",
        "lat": XUHUI[0],
        "lng": XUHUI[1],
        "capacity": 4,
        "opening_hours": {"mon": [["08:00", "20:00"]], "sat": []},
    }
    return body | overrides


def test_a_network_manager_registers_a_partner(client: TestClient, session: Session) -> None:
    headers = sign_in(client, make_user(session, role=Role.network_manager).username)
    org = make_organisation(session)
    r = client.post(
        "/api/v1/partners",
        headers=headers,
        json={
            "organisation_id": str(org.id),
            "partner_type": "repair_shop",
            "legal_name": "上海徐汇汽车维修有限公司",
            "unified_social_credit_code": "91350100M000100Y43",
            "city_adcode": "310104",
            "contact_phone": "13812345678",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "applicant"
    assert (body["city_adcode"], body["city"]) == ("310000", "上海市")
    assert body["contact_phone_masked"] == "+86 138****5678"
    again = client.post(
        "/api/v1/partners",
        headers=headers,
        json={
            "organisation_id": str(org.id),
            "partner_type": "car_wash",
            "legal_name": "另一家",
            "city_adcode": "310000",
        },
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["loc"] == ["body", "organisation_id"]


def test_only_network_management_registers(client: TestClient, session: Session) -> None:
    for role in (Role.dispatcher, Role.partner_admin, Role.owner):
        r = client.post(
            "/api/v1/partners",
            headers=sign_in(client, make_user(session, role=role).username),
            json={
                "organisation_id": str(make_organisation(session).id),
                "partner_type": "car_wash",
                "legal_name": "洗车行",
                "city_adcode": "310000",
            },
        )
        assert r.status_code == 403, role


def test_bad_input_is_a_422_problem_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    manager = make_user(session, role=Role.network_manager)
    headers = {**sign_in(client, manager.username), "Accept-Language": "en"}
    before = count(session, Partner)
    r = client.post(
        "/api/v1/partners",
        headers=headers,
        json={
            "organisation_id": str(make_organisation(session).id),
            "partner_type": "rescue",
            "legal_name": "沪通救援",
            "unified_social_credit_code": "91350100M000100Y44",
            "city_adcode": "999999",
        },
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert {(tuple(e["loc"]), e["type"]) for e in problem["errors"]} == {
        (("body", "unified_social_credit_code"), "partner.credit_code"),
        (("body", "city_adcode"), "partner.city_unknown"),
    }
    assert all(not e["msg"].startswith("invalid.") for e in problem["errors"])
    unknown_type = client.post(
        "/api/v1/partners",
        headers=headers,
        json={
            "organisation_id": str(make_organisation(session).id),
            "partner_type": "spaceship_dock",
            "legal_name": "星港",
            "city_adcode": "310000",
        },
    )
    assert unknown_type.status_code == 422
    assert unknown_type.json()["errors"][0]["loc"] == ["body", "partner_type"]
    assert count(session, Partner) == before


def test_who_sees_which_partner(client: TestClient, session: Session) -> None:
    partner = make_partner(session, active=False)
    other = make_partner(session, active=False)
    owner = sign_in(client, make_user(session).username)
    dispatcher = sign_in(client, make_user(session, role=Role.dispatcher).username)
    own_staff = sign_in(
        client,
        make_user(session, role=Role.partner_staff, organisation=org_of(session, partner)).username,
    )
    stranger = sign_in(
        client,
        make_user(session, role=Role.partner_admin, organisation=org_of(session, other)).username,
    )
    path = f"/api/v1/partners/{partner.id}"

    assert client.get("/api/v1/partners", headers=owner).status_code == 403
    assert client.get("/api/v1/partners", headers=stranger).status_code == 403
    listed = client.get(
        "/api/v1/partners?type=repair_shop&status=applicant&city_adcode=310101",
        headers=dispatcher,
    )
    assert listed.status_code == 200
    assert {str(partner.id), str(other.id)} <= {item["id"] for item in listed.json()["items"]}
    none = client.get("/api/v1/partners?type=parking", headers=dispatcher).json()
    assert str(partner.id) not in {item["id"] for item in none["items"]}

    assert client.get(path, headers=dispatcher).status_code == 200
    assert client.get(path, headers=own_staff).status_code == 200
    hidden = client.get(path, headers=stranger)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "partner_not_found"
    assert client.get(path, headers=owner).status_code == 404
    assert client.get(path + "/locations", headers=stranger).status_code == 404
    assert client.get(path + "/qualifications", headers=stranger).status_code == 404
    assert client.get("/api/v1/me/partner", headers=own_staff).json()["id"] == str(partner.id)
    assert client.get("/api/v1/me/partner", headers=owner).status_code == 404


def test_the_partners_own_admin_manages_its_sites(client: TestClient, session: Session) -> None:
    partner = make_partner(session, location=None, active=False)
    other = make_partner(session, active=False)
    admin = sign_in(
        client,
        make_user(session, role=Role.partner_admin, organisation=org_of(session, partner)).username,
    )
    staff = sign_in(
        client,
        make_user(session, role=Role.partner_staff, organisation=org_of(session, partner)).username,
    )
    stranger = sign_in(
        client,
        make_user(session, role=Role.partner_admin, organisation=org_of(session, other)).username,
    )
    path = f"/api/v1/partners/{partner.id}/locations"

    created = client.post(path, headers=admin, json=site_body())
    assert created.status_code == 201, created.text
    assert (created.json()["adcode"], created.json()["city_adcode"]) == ("310104", "310000")
    assert created.json()["opening_hours"]["sat"] == []
    assert client.post(path, headers=staff, json=site_body()).status_code == 403
    assert client.post(path, headers=stranger, json=site_body()).status_code == 404
    assert [s["id"] for s in client.get(path, headers=staff).json()] == [created.json()["id"]]

    quals = f"/api/v1/partners/{partner.id}/qualifications"
    own = client.post(
        quals,
        headers=admin,
        json={
            "kind": "business_licence",
            "number": "310104000123456",
            "valid_from": "2024-01-01",
            "valid_until": "2099-12-31",
        },
    )
    assert own.status_code == 201, own.text
    assert own.json()["verified_at"] is None
    assert own.json()["status"] == "valid"
    manager = sign_in(client, make_user(session, role=Role.network_manager).username)
    verified = client.post(f"{quals}/{own.json()['id']}/verify", headers=manager)
    assert verified.json()["verified_at"] is not None
    assert client.post(f"{quals}/{own.json()['id']}/verify", headers=admin).status_code == 403


def test_a_site_outside_china_or_with_bad_hours_is_not_stored(
    client: TestClient, session: Session
) -> None:
    partner = make_partner(session, location=None, active=False)
    manager = sign_in(client, make_user(session, role=Role.network_manager).username)
    path = f"/api/v1/partners/{partner.id}/locations"
    tokyo = client.post(path, headers=manager, json=site_body(lat=35.68, lng=139.69))
    assert tokyo.status_code == 422
    assert tokyo.headers["content-type"] == PROBLEM
    assert [(e["loc"], e["type"]) for e in tokyo.json()["errors"]] == [
        (["body", "lng"], "location.outside_china")
    ]
    hours = client.post(
        path, headers=manager, json=site_body(opening_hours={"mon": [["20:00", "08:00"]]})
    )
    assert hours.status_code == 422
    assert hours.json()["errors"][0]["loc"] == ["body", "opening_hours"]
    extra = client.post(path, headers=manager, json=site_body(colour="red"))
    assert extra.status_code == 422
    assert client.get(path, headers=manager).json() == []


def test_admission_through_the_api(client: TestClient, session: Session) -> None:
    partner = make_partner(session, partner_type=PartnerType.rescue, active=False)
    manager = {
        **sign_in(client, make_user(session, role=Role.network_manager).username),
        "Accept-Language": "en",
    }
    path = f"/api/v1/partners/{partner.id}"
    refused = client.post(path + "/activate", headers=manager)
    assert refused.status_code == 409
    assert refused.json()["code"] == "partner_admission_incomplete"
    assert [m["requirement"] for m in refused.json()["missing"]] == [
        "business_licence",
        "towing_licence",
    ]
    for kind in ("business_licence", "towing_licence"):
        r = client.post(
            path + "/qualifications",
            headers=manager,
            json={
                "kind": kind,
                "number": f"{kind}-001",
                "valid_from": "2024-01-01",
                "valid_until": "2099-12-31",
            },
        )
        assert r.status_code == 201
    assert client.post(path + "/activate", headers=manager).json()["status"] == "active"
    suspended = client.post(path + "/suspend", headers=manager, json={"reason": "到达超时"})
    assert suspended.json()["status"] == "suspended"
    dispatcher = sign_in(client, make_user(session, role=Role.dispatcher).username)
    assert client.post(path + "/activate", headers=dispatcher).status_code == 403


def test_nearby_sites_with_distances(client: TestClient, session: Session) -> None:
    shanghai = make_partner(session, partner_type=PartnerType.rescue)
    hangzhou = make_partner(
        session,
        partner_type=PartnerType.rescue,
        city_adcode="330100",
        location=WEST_LAKE,
        address="杭州市西湖区龙井路1号",
    )
    dispatcher = sign_in(client, make_user(session, role=Role.dispatcher).username)
    lat, lng = PEOPLES_SQUARE
    r = client.get(f"/api/v1/partners/nearby?lat={lat}&lng={lng}&type=rescue", headers=dispatcher)
    assert r.status_code == 200, r.text
    found = [(s["partner_id"], s["distance_km"]) for s in r.json()]
    ids = [pid for pid, _ in found]
    assert ids.index(str(shanghai.id)) < ids.index(str(hangzhou.id))
    assert dict(found)[str(hangzhou.id)] == pytest.approx(165, abs=5)
    near = client.get(
        f"/api/v1/partners/nearby?lat={lat}&lng={lng}&type=rescue&within_km=50",
        headers=dispatcher,
    )
    assert str(hangzhou.id) not in {s["partner_id"] for s in near.json()}
    owner = sign_in(client, make_user(session).username)
    assert (
        client.get(f"/api/v1/partners/nearby?lat={lat}&lng={lng}", headers=owner).status_code == 403
    )
    assert client.get("/api/v1/partners/nearby?lat=91&lng=0", headers=dispatcher).status_code == 422
