"""Owner "my cars", staff customer search (exact identifiers) and the customer 360 page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.benefits import service as benefits_service
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.policies import service as policy_service
from carecover.policies.enums import Coverage
from carecover.policies.schemas import CoverageRequest, QuoteCreate
from carecover.vehicles import service as vehicle_service
from carecover.vehicles.enums import Powertrain
from tests.accounts.test_web import web_sign_in
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle


def insured_nev(session: Session, owner_user: object | None = None):  # type: ignore[no-untyped-def]
    customer = make_customer(session, user=owner_user)  # type: ignore[arg-type]
    car = make_vehicle(session, owner=customer, powertrain=Powertrain.bev)
    policy = policy_service.quote(
        session,
        Actor.system(),
        QuoteCreate(
            vehicle_id=car.id,
            product_code="NEV_COMM_2021",
            starts_at=utc_now(),
            coverages=[
                CoverageRequest(coverage=Coverage.third_party_liability, limit_fen=100_000_000)
            ],
        ),
    )
    policy_service.bind(session, Actor.system(), policy)
    benefits_service.grant_package(
        session,
        Actor.system(),
        vehicle_id=car.id,
        package_code="NEV_CARE_2026",
        policy_id=policy.id,
    )
    return customer, car, policy


def test_owner_sees_their_cars_policies_and_benefits(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.owner, language="en")
    _, car, policy = insured_nev(session, user)
    _, other_car, _ = insured_nev(session)
    web_sign_in(client, user.username)
    page = client.get("/owner/cars")
    assert page.status_code == 200
    assert vehicle_service.plate_of(car) in page.text
    assert policy.policy_no in page.text
    assert "Battery health check" in page.text
    assert "1 / 1 per month" in page.text
    assert vehicle_service.plate_of(other_car) not in page.text


def test_staff_find_customers_by_any_exact_identifier(client: TestClient, session: Session) -> None:
    customer, car, policy = insured_nev(session)
    staff = make_user(session, role=Role.adjuster)
    web_sign_in(client, staff.username)
    plate = vehicle_service.plate_of(car)
    assert plate is not None
    for query in (plate, plate.lower(), car.vin, policy.policy_no, customer.customer_no):
        response = client.get("/staff/customers", params={"q": query}, follow_redirects=False)
        assert response.status_code == 303, query
        assert response.headers["location"] == f"/staff/customers/{customer.id}"
    none = client.get("/staff/customers", params={"q": "沪A99999"})
    assert 'data-testid="no-results"' in none.text
    page = client.get(f"/staff/customers/{customer.id}")
    assert 'data-testid="customer-360"' in page.text
    assert policy.policy_no in page.text
    assert plate not in page.text  # staff see the plate masked


def test_owners_and_partners_cannot_search_customers(client: TestClient, session: Session) -> None:
    web_sign_in(client, make_user(session, role=Role.partner_staff).username)
    assert client.get("/staff/customers?q=C0000000001").status_code == 403
