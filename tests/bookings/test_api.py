"""The bookings API with real tokens: owners find slots, book, list and cancel; staff book on the
phone; the partner works its day; every refusal is a problem document with its code."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from tests.accounts.test_api import PROBLEM, sign_in
from tests.bookings.helpers import (
    MAINTENANCE,
    WASH,
    Shop,
    beijing,
    days_ahead,
    insured_with,
    make_shop,
    offer,
)
from tests.factories.accounts import make_user
from tests.factories.partners import PUDONG, XUHUI

A_DAY_AGO = utc_now() - timedelta(days=1)


def body(shop: Shop, car_id: object, at: str, **extra: object) -> dict[str, object]:
    return {
        "vehicle_id": str(car_id),
        "location_id": str(shop.location.id),
        "service": "car_wash",
        "starts_at": at,
        **extra,
    }


def slot(days: int, hhmm: str) -> str:
    return beijing(days_ahead(days), hhmm).isoformat()


def problem(response, status: int, code: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    doc: dict[str, object] = response.json()
    assert doc["code"] == code
    assert doc["detail"] != f"error.{code}"  # a real message
    return doc


def test_an_owner_finds_books_lists_and_cancels(client: TestClient, session: Session) -> None:
    near, far = make_shop(session, point=XUHUI), make_shop(session, point=PUDONG)
    for shop in (near, far):
        offer(session, shop, WASH, price_fen=3_500)
    insured = insured_with(session, "FUEL_CARE_2026", username="api.booker", starts_at=A_DAY_AGO)
    auth = sign_in(client, "api.booker")
    found = client.get(
        "/api/v1/bookable-services/nearby",
        params={"service": "car_wash", "lat": XUHUI[0], "lng": XUHUI[1], "per_location": 2},
        headers=auth,
    )
    assert found.status_code == 200, found.text
    listed = found.json()
    assert [x["location_id"] for x in listed] == [str(near.location.id), str(far.location.id)]
    assert listed[0]["distance_km"] < 1 < listed[1]["distance_km"]
    assert len(listed[0]["slots"]) == 2
    assert listed[0]["price_fen"] == 3_500
    later = client.get(
        "/api/v1/bookable-services/nearby",
        params={
            "service": "car_wash",
            "lat": XUHUI[0],
            "lng": XUHUI[1],
            "from": days_ahead(3).isoformat(),
            "days": 1,
            "limit": 1,
            "per_location": 20,
        },
        headers=auth,
    ).json()
    assert [s["starts_at"][:10] for s in later[0]["slots"]] == [
        str(beijing(days_ahead(3), "08:00"))[:10]
    ] * 10
    day = client.get(
        f"/api/v1/partner-locations/{near.location.id}/slots",
        params={"service": "car_wash", "from": days_ahead(2).isoformat(), "days": 1},
        headers=auth,
    ).json()
    assert len(day["slots"]) == 10  # 08:00–18:00 hourly
    assert day["slots"][2]["starts_at"] == slot(2, "10:00").replace("+00:00", "Z")
    made = client.post(
        "/api/v1/bookings", json=body(near, insured.car.id, slot(2, "10:00")), headers=auth
    )
    assert made.status_code == 201, made.text
    booking = made.json()
    assert (booking["status"], booking["covered"], booking["price_fen"]) == ("booked", True, 0)
    assert booking["channel"] == "app"
    assert booking["location_name"] == near.location.name
    mine = client.get("/api/v1/bookings", headers=auth).json()
    assert [b["id"] for b in mine] == [booking["id"]]
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=auth).status_code == 200
    cancelled = client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "plans changed"}, headers=auth
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["entitlement_returned"]) == (
        "cancelled",
        True,
    )
    twice = client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "again"}, headers=auth
    )
    problem(twice, 409, "booking_already_cancelled")


def test_each_refusal_is_a_problem_document(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    offer(session, shop, WASH, capacity=1)
    owner = insured_with(session, "FUEL_CARE_2026", username="api.one", starts_at=A_DAY_AGO)
    other = insured_with(session, None, username="api.two")
    auth, other_auth = sign_in(client, "api.one"), sign_in(client, "api.two")
    at = slot(2, "11:00")
    past = client.post(
        "/api/v1/bookings", json=body(shop, owner.car.id, slot(-1, "11:00")), headers=auth
    )
    problem(past, 422, "booking_slot_in_past")
    odd = client.post(
        "/api/v1/bookings", json=body(shop, owner.car.id, slot(2, "11:20")), headers=auth
    )
    problem(odd, 422, "booking_slot_unknown")
    not_offered = client.post(
        "/api/v1/bookings", json=body(shop, owner.car.id, at, service="inspection"), headers=auth
    )
    problem(not_offered, 422, "booking_service_not_offered")
    not_mine = client.post("/api/v1/bookings", json=body(shop, other.car.id, at), headers=auth)
    problem(not_mine, 404, "booking_vehicle_not_found")
    made = client.post("/api/v1/bookings", json=body(shop, owner.car.id, at), headers=auth)
    assert made.status_code == 201
    again = client.post("/api/v1/bookings", json=body(shop, owner.car.id, at), headers=auth)
    problem(again, 409, "booking_vehicle_already_booked")
    full = client.post(
        "/api/v1/bookings",
        json=body(shop, other.car.id, at, accept_price=True),
        headers=other_auth,
    )
    problem(full, 409, "booking_slot_full")
    priced = client.post(
        "/api/v1/bookings", json=body(shop, other.car.id, slot(2, "12:00")), headers=other_auth
    )
    doc = problem(priced, 409, "booking_price_not_accepted")
    assert (doc["price_fen"], doc["entitlement"]) == (3_500, "not_entitled")
    assert "35.00" in str(doc["detail"])
    theirs = client.post(
        f"/api/v1/bookings/{made.json()['id']}/cancel",
        json={"reason": "not mine"},
        headers=other_auth,
    )
    problem(theirs, 404, "booking_not_found")
    naive = client.post(
        "/api/v1/bookings", json=body(shop, owner.car.id, "2030-01-01T10:00:00"), headers=auth
    )
    problem(naive, 422, "validation_failed")
    english = client.post(
        "/api/v1/bookings",
        json=body(shop, owner.car.id, slot(-1, "11:00")),
        headers={**auth, "Accept-Language": "en"},
    )
    assert problem(english, 422, "booking_slot_in_past")["detail"] == (
        "That slot has already begun; pick a later one."
    )


def test_staff_book_on_the_phone_and_the_partner_works_its_day(
    client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    offer(session, shop, MAINTENANCE, price_fen=48_000, slot_min=120)
    insured = insured_with(session, "FUEL_CARE_2026", username="api.phone", starts_at=A_DAY_AGO)
    make_user(session, role=Role.customer_ops, username="api.ops")
    make_user(session, role=Role.partner_staff, organisation=shop.organisation, username="api.shop")
    ops, crew = sign_in(client, "api.ops"), sign_in(client, "api.shop")
    made = client.post(
        "/api/v1/bookings",
        json=body(shop, insured.car.id, slot(1, "08:00"), service="basic_maintenance"),
        headers=ops,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["channel"], made.json()["price_fen"]) == ("phone", 0)
    listed = client.get("/api/v1/bookings", params={"vehicle_id": str(insured.car.id)}, headers=ops)
    assert [b["id"] for b in listed.json()] == [made.json()["id"]]
    problem(client.get("/api/v1/bookings", headers=crew), 403, "forbidden")
    day = client.get(
        f"/api/v1/partner-locations/{shop.location.id}/bookings",
        params={"date": days_ahead(1).isoformat()},
        headers=crew,
    )
    assert [b["booking_no"] for b in day.json()] == [made.json()["booking_no"]]
    early = client.post(f"/api/v1/bookings/{made.json()['id']}/check-in", headers=crew)
    problem(early, 409, "booking_too_early")  # tomorrow 08:00 is more than an hour away
    owner = sign_in(client, insured.owner.username)
    problem(
        client.post(f"/api/v1/bookings/{made.json()['id']}/check-in", headers=owner),
        404,
        "booking_not_found",
    )


def test_the_partner_admin_defines_a_service_and_anyone_signed_in_reads_it(
    client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    make_user(session, role=Role.partner_admin, organisation=shop.organisation, username="api.boss")
    insured_with(session, None, username="api.reader")
    boss = sign_in(client, "api.boss")
    definition = {
        "duration_min": 45,
        "price_fen": 29_900,
        "capacity": 2,
        "hours": [
            {"weekday": d, "opens": "09:00", "closes": "17:00", "slot_minutes": 60}
            for d in range(5)
        ]
        + [{"weekday": 5, "opens": "10:00", "closes": "14:00", "slot_minutes": 60, "capacity": 4}],
    }
    put = client.put(
        f"/api/v1/partner-locations/{shop.location.id}/bookable-services/inspection",
        json=definition,
        headers=boss,
    )
    assert put.status_code == 200, put.text
    assert put.json()["hours"][-1] == {
        "weekday": 5, "opens": "10:00", "closes": "14:00", "slot_minutes": 60, "capacity": 4,
    }  # fmt: skip
    overlapping = {**definition, "hours": definition["hours"] + [definition["hours"][0]]}
    bad = client.put(
        f"/api/v1/partner-locations/{shop.location.id}/bookable-services/inspection",
        json=overlapping,
        headers=boss,
    )
    assert problem(bad, 422, "validation_failed")["errors"][0]["type"] == "booking.windows_overlap"
    reader = sign_in(client, "api.reader")
    read = client.get(
        f"/api/v1/partner-locations/{shop.location.id}/bookable-services", headers=reader
    )
    assert [(s["service"], s["price_fen"]) for s in read.json()] == [("inspection", 29_900)]
    refused = client.put(
        f"/api/v1/partner-locations/{shop.location.id}/bookable-services/car_wash",
        json=definition,
        headers=reader,
    )
    problem(refused, 404, "partner_not_found")  # an owner does not learn of the partner
