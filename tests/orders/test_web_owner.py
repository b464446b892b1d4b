"""The owner's rescue pages: request in two taps (location from the car's telemetry or typed,
covered or priced), live tracking with the unit, ETA, driver and timeline, cancelling, the
list; someone else's order stays hidden and the other faces are refused. Both languages."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OrderStatus
from carecover.orders.models import ServiceOrder
from carecover.orders.service import steps
from carecover.orders.service.orders import pending_offer
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.telematics.models import VehicleState
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.accounts import make_user
from tests.factories.customers import make_customer, make_vehicle
from tests.orders.world import CAR, World, build

SEA = (30.0, 125.0)  # the East China Sea


@pytest.fixture
def world(session: Session) -> World:
    return build(session, utc_now())


def lang(client: TestClient, code: str, page: str) -> None:
    token = csrf_of(client.get(page).text)
    data = {"lang": code, "next": page, "csrf_token": token}
    assert client.post("/lang", data=data, follow_redirects=False).status_code == 303


def points(html: str, map_id: str) -> dict[str, object]:
    found = re.search(rf"id=\"{map_id}-points\" data-map-points='([^']*)'", html)
    assert found, f"no points for {map_id}"
    data: dict[str, object] = json.loads(found.group(1).replace("&#39;", "'"))
    return data


def ask(
    client: TestClient,
    world: World,
    service: str,
    *,
    vehicle: uuid.UUID | None = None,
    **extra: str,
):  # type: ignore[no-untyped-def]
    car = vehicle or world.car.id
    page = client.get("/owner/rescue", params={"vehicle": str(car)})
    data = {
        "csrf_token": csrf_of(page.text),
        "vehicle_id": str(car),
        "service": service,
        "lat": str(CAR[0]),
        "lng": str(CAR[1]),
    }
    data.update(extra)
    return client.post("/owner/rescue", data=data, follow_redirects=False)


def orders_of(session: Session, world: World) -> list[ServiceOrder]:
    session.expire_all()
    return list(
        session.scalars(select(ServiceOrder).where(ServiceOrder.customer_id == world.car.owner_id))
    )


def test_the_rescue_page_offers_the_services_with_cover_and_price(
    client: TestClient, session: Session, world: World
) -> None:
    session.add(
        VehicleState(
            vehicle_id=world.car.id,
            device_time=utc_now() - timedelta(minutes=3),
            lat=31.2001,
            lng=121.4402,
            signals={},
            rule_state={},
            updated_at=utc_now(),
        )
    )
    session.flush()
    assert web_sign_in(client, world.owner.username).status_code == 303
    page = client.get("/owner/rescue", params={"vehicle": str(world.car.id)})
    assert page.status_code == 200
    assert "一键救援" in page.text
    for service in ("tow", "jump_start", "tyre_change", "lockout"):
        assert f'data-testid="rescue-{service}"' in page.text
    assert 'data-testid="rescue-emergency_charging"' not in page.text  # a fuel car
    assert re.search(r'data-testid="rescue-tow" data-covered="true"', page.text)
    assert re.search(r'data-testid="rescue-lockout" data-covered="false"', page.text)
    assert "¥200.00" in page.text  # the lockout's market price: not in the fuel package
    assert 'data-testid="accept-price"' in page.text
    assert 'value="31.200100"' in page.text  # the car's last telematics position
    assert 'value="121.440200"' in page.text
    assert "取自车辆最近上报的位置" in page.text
    assert 'data-orders-map="picker"' in page.text

    ev = client.get("/owner/rescue", params={"vehicle": str(world.ev.id)})
    assert 'data-testid="rescue-emergency_charging" data-covered="true"' in ev.text
    assert "取自本设备的定位" in ev.text  # no telemetry: the browser's geolocation
    assert 'name="lat" inputmode="decimal" value=""' in ev.text
    lang(client, "en", "/owner/rescue")
    english = client.get("/owner/rescue", params={"vehicle": str(world.car.id)})
    assert "Request rescue" in english.text
    assert "Covered by your package" in english.text
    assert english.headers["content-language"] == "en"


def test_a_tow_in_two_taps_then_the_tracking_page(
    client: TestClient, session: Session, world: World
) -> None:
    web_sign_in(client, world.owner.username)
    sent = ask(client, world, "tow", note="B2 car park")
    assert sent.status_code == 303
    (order,) = orders_of(session, world)
    assert sent.headers["location"] == f"/owner/orders/{order.id}"
    assert (order.status, order.covered, order.note) == (OrderStatus.offered, True, "B2 car park")
    page = client.get(f"/owner/orders/{order.id}")
    assert page.status_code == 200
    assert order.number in page.text
    assert 'data-status="offered"' in page.text
    assert 'data-testid="finding"' in page.text  # offered to a unit, not yet accepted
    assert 'data-testid="driver"' not in page.text
    assert 'data-testid="eta"' in page.text
    assert 'data-kind="requested"' in page.text
    assert 'data-kind="offered"' in page.text
    assert f'hx-get="/owner/orders/{order.id}/live" hx-trigger="every 5s"' in page.text
    assert 'data-testid="cancel-form"' in page.text
    marks = points(page.text, "track-map")["markers"]
    assert isinstance(marks, list)
    assert [m["kind"] for m in marks] == ["car", "unit"]
    assert (marks[0]["lat"], marks[0]["lng"]) == CAR

    offer = pending_offer(session, order.id)
    assert offer is not None
    steps.answer(session, world.partner_actor, offer.id, accept=True, now=utc_now())
    session.flush()
    live = client.get(f"/owner/orders/{order.id}/live")
    assert live.status_code == 200
    assert 'id="track-live"' in live.text
    assert "张师傅" in live.text
    assert "138****5678" in live.text  # masked, never the whole number
    assert "13812345678" not in live.text
    eta = re.search(r'data-testid="eta">预计 (\d+) 分钟到达', live.text)
    assert eta is not None
    assert 1 <= int(eta.group(1)) <= 15  # the lift is 0.6 km away
    for to in (OrderStatus.en_route, OrderStatus.on_site, OrderStatus.completed):
        steps.step(session, world.partner_actor, order.id, to, now=utc_now())
    session.flush()
    done = client.get(f"/owner/orders/{order.id}/live")
    assert 'data-testid="rating-next"' in done.text
    assert "hx-trigger" not in done.text  # finished: the page stops polling
    assert 'data-testid="cancel-form"' not in done.text
    lang(client, "en", f"/owner/orders/{order.id}")
    english = client.get(f"/owner/orders/{order.id}")
    assert "We will ask you to rate the service" in english.text
    assert "Job completed" in english.text
    listing = client.get("/owner/orders")
    assert listing.status_code == 200
    assert f'data-order="{order.number}"' in listing.text
    assert "My service orders" in listing.text


def test_a_paid_service_needs_the_price_accepted(
    client: TestClient, session: Session, world: World
) -> None:
    web_sign_in(client, world.owner.username)
    refused = ask(client, world, "lockout")
    assert refused.status_code == 409
    assert "您的套餐不含此项服务，费用 ¥200.00" in refused.text
    assert 'data-testid="form-error"' in refused.text
    assert orders_of(session, world) == []
    accepted = ask(client, world, "lockout", accept_price="1")
    assert accepted.status_code == 303
    (order,) = orders_of(session, world)
    assert (order.service, order.covered, order.price_fen) == (ServiceType.lockout, False, 20_000)
    page = client.get(accepted.headers["location"])
    assert "¥200.00" in page.text


def test_a_second_tap_finds_the_first_order_and_bad_places_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    web_sign_in(client, world.owner.username)
    first = ask(client, world, "jump_start")
    again = ask(client, world, "jump_start")
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert len(orders_of(session, world)) == 1
    sea = ask(client, world, "tow", lat=str(SEA[0]), lng=str(SEA[1]))
    assert sea.status_code == 422
    assert "不在服务范围" in sea.text
    assert f'value="{SEA[0]}"' in sea.text  # what the owner typed is kept
    nowhere = ask(client, world, "tow", lat="north", lng="")
    assert nowhere.status_code == 422
    assert "请设置车辆位置" in nowhere.text
    wash = ask(client, world, "car_wash")
    assert wash.status_code == 422
    assert "请选择所示服务之一" in wash.text
    assert len(orders_of(session, world)) == 1
    page = client.get("/owner/rescue", params={"vehicle": str(world.car.id)})
    data = {"vehicle_id": str(world.car.id), "service": "tow", "lat": "31.2", "lng": "121.44"}
    assert client.post("/owner/rescue", data=data).status_code == 403  # no CSRF token
    assert csrf_of(page.text)


def test_cancelling_with_a_reason(client: TestClient, session: Session, world: World) -> None:
    web_sign_in(client, world.owner.username)
    url = ask(client, world, "tow").headers["location"]
    page = client.get(url)
    blank = client.post(f"{url}/cancel", data={"csrf_token": csrf_of(page.text), "reason": " "})
    assert blank.status_code == 422
    assert "请填写原因" in blank.text
    done = client.post(
        f"{url}/cancel",
        data={"csrf_token": csrf_of(page.text), "reason": "车已经能发动了"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    (order,) = orders_of(session, world)
    assert (order.status, order.final_reason) == (OrderStatus.cancelled, "车已经能发动了")
    after = client.get(url)
    assert 'data-status="cancelled"' in after.text
    assert 'data-testid="cancel-form"' not in after.text
    late = client.post(f"{url}/cancel", data={"csrf_token": csrf_of(after.text), "reason": "x"})
    assert late.status_code == 409  # already cancelled
    assert "工单状态已变化" in late.text


def test_someone_elses_order_is_not_found_and_other_faces_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    web_sign_in(client, world.owner.username)
    url = ask(client, world, "tow").headers["location"]
    client.cookies.clear()
    other = make_user(session, role=Role.owner)
    make_vehicle(session, owner=make_customer(session, user=other))
    web_sign_in(client, other.username)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/live").status_code == 404
    page = client.get("/owner/rescue")
    assert page.status_code == 200
    refused = client.post(f"{url}/cancel", data={"csrf_token": csrf_of(page.text), "reason": "x"})
    assert refused.status_code == 404
    # The other owner cannot order for the first owner's car either.
    data = {
        "csrf_token": csrf_of(page.text),
        "vehicle_id": str(world.car.id),
        "service": "jump_start",
        "lat": str(CAR[0]),
        "lng": str(CAR[1]),
    }
    assert client.post("/owner/rescue", data=data).status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ServiceOrder)) == 1
    assert client.get("/owner/orders").status_code == 200
    assert 'data-testid="no-orders"' in client.get("/owner/orders").text
    for user in (world.partner_user, world.dispatcher_user):
        client.cookies.clear()
        web_sign_in(client, user.username)
        for path in ("/owner/rescue", "/owner/orders", url, f"{url}/live"):
            assert client.get(path).status_code == 403, (user.role, path)


def test_a_premium_cars_owner_takes_the_replacement_car_from_the_tracking_page(
    client: TestClient, session: Session, world: World
) -> None:
    world.car.purchase_price_fen = 52_000_000
    session.flush()
    assert web_sign_in(client, world.owner.username).status_code == 303
    assert ask(client, world, "tow").status_code == 303
    tow = orders_of(session, world)[0]
    page = client.get(f"/owner/orders/{tow.id}")
    assert 'data-testid="replacement-form"' in page.text
    taken = client.post(
        f"/owner/orders/{tow.id}/replacement-car",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert taken.status_code == 303
    services = {o.service for o in orders_of(session, world)}
    assert services == {ServiceType.tow, ServiceType.replacement_car}
