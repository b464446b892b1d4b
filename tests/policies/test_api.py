"""Customers, vehicles, policies and benefits over the API; bad input refused field by field."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.accounts.demo import seed_demo_accounts
from carecover.entrypoints.app import create_app
from carecover.platform.auth.roles import Role
from carecover.platform.config import Settings
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.worker import tick
from carecover.policies.models import Policy
from carecover.vehicles.models import Vehicle
from tests.accounts.test_api import sign_in
from tests.factories.accounts import make_user
from tests.factories.customers import unique_id_number, unique_mobile, unique_plate, unique_vin

PROBLEM = "application/problem+json"


def staff(client: TestClient, session: Session) -> dict[str, str]:
    return sign_in(client, make_user(session, role=Role.customer_ops).username)


def create_customer(
    client: TestClient, headers: dict[str, str], **extra: object
) -> dict[str, object]:
    body = {
        "name": "赵六",
        "mobile": unique_mobile(),
        "id_number": unique_id_number(),
        "address": "浙江省杭州市西湖区文三路90号",
        **extra,
    }
    response = client.post("/api/v1/customers", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_field_level_errors_in_the_callers_language(client: TestClient, session: Session) -> None:
    headers = {**staff(client, session), "Accept-Language": "en"}
    customer = create_customer(client, headers)
    before = session.scalar(select(func.count()).select_from(Vehicle))
    bad = client.post(
        "/api/v1/vehicles",
        headers=headers,
        json={
            "vin": "LSVAU2180N2183290",
            "plate": "京I12345",
            "owner_id": customer["id"],
            "make": "大众",
            "model": "朗逸",
            "model_year": 2023,
            "powertrain": "bev",
        },
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == PROBLEM
    errors = {tuple(e["loc"]): e for e in bad.json()["errors"]}
    assert set(errors) == {("body", "vin"), ("body", "plate"), ("body", "battery_kwh")}
    assert errors[("body", "vin")]["type"] == "vin.check_digit"
    assert "check digit" in errors[("body", "vin")]["msg"]
    zh = client.post(
        "/api/v1/vehicles",
        headers={**headers, "Accept-Language": "zh-CN"},
        json={
            "vin": "LSVAU2180N2183290",
            "owner_id": customer["id"],
            "make": "大众",
            "model": "朗逸",
            "model_year": 2023,
            "powertrain": "ice",
        },
    )
    assert "校验位" in zh.json()["errors"][0]["msg"]
    assert session.scalar(select(func.count()).select_from(Vehicle)) == before


def test_duplicate_vin_is_409_and_money_must_be_integer_fen(
    client: TestClient, session: Session
) -> None:
    headers = staff(client, session)
    customer = create_customer(client, headers)
    vehicle = {
        "vin": unique_vin(),
        "plate": unique_plate(),
        "owner_id": customer["id"],
        "make": "丰田",
        "model": "卡罗拉",
        "model_year": 2022,
        "powertrain": "hev",
        "battery_kwh": "1.3",
        "purchase_price_fen": 13_980_000,
    }
    assert client.post("/api/v1/vehicles", headers=headers, json=vehicle).status_code == 201
    clash = client.post(
        "/api/v1/vehicles", headers=headers, json={**vehicle, "plate": unique_plate()}
    )
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["loc"] == ["body", "vin"]
    for price in (139_800.5, -1, "13980000"):
        wrong = client.post(
            "/api/v1/vehicles",
            headers=headers,
            json={**vehicle, "vin": unique_vin(), "purchase_price_fen": price},
        )
        assert wrong.status_code == 422, price


def test_policy_quote_bind_overlap_and_dates(client: TestClient, session: Session) -> None:
    headers = {**staff(client, session), "Accept-Language": "en"}
    customer = create_customer(client, headers)
    car = client.post(
        "/api/v1/vehicles",
        headers=headers,
        json={
            "vin": unique_vin(),
            "plate": unique_plate(nev=True),
            "owner_id": customer["id"],
            "make": "比亚迪",
            "model": "海豹",
            "model_year": 2025,
            "powertrain": "bev",
            "battery_kwh": "82.5",
            "purchase_price_fen": 18_980_000,
        },
    ).json()
    quote = {
        "vehicle_id": car["id"],
        "product_code": "NEV_COMM_2021",
        "starts_at": "2026-11-20T00:00:00+08:00",
        "coverages": [
            {"coverage": "vehicle_damage"},
            {"coverage": "third_party_liability", "limit_fen": 200_000_000},
            {"coverage": "nev_charging_pile_loss"},
        ],
    }
    quoted = client.post("/api/v1/policies/quotes", headers=headers, json=quote)
    assert quoted.status_code == 201, quoted.text
    assert quoted.json()["status"] == "quote"
    assert len(quoted.json()["coverages"]) == 3
    bound = client.post(f"/api/v1/policies/{quoted.json()['id']}/bind", headers=headers)
    assert bound.json()["status"] == "active"
    again = client.post("/api/v1/policies/quotes", headers=headers, json=quote).json()
    overlap = client.post(f"/api/v1/policies/{again['id']}/bind", headers=headers)
    assert overlap.status_code == 409
    assert overlap.json()["code"] == "policy_overlap"
    backwards = client.post(
        "/api/v1/policies/quotes",
        headers=headers,
        json={**quote, "ends_at": "2026-11-01T00:00:00+08:00"},
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["loc"] == ["body", "ends_at"]
    assert backwards.json()["errors"][0]["msg"] == "The end date must be after the start date."
    floaty = client.post(
        "/api/v1/policies/quotes",
        headers=headers,
        json={**quote, "coverages": [{"coverage": "third_party_liability", "limit_fen": 1e8}]},
    )
    assert floaty.status_code == 422
    live = session.scalar(
        select(func.count())
        .select_from(Policy)
        .where(Policy.vehicle_id == uuid.UUID(car["id"]), Policy.status == "active")
    )
    assert live == 1


def test_bound_nev_policy_grants_the_nev_package(fresh_db: Database, settings: Settings) -> None:
    with fresh_db.session() as s, s.begin():
        seed_demo_accounts(s, Actor.system())
    with TestClient(create_app(settings, fresh_db, embedded_worker=False)) as client:
        headers = sign_in(client, "ops", "ops-demo-2026")
        customer = create_customer(client, headers)
        car = client.post(
            "/api/v1/vehicles",
            headers=headers,
            json={
                "vin": unique_vin(),
                "owner_id": customer["id"],
                "make": "蔚来",
                "model": "ET5",
                "model_year": 2024,
                "powertrain": "bev",
                "battery_kwh": "75",
                "purchase_price_fen": 29_800_000,
            },
        ).json()
        policy = client.post(
            "/api/v1/policies/quotes",
            headers=headers,
            json={
                "vehicle_id": car["id"],
                "product_code": "NEV_COMM_2021",
                "starts_at": "2026-01-01T00:00:00Z",
                "coverages": [{"coverage": "third_party_liability", "limit_fen": 100_000_000}],
            },
        ).json()
        client.post(f"/api/v1/policies/{policy['id']}/bind", headers=headers)
        assert (
            client.get(f"/api/v1/vehicles/{car['id']}/entitlements", headers=headers).json() == []
        )
        tick(fresh_db, settings, "w")
        balances = client.get(f"/api/v1/vehicles/{car['id']}/entitlements", headers=headers).json()
        assert {b["package_code"] for b in balances} == {"NEV_CARE_2026"}
        services = {b["service"] for b in balances}
        assert {"battery_health_check", "green_channel", "emergency_charging"} <= services
        decision = client.get(
            f"/api/v1/vehicles/{car['id']}/entitlements/check?service=tow&incident_ref=breakdown-1",
            headers=headers,
        ).json()
        assert decision["covered"] is True
        assert decision["rules"]["max_km"] == 100
        tick(fresh_db, settings, "w")  # redelivery finds the grant already there
        again = client.get(f"/api/v1/vehicles/{car['id']}/entitlements", headers=headers).json()
        assert len(again) == len(balances)
