"""Customers API: exact search, owners see only themselves, consents by the customer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.customers import service
from carecover.platform.auth.roles import Role
from tests.accounts.test_api import sign_in
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle, unique_mobile


def test_staff_search_by_mobile_and_id_number(client: TestClient, session: Session) -> None:
    mobile = unique_mobile()
    customer = make_customer(session, mobile=mobile)
    id_number = service.decrypt(customer, "id_number")
    headers = sign_in(client, make_user(session, role=Role.adjuster).username)
    by_mobile = client.get("/api/v1/customers", params={"mobile": mobile}, headers=headers).json()
    assert [c["id"] for c in by_mobile["items"]] == [str(customer.id)]
    assert by_mobile["items"][0]["mobile_masked"].endswith(mobile[-4:])
    by_id = client.get("/api/v1/customers", params={"id_number": id_number}, headers=headers).json()
    assert by_id["total"] == 1
    assert "id_number" not in by_id["items"][0]  # staff get the masked view only


def test_owner_reads_only_their_own_record_and_cars(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.owner)
    mine = make_customer(session, user=user)
    car = make_vehicle(session, owner=mine)
    other = make_customer(session)
    other_car = make_vehicle(session, owner=other)
    headers = sign_in(client, user.username)
    me = client.get("/api/v1/me/customer", headers=headers).json()
    assert me["id"] == str(mine.id)
    assert me["mobile"].startswith("+86")
    assert client.get(f"/api/v1/customers/{other.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/vehicles/{other_car.id}", headers=headers).status_code == 404
    cars = client.get("/api/v1/me/vehicles", headers=headers).json()
    assert [c["id"] for c in cars] == [str(car.id)]
    assert cars[0]["plate"]  # the owner sees their own plate in full
    assert client.get("/api/v1/customers", headers=headers).status_code == 403


def test_the_customer_grants_and_withdraws_consent(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.owner)
    mine = make_customer(session, user=user)
    headers = sign_in(client, user.username)
    granted = client.post(
        f"/api/v1/customers/{mine.id}/consents",
        headers=headers,
        json={"purpose": "telematics", "scope": "车辆位置与电池数据，用于主动预警"},
    )
    assert granted.status_code == 201
    consent_id = granted.json()["id"]
    withdrawn = client.post(
        f"/api/v1/customers/{mine.id}/consents/{consent_id}/withdraw", headers=headers
    )
    assert withdrawn.json()["withdrawn_at"] is not None
    dispatcher = sign_in(client, make_user(session, role=Role.dispatcher).username)
    refused = client.post(
        f"/api/v1/customers/{mine.id}/consents",
        headers=dispatcher,
        json={"purpose": "marketing", "scope": "offers by SMS"},
    )
    assert refused.status_code == 403
