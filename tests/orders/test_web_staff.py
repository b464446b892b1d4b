"""The dispatch board (open orders with SLA clocks, red beyond the 15-minute circle, manual
assignment of a suitable unit, cancelling) and the coverage planning page (city KPIs, cost per
city and service line, the H3 coverage map, the what-if), in both languages; other faces and
staff without the dispatch permission are refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderStatus
from carecover.orders.models import Offer, ServiceOrder
from carecover.orders.service import dispatching, steps
from carecover.orders.service.orders import OrderRequest, pending_offer
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.accounts import make_user
from tests.orders.test_web_owner import lang, points
from tests.orders.world import CAR, World, build


@pytest.fixture
def world(session: Session) -> World:
    return build(session, utc_now() - timedelta(minutes=3))


def order_of(
    session: Session, world: World, service: ServiceType = ServiceType.tow, minutes_ago: float = 0
) -> ServiceOrder:
    order = dispatching.submit(
        session,
        world.owner_actor,
        OrderRequest(world.car.id, service, CAR[0], CAR[1]),
        now=utc_now() - timedelta(minutes=minutes_ago),
    )
    session.flush()
    return order


def row_of(html: str, number: str) -> str:
    found = re.search(rf'<tr data-order="{number}".*?</tr>', html, re.S)
    assert found, f"no row for {number}"
    return found.group(0)


def marker(html: str, number: str) -> dict[str, Any]:
    marks = points(html, "board-map")["markers"]
    assert isinstance(marks, list)
    (found,) = [m for m in marks if m["kind"] == "order" and str(m["label"]).startswith(number)]
    return dict(found)


def test_the_board_shows_open_orders_with_their_clock_and_the_units(
    client: TestClient, session: Session, world: World
) -> None:
    fresh = order_of(session, world)
    late = order_of(session, world, ServiceType.jump_start, minutes_ago=2.5)
    late.requested_at = utc_now() - timedelta(minutes=20)  # waiting for 20 minutes
    session.flush()
    assert web_sign_in(client, world.dispatcher_user.username).status_code == 303
    page = client.get("/staff/dispatch")
    assert page.status_code == 200
    assert "调度台" in page.text
    ok_row, late_row = row_of(page.text, fresh.number), row_of(page.text, late.number)
    assert 'data-late="true"' not in ok_row
    assert 'data-late="true"' in late_row
    clock = re.search(r'data-elapsed-s="(\d+)"', late_row)
    assert clock is not None
    assert 1195 <= int(clock.group(1)) <= 1260
    assert "/ 15:00" in late_row
    assert marker(page.text, late.number)["colour"] == "#dc2626"  # red: beyond the circle
    assert marker(page.text, fresh.number)["colour"] == "#d97706"  # offered
    units = [m for m in points(page.text, "board-map")["markers"] if m["kind"] == "unit"]  # type: ignore[union-attr]
    assert len(units) == 4
    # The tow's truck holds its offer; the flatbed is the one free tow truck to send instead.
    assert f'value="{world.units["flatbed"].id}"' in ok_row
    assert f'value="{world.units["lift"].id}"' not in ok_row
    assert f'value="{world.units["van"].id}"' not in ok_row  # a van does not tow
    assert 'hx-get="/staff/dispatch/live" hx-trigger="every 10s"' in page.text
    assert re.search(r'data-testid="count-open">\s*<span class="stat-value">2<', page.text)
    live = client.get("/staff/dispatch/live", params={"city": "310000"})
    assert live.status_code == 200
    assert fresh.number in live.text
    assert "?city=310000" in live.text
    assert fresh.number not in client.get("/staff/dispatch", params={"city": "110000"}).text
    lang(client, "en", "/staff/dispatch")
    english = client.get("/staff/dispatch")
    assert "Dispatch board" in english.text
    assert "Beyond the 15-minute circle" in english.text


def test_the_dispatcher_assigns_a_unit_from_the_board(
    client: TestClient, session: Session, world: World
) -> None:
    order = order_of(session, world)
    first = pending_offer(session, order.id)
    assert first is not None
    web_sign_in(client, world.dispatcher_user.username)
    page = client.get("/staff/dispatch")
    token = csrf_of(page.text)
    url = f"/staff/dispatch/orders/{order.id}/assign"
    wrong = client.post(url, data={"csrf_token": token, "unit_id": str(world.units["van"].id)})
    assert wrong.status_code == 409
    assert "该车辆无法承接此任务" in wrong.text
    empty = client.post(url, data={"csrf_token": token, "unit_id": ""})
    assert empty.status_code == 422
    sent = client.post(
        url,
        data={"csrf_token": token, "unit_id": str(world.units["flatbed"].id), "city": "310000"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/staff/dispatch?city=310000"
    session.expire_all()
    assert session.get(Offer, first.id).outcome is OfferOutcome.withdrawn  # type: ignore[union-attr]
    now_offer = pending_offer(session, order.id)
    assert now_offer is not None
    assert now_offer.unit_id == world.units["flatbed"].id
    again = client.post(url, data={"csrf_token": token, "unit_id": str(world.units["flatbed"].id)})
    assert again.status_code == 409  # the flatbed is busy with it now
    assert "该车辆忙碌" in again.text
    steps.answer(session, world.partner_actor, now_offer.id, accept=True, now=utc_now())
    session.flush()
    accepted = row_of(client.get("/staff/dispatch").text, order.number)
    assert 'data-testid="assign-form"' not in accepted  # a unit has it
    assert world.units["flatbed"].call_sign in accepted


def test_the_dispatcher_cancels_with_a_reason(
    client: TestClient, session: Session, world: World
) -> None:
    order = order_of(session, world, ServiceType.tyre_change)
    web_sign_in(client, world.dispatcher_user.username)
    token = csrf_of(client.get("/staff/dispatch").text)
    url = f"/staff/dispatch/orders/{order.id}/cancel"
    assert client.post(url, data={"csrf_token": token, "reason": ""}).status_code == 422
    done = client.post(
        url, data={"csrf_token": token, "reason": "客户来电取消"}, follow_redirects=False
    )
    assert done.status_code == 303
    session.expire_all()
    cancelled = session.get(ServiceOrder, order.id)
    assert cancelled is not None
    assert (cancelled.status, cancelled.final_reason) == (OrderStatus.cancelled, "客户来电取消")
    assert order.number not in client.get("/staff/dispatch").text  # no longer open


def test_the_coverage_page_with_kpis_cost_map_and_what_if(
    client: TestClient, session: Session, world: World
) -> None:
    order = order_of(session, world)
    offer = pending_offer(session, order.id)
    assert offer is not None
    steps.answer(session, world.partner_actor, offer.id, accept=True, now=utc_now())
    for to in (OrderStatus.en_route, OrderStatus.on_site, OrderStatus.completed):
        steps.step(session, world.partner_actor, order.id, to, now=utc_now())
    session.flush()
    web_sign_in(client, world.dispatcher_user.username)
    page = client.get("/staff/dispatch/coverage")
    assert page.status_code == 200
    assert "覆盖规划" in page.text
    kpi = re.search(r'<tr data-city="310000".*?</tr>', page.text, re.S)
    assert kpi is not None
    assert 'data-testid="within-310000">100 % <span class="muted small">(1/1)' in kpi.group(0)
    assert 'data-line="310000-tow"' in page.text
    chart = re.search(r"data-testid=\"cost-chart\" data-echart='([^']+)'", page.text)
    assert chart is not None
    option = json.loads(chart.group(1))
    assert option["xAxis"]["data"] == ["上海市"]
    assert option["series"][0]["data"] == [(order.cost_fen + 50) // 100]
    assert 'data-testid="seeded"' in page.text  # one real order: seeded demand stands in
    before = points(page.text, "coverage-map")
    cells = before["cells"]
    assert isinstance(cells, dict)
    assert cells["features"]
    assert {f["properties"]["colour"] for f in cells["features"]} <= {"#16a34a", "#dc2626"}
    assert all(m["kind"] == "unit" for m in before["markers"])  # type: ignore[union-attr]
    assert 'data-testid="share-after"' not in page.text

    plan = client.get("/staff/dispatch/coverage", params={"city": "310000", "extra": "3"})
    assert plan.status_code == 200
    assert 'data-testid="share-after"' in plan.text
    share = re.findall(
        r'data-testid="share-(?:before|after)"><span class="stat-value">([\d.]+) %', plan.text
    )
    assert len(share) == 2
    assert float(share[1]) > float(share[0])  # four units near Xuhui leave most of the city out
    sites = [m for m in points(plan.text, "coverage-map")["markers"] if m["kind"] == "site"]  # type: ignore[union-attr]
    assert len(sites) == 3
    assert 'data-site="3"' in plan.text
    towing = client.get(
        "/staff/dispatch/coverage", params={"city": "310000", "service": "emergency_charging"}
    )
    units = [m for m in points(towing.text, "coverage-map")["markers"] if m["kind"] == "unit"]  # type: ignore[union-attr]
    assert len(units) == 1  # the charger van only
    lang(client, "en", "/staff/dispatch/coverage")
    english = client.get("/staff/dispatch/coverage", params={"extra": "99"})
    assert "Coverage planning" in english.text
    assert 'value="20"' in english.text  # K is capped


def test_other_faces_and_staff_without_dispatch_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    order = order_of(session, world)
    paths = ("/staff/dispatch", "/staff/dispatch/live", "/staff/dispatch/coverage")
    adjuster = make_user(session, role=Role.adjuster)
    for user in (world.owner, world.partner_user, adjuster):
        client.cookies.clear()
        web_sign_in(client, user.username)
        for path in paths:
            assert client.get(path).status_code == 403, (user.role, path)
        token = csrf_of(client.get("/").text)
        refused = client.post(
            f"/staff/dispatch/orders/{order.id}/cancel", data={"csrf_token": token, "reason": "x"}
        )
        assert refused.status_code == 403
    session.expire_all()
    assert session.get(ServiceOrder, order.id).status is OrderStatus.offered  # type: ignore[union-attr]
    client.cookies.clear()
    assert client.get("/staff/dispatch", follow_redirects=False).status_code == 303  # sign in
