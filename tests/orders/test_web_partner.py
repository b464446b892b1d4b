"""The partner's job desk: an offer with its countdown accepted and stepped through to
completion from the page, a decline handing the job to the next unit, a late answer and a
missing reason refused with a clear message, another partner's offer and the other faces
refused. Both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.benefits.enums import ServiceType
from carecover.orders.enums import OfferOutcome, OrderStatus, UnitStatus
from carecover.orders.models import Offer, ServiceOrder
from carecover.orders.service import dispatching
from carecover.orders.service.orders import OrderRequest, pending_offer
from carecover.partners.enums import PartnerType
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.accounts import make_organisation, make_user
from tests.factories.partners import make_partner
from tests.orders.test_web_owner import lang, points
from tests.orders.world import CAR, World, build


@pytest.fixture
def world(session: Session) -> World:
    # Built three minutes ago: the package already runs for a two-minute-old request, and the
    # units' positions are still fresh (dispatch trusts five minutes).
    return build(session, utc_now() - timedelta(minutes=3))


def tow(session: Session, world: World, *, minutes_ago: float = 0) -> tuple[ServiceOrder, Offer]:
    order = dispatching.submit(
        session,
        world.owner_actor,
        OrderRequest(world.car.id, ServiceType.tow, CAR[0], CAR[1], note="路边，双闪"),
        now=utc_now() - timedelta(minutes=minutes_ago),
    )
    offer = pending_offer(session, order.id)
    assert offer is not None
    session.flush()
    return order, offer


def post(client: TestClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/partner/orders").text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_desk_shows_the_offer_and_the_job_goes_through_its_steps(
    client: TestClient, session: Session, world: World
) -> None:
    order, offer = tow(session, world)
    assert web_sign_in(client, world.partner_user.username).status_code == 303
    page = client.get("/partner/orders")
    assert page.status_code == 200
    assert "救援任务" in page.text
    row = re.search(rf'<tr data-offer="{offer.id}".*?</tr>', page.text, re.S)
    assert row is not None
    assert order.number in row.group(0)
    assert "路边，双闪" in row.group(0)
    left = re.search(r'data-countdown data-left-s="(\d+)"', row.group(0))
    assert left is not None
    assert 50 <= int(left.group(1)) <= 60  # a 60-second offer, just made
    assert world.units["lift"].call_sign in row.group(0)
    assert 'data-testid="accept"' in row.group(0)
    assert 'data-testid="decline"' in row.group(0)
    for unit in world.units.values():
        assert f'data-unit="{unit.call_sign}"' in page.text
    assert 'hx-get="/partner/orders/live" hx-trigger="every 10s"' in page.text
    marks = points(page.text, "desk-map")["markers"]
    assert isinstance(marks, list)
    assert sum(1 for m in marks if m["kind"] == "unit") == 4

    assert post(client, f"/partner/orders/offers/{offer.id}", decision="accept").status_code == 303
    session.expire_all()
    assert session.get(ServiceOrder, order.id).status is OrderStatus.accepted  # type: ignore[union-attr]
    desk = client.get("/partner/orders")
    job = re.search(rf'<tr data-job="{order.number}".*?</tr>', desk.text, re.S)
    assert job is not None
    assert 'data-testid="step-en_route"' in job.group(0)
    assert 'data-testid="step-on_site"' not in job.group(0)  # one step at a time
    assert 'data-testid="no-offers"' in desk.text
    for to in ("en_route", "on_site", "completed"):
        assert post(client, f"/partner/orders/{order.id}/step", to=to).status_code == 303
    session.expire_all()
    done = session.get(ServiceOrder, order.id)
    assert done is not None
    assert done.status is OrderStatus.completed
    assert (done.en_route_at, done.on_site_at, done.finished_at) != (None, None, None)
    assert done.rating_requested_at is not None
    assert session.get(type(world.units["lift"]), world.units["lift"].id).status is (  # type: ignore[union-attr]
        UnitStatus.available
    )
    after = client.get("/partner/orders")
    assert f'data-recent="{order.number}"' in after.text
    assert 'data-testid="no-jobs"' in after.text
    lang(client, "en", "/partner/orders")
    english = client.get("/partner/orders/live")
    assert "Recently finished" in english.text
    assert "Your units" in english.text
    assert 'id="desk-live"' in english.text


def test_a_decline_goes_to_the_next_unit_and_needs_a_reason(
    client: TestClient, session: Session, world: World
) -> None:
    order, offer = tow(session, world)
    web_sign_in(client, world.partner_user.username)
    blank = post(client, f"/partner/orders/offers/{offer.id}", decision="decline", reason="")
    assert blank.status_code == 422
    assert "请填写原因" in blank.text
    sent = post(client, f"/partner/orders/offers/{offer.id}", decision="decline", reason="too_far")
    assert sent.status_code == 303
    session.expire_all()
    first = session.get(Offer, offer.id)
    assert first is not None
    assert (first.outcome, first.reason) == (OfferOutcome.declined, "too_far")
    nxt = pending_offer(session, order.id)
    assert nxt is not None
    assert nxt.unit_id == world.units["flatbed"].id  # the next tow truck
    page = client.get("/partner/orders")
    assert f'data-offer="{nxt.id}"' in page.text


def test_a_late_answer_and_a_no_show_without_reason_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    order, offer = tow(session, world, minutes_ago=2)  # the offer ran out a minute ago
    web_sign_in(client, world.partner_user.username)
    page = client.get("/partner/orders")
    assert "已过期" in page.text
    late = post(client, f"/partner/orders/offers/{offer.id}", decision="accept")
    assert late.status_code == 409
    assert "该派单已关闭" in late.text
    session.expire_all()
    assert session.get(Offer, offer.id).outcome is OfferOutcome.expired  # type: ignore[union-attr]
    nxt = pending_offer(session, order.id)
    assert nxt is not None
    assert post(client, f"/partner/orders/offers/{nxt.id}", decision="accept").status_code == 303
    for to in ("en_route", "on_site"):
        post(client, f"/partner/orders/{order.id}/step", to=to)
    bare = post(client, f"/partner/orders/{order.id}/step", to="no_show")
    assert bare.status_code == 422
    assert "请填写原因" in bare.text
    skip = post(client, f"/partner/orders/{order.id}/step", to="en_route")
    assert skip.status_code == 409  # on site already
    lang(client, "en", "/partner/orders")
    told = post(
        client, f"/partner/orders/{order.id}/step", to="no_show", reason="nobody at the car"
    )
    assert told.status_code == 303
    session.expire_all()
    final = session.get(ServiceOrder, order.id)
    assert final is not None
    assert (final.status, final.final_reason) == (OrderStatus.no_show, "nobody at the car")


def test_another_partner_and_the_other_faces_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    order, offer = tow(session, world)
    org = make_organisation(session)
    make_partner(session, partner_type=PartnerType.rescue, organisation=org)
    rival = make_user(session, role=Role.partner_staff, organisation=org)
    web_sign_in(client, rival.username)
    page = client.get("/partner/orders")
    assert page.status_code == 200
    assert f'data-offer="{offer.id}"' not in page.text
    assert 'data-testid="no-offers"' in page.text
    taken = post(client, f"/partner/orders/offers/{offer.id}", decision="accept")
    assert taken.status_code == 403
    assert "该派单不是发给您的" in taken.text
    assert post(client, f"/partner/orders/{order.id}/step", to="en_route").status_code == 403
    session.expire_all()
    assert session.get(Offer, offer.id).outcome is OfferOutcome.pending  # type: ignore[union-attr]
    for user in (world.owner, world.dispatcher_user):
        client.cookies.clear()
        web_sign_in(client, user.username)
        for path in ("/partner/orders", "/partner/orders/live"):
            assert client.get(path).status_code == 403, (user.role, path)
        token = csrf_of(client.get("/").text)
        refused = client.post(
            f"/partner/orders/offers/{offer.id}", data={"csrf_token": token, "decision": "accept"}
        )
        assert refused.status_code == 403


def test_a_shop_takes_the_two_hour_fallback_job_from_its_desk(
    client: TestClient, session: Session, world: World
) -> None:
    for unit in world.units.values():
        unit.status = UnitStatus.offline  # no unit on duty: the nearest shop is asked (C2)
    org = make_organisation(session)
    make_partner(session, organisation=org, location=(31.205, 121.44))
    shop_user = make_user(session, role=Role.partner_admin, organisation=org)
    session.flush()
    order, offer = tow(session, world)
    assert offer.unit_id is None
    assert offer.location_id is not None
    web_sign_in(client, shop_user.username)
    page = client.get("/partner/orders")
    row = re.search(rf'<tr data-offer="{offer.id}".*?</tr>', page.text, re.S)
    assert row is not None
    assert 'data-testid="shop-job"' in row.group(0)
    assert "2 小时上门" in row.group(0)
    assert post(client, f"/partner/orders/offers/{offer.id}", decision="accept").status_code == 303
    for to in ("en_route", "on_site", "completed"):
        assert post(client, f"/partner/orders/{order.id}/step", to=to).status_code == 303
    session.expire_all()
    done = session.get(ServiceOrder, order.id)
    assert done is not None
    assert (done.status, done.beyond_circle) == (OrderStatus.completed, True)
    client.cookies.clear()
    web_sign_in(client, world.owner.username)
    track = client.get(f"/owner/orders/{order.id}")
    assert 'data-testid="fallback-shop"' in track.text
