"""The booking faces over HTTP: the owner picks a service, a nearby location's slot, confirms
(covered, or accepting the price), sees the booking and cancels it with HTMX; the partner checks
the car in and completes the work from its day page."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.bookings import service
from carecover.bookings.enums import BookingStatus
from carecover.bookings.handlers import offer_maintenance_slots
from carecover.bookings.models import Booking
from carecover.bookings.service import slots
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.telematics.service import care
from carecover.telematics.service.care import CareKind, CareRequested
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.bookings.helpers import MAINTENANCE, WASH, insured_with, make_shop, offer
from tests.factories.accounts import make_user
from tests.factories.partners import XUHUI

A_DAY_AGO = utc_now() - timedelta(days=1)
HTMX = {"HX-Request": "true"}


def hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def test_the_owner_books_a_covered_wash_and_cancels_it(
    client: TestClient, session: Session
) -> None:
    shop = make_shop(session, point=XUHUI)
    offer(session, shop, WASH, price_fen=3_500, opens="00:00", closes="24:00")
    insured = insured_with(session, "FUEL_CARE_2026", username="web.booker", starts_at=A_DAY_AGO)
    assert web_sign_in(client, "web.booker").status_code == 303
    start = client.get("/owner/bookings/new")
    assert start.status_code == 200
    assert 'data-testid="service-car_wash"' in start.text
    assert "预约洗车或保养" in start.text
    found = client.get(
        "/owner/bookings/new",
        params={
            "service": "car_wash",
            "vehicle_id": str(insured.car.id),
            "lat": XUHUI[0],
            "lng": XUHUI[1],
        },
    )
    assert f'data-location-id="{shop.location.id}"' in found.text
    assert 'data-covered="yes"' in found.text
    assert 'data-source="device"' in found.text
    links = re.findall(r'href="(/owner/bookings/confirm\?[^"]+)" data-testid="slot"', found.text)
    assert len(links) == 4
    confirm = client.get(links[1].replace("&amp;", "&"))
    assert confirm.status_code == 200
    assert 'data-covered="yes"' in confirm.text
    assert 'data-testid="accept-price"' not in confirm.text
    made = client.post("/owner/bookings", data=hidden(confirm.text), follow_redirects=False)
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert 'data-testid="booked"' in page.text
    booking = session.scalars(select(Booking).where(Booking.vehicle_id == insured.car.id)).one()
    assert (booking.price_fen, booking.covered) == (0, True)
    mine = client.get("/owner/bookings")
    assert f'data-booking-no="{booking.booking_no}"' in mine.text
    assert 'data-testid="cancel-booking"' in mine.text
    cancelled = client.post(
        f"/owner/bookings/{booking.id}/cancel",
        data={"csrf_token": csrf_of(mine.text), "reason": "plans_changed"},
        headers=HTMX,
    )
    assert cancelled.status_code == 200
    assert 'data-status="cancelled"' in cancelled.text
    assert "<html" not in cancelled.text  # a fragment for HTMX to swap
    again = client.post(
        f"/owner/bookings/{booking.id}/cancel",
        data={"csrf_token": csrf_of(mine.text), "reason": "other"},
        headers=HTMX,
    )
    assert 'data-testid="booking-error"' in again.text
    assert "已取消" in again.text
    switch = {"lang": "en", "next": "/owner", "csrf_token": csrf_of(mine.text)}
    assert client.post("/lang", data=switch, follow_redirects=False).status_code == 303
    english = client.get(f"/owner/bookings/{booking.id}")
    assert english.headers["content-language"] == "en"
    assert "Cancelled late: the entitlement stays used." in english.text  # the slot is < 2 h away


def test_without_a_package_the_price_must_be_accepted(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    offer(session, shop, MAINTENANCE, price_fen=48_000, opens="00:00", closes="24:00")
    insured = insured_with(session, None, username="web.payer")
    web_sign_in(client, "web.payer")
    found = client.get(
        "/owner/bookings/new",
        params={
            "service": "basic_maintenance",
            "vehicle_id": str(insured.car.id),
            "lat": XUHUI[0],
            "lng": XUHUI[1],
        },
    )
    assert 'data-covered="no"' in found.text
    assert "¥480.00" in found.text
    link = re.findall(r'href="(/owner/bookings/confirm\?[^"]+)" data-testid="slot"', found.text)[0]
    confirm = client.get(link.replace("&amp;", "&"))
    assert 'data-testid="accept-price"' in confirm.text
    refused = client.post("/owner/bookings", data=hidden(confirm.text))
    assert refused.status_code == 409
    assert "¥480.00" in refused.text
    assert 'data-testid="form-error"' in refused.text
    accepted = client.post(
        "/owner/bookings",
        data={**hidden(confirm.text), "accept_price": "yes"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    booking = session.scalars(select(Booking).where(Booking.vehicle_id == insured.car.id)).one()
    assert (booking.price_fen, booking.covered) == (48_000, False)


def test_the_partner_checks_the_car_in_and_completes_the_work(
    client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    svc = offer(session, shop, WASH, opens="00:00", closes="24:00", slot_min=30)
    insured = insured_with(session, "FUEL_CARE_2026", starts_at=A_DAY_AGO)
    first = slots.open_slots(session, [svc], now=utc_now(), days=2, per_service=1)[svc.id][0]
    made = service.book(
        session, insured.actor, vehicle_id=insured.car.id, location_id=shop.location.id,
        service=WASH, starts_at=first.starts_at,
    )  # fmt: skip
    make_user(session, role=Role.partner_staff, organisation=shop.organisation, username="web.crew")
    web_sign_in(client, "web.crew")
    day = client.get(
        "/partner/bookings", params={"date": slots.local_day(first.starts_at).isoformat()}
    )
    assert day.status_code == 200
    assert f'data-booking-no="{made.booking_no}"' in day.text
    assert 'data-testid="check-in"' in day.text  # within the hour before the slot
    assert 'data-testid="no-show"' not in day.text
    token = csrf_of(day.text)
    checked = client.post(
        f"/partner/bookings/{made.id}/check-in", data={"csrf_token": token}, headers=HTMX
    )
    assert 'data-status="checked_in"' in checked.text
    assert checked.text.lstrip().startswith("<tr")
    done = client.post(
        f"/partner/bookings/{made.id}/complete", data={"csrf_token": token}, headers=HTMX
    )
    assert 'data-status="completed"' in done.text
    session.refresh(made)
    assert made.status is BookingStatus.completed
    assert made.completed_at is not None
    again = client.post(
        f"/partner/bookings/{made.id}/complete", data={"csrf_token": token}, follow_redirects=False
    )
    assert again.status_code == 303
    assert "error=booking_status_refused" in again.headers["location"]
    rival = make_shop(session)
    make_user(
        session, role=Role.partner_staff, organisation=rival.organisation, username="web.rival"
    )
    web_sign_in(client, "web.rival")
    assert f'data-booking-no="{made.booking_no}"' not in client.get("/partner/bookings").text
    stolen = client.post(
        f"/partner/bookings/{made.id}/no-show",
        data={"csrf_token": csrf_of(client.get("/partner/bookings").text)},
    )
    assert stolen.status_code == 404


def test_the_owner_confirms_a_slot_offered_for_a_maintenance_reminder(
    client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    offer(session, shop, MAINTENANCE, opens="00:00", closes="24:00", slot_min=120)
    insured = insured_with(session, "FUEL_CARE_2026", username="web.reminded", starts_at=A_DAY_AGO)
    request, _ = care.request(
        session, insured.actor, insured.car.id, CareKind.maintenance,
        reminder_key="oil:2026-12", location_id=shop.location.id,
    )  # fmt: skip
    offer_maintenance_slots(
        session, CareRequested(request_id=request.id, vehicle_id=insured.car.id, kind="maintenance")
    )
    web_sign_in(client, "web.reminded")
    mine = client.get("/owner/bookings")
    link = re.search(r'href="(/owner/bookings/offers/[^"]+)" data-testid="offer-link"', mine.text)
    assert link is not None
    page = client.get(link.group(1))
    slots_offered = re.findall(r'href="([^"]+)" data-testid="offered-slot"', page.text)
    assert len(slots_offered) == 3
    confirm = client.get(slots_offered[0].replace("&amp;", "&"))
    assert 'name="offer_id"' in confirm.text
    made = client.post("/owner/bookings", data=hidden(confirm.text), follow_redirects=False)
    assert made.status_code == 303
    booking = session.scalars(select(Booking).where(Booking.vehicle_id == insured.car.id)).one()
    assert (booking.channel.value, booking.care_request_id) == ("reminder", request.id)
    assert 'data-testid="offers"' not in client.get("/owner/bookings").text  # taken up
