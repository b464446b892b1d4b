"""The orders API over HTTP: an owner requests and tracks, the partner answers and steps, the
dispatcher assigns; refusals are problem+json with stable codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from tests.accounts.test_api import PROBLEM, sign_in
from tests.orders.world import CAR, World, build


@pytest.fixture
def world(session: Session) -> World:
    return build(session, utc_now())


def _order(world: World, **kw: Any) -> dict[str, Any]:
    return {"vehicle_id": str(world.car.id), "service": "tow", "lat": CAR[0], "lng": CAR[1], **kw}


def test_owner_requests_and_tracks_and_the_partner_works_it(
    client: TestClient, world: World
) -> None:
    owner = sign_in(client, world.owner.username)
    created = client.post("/api/v1/orders", json=_order(world), headers=owner)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "offered"
    assert order["covered"] is True
    assert order["unit"]["driver_phone"] == "138****5678"
    assert 0 < order["unit"]["eta_s"] < 900
    assert [e["kind"] for e in order["timeline"]] == ["requested", "offered"]

    partner = sign_in(client, world.partner_user.username)
    offers = client.get("/api/v1/offers", headers=partner).json()
    assert [o["order_id"] for o in offers] == [order["id"]]
    answered = client.post(
        f"/api/v1/offers/{offers[0]['id']}/answer", json={"accept": True}, headers=partner
    )
    assert answered.status_code == 200, answered.text
    for status in ("en_route", "on_site", "completed"):
        stepped = client.post(
            f"/api/v1/orders/{order['id']}/steps", json={"status": status}, headers=partner
        )
        assert stepped.status_code == 200, stepped.text
    done = client.get(f"/api/v1/orders/{order['id']}", headers=owner).json()
    assert done["status"] == "completed"
    assert done["rating_requested_at"] is not None
    assert done["unit"] is None


def test_bad_inputs_are_problems(client: TestClient, world: World) -> None:
    owner = sign_in(client, world.owner.username)
    sea = client.post(
        "/api/v1/orders",
        json=_order(world, lat=31.0, lng=122.6),
        headers={**owner, "Accept-Language": "en"},
    )
    assert sea.status_code == 422
    assert sea.headers["content-type"].startswith(PROBLEM)
    assert sea.json()["code"] == "order_outside_service_area"
    first = client.post("/api/v1/orders", json=_order(world), headers=owner)
    again = client.post("/api/v1/orders", json=_order(world), headers=owner)
    assert again.status_code == 409
    assert again.json()["order_id"] == first.json()["id"]
    nan = client.post(
        "/api/v1/orders",
        content=b'{"vehicle_id": "%s", "service": "tow", "lat": NaN, "lng": 121.4}'
        % str(world.car.id).encode(),
        headers={**owner, "Content-Type": "application/json"},
    )
    assert nan.status_code == 422
    paid = client.post("/api/v1/orders", json=_order(world, service="lockout"), headers=owner)
    assert paid.status_code == 409
    assert paid.json()["price_fen"] == 20_000


def test_a_partner_cannot_answer_someone_elses_offer_or_an_expired_one(
    client: TestClient, session: Session, world: World
) -> None:
    from carecover.partners.enums import PartnerType
    from carecover.platform.auth.roles import Role
    from tests.factories.accounts import make_organisation, make_user
    from tests.factories.partners import make_partner

    owner = sign_in(client, world.owner.username)
    order = client.post("/api/v1/orders", json=_order(world), headers=owner).json()
    partner = sign_in(client, world.partner_user.username)
    offer = client.get("/api/v1/offers", headers=partner).json()[0]
    org = make_organisation(session)
    make_partner(session, partner_type=PartnerType.rescue, organisation=org)
    stranger = make_user(session, role=Role.partner_admin, organisation=org)
    other = sign_in(client, stranger.username)
    refused = client.post(
        f"/api/v1/offers/{offer['id']}/answer", json={"accept": True}, headers=other
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "order_offer_not_yours"
    import uuid

    from carecover.orders.models import Offer

    row = session.get(Offer, uuid.UUID(offer["id"]))
    assert row is not None
    row.expires_at = utc_now() - timedelta(seconds=1)
    session.flush()
    late = client.post(
        f"/api/v1/offers/{offer['id']}/answer", json={"accept": True}, headers=partner
    )
    assert late.status_code == 409
    assert late.json()["code"] == "order_offer_closed"
    assert client.get(f"/api/v1/orders/{order['id']}", headers=owner).json()["status"] == "offered"


def test_positions_and_someone_elses_order(
    client: TestClient, session: Session, world: World
) -> None:
    partner = sign_in(client, world.partner_user.username)
    van = world.units["van"]
    at = utc_now()
    ok = client.post(
        f"/api/v1/units/{van.id}/position",
        json={"lat": 31.21, "lng": 121.45, "at": at.isoformat()},
        headers=partner,
    )
    assert ok.status_code == 200, ok.text
    stale = client.post(
        f"/api/v1/units/{van.id}/position",
        json={"lat": 31.2, "lng": 121.4, "at": (at - timedelta(minutes=1)).isoformat()},
        headers=partner,
    )
    assert stale.status_code == 422
    assert stale.json()["code"] == "order_stale_position"
    owner = sign_in(client, world.owner.username)
    order = client.post("/api/v1/orders", json=_order(world), headers=owner).json()
    from carecover.platform.auth.roles import Role
    from tests.factories.accounts import make_user
    from tests.factories.customers import make_customer

    other_user = make_user(session, role=Role.owner)
    make_customer(session, user=other_user)
    other = sign_in(client, other_user.username)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/units", headers=other).status_code == 403


def test_a_dispatcher_assigns_and_a_second_assignment_of_the_unit_is_refused(
    client: TestClient, world: World
) -> None:
    owner = sign_in(client, world.owner.username)
    one = client.post("/api/v1/orders", json=_order(world), headers=owner).json()
    two = client.post(
        "/api/v1/orders", json=_order(world, vehicle_id=str(world.ev.id)), headers=owner
    ).json()
    dispatcher_headers = sign_in(client, world.dispatcher_user.username)
    lift = str(world.units["lift"].id)
    clash = client.post(
        f"/api/v1/orders/{two['id']}/assign", json={"unit_id": lift}, headers=dispatcher_headers
    )
    assert clash.status_code == 409  # the lift truck holds order one's offer (and cannot tow an EV)
    assert clash.json()["code"] in ("order_unit_unavailable", "order_unit_not_suitable")
    flatbed = client.post(
        f"/api/v1/orders/{one['id']}/assign",
        json={"unit_id": str(world.units["flatbed"].id)},
        headers=dispatcher_headers,
    )
    assert flatbed.status_code in (200, 409)
    listed = client.get("/api/v1/orders", headers=dispatcher_headers).json()
    assert {o["id"] for o in listed} >= {one["id"], two["id"]}
