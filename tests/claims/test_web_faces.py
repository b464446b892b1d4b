"""Claims pages over HTTP (no browser): the owner's assessment form and its errors, the adjuster
desk and claim page, the shop's repair pages, device location on the report form."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimStatus, DecisionKind, Settlement
from carecover.claims.models import Claim
from carecover.claims.service import desk, repair
from carecover.claims.web.owner import BEIJING
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.claims.flows import LARGE, report, reported_and_assessed
from tests.factories.accounts import make_user
from tests.factories.claims import Insured, make_insured, make_policy, photo_bytes
from tests.factories.parts import make_network


def test_the_owner_assesses_on_the_claim_page(client: TestClient, session: Session) -> None:
    insured = make_insured(session, username="web.assessor")
    claim = report(session, insured)
    assert web_sign_in(client, "web.assessor").status_code == 303
    page = client.get(f"/owner/claims/{claim.id}")
    assert 'data-testid="assess-form"' in page.text
    assert 'name="damage.front_bumper"' in page.text
    assert 'data-testid="detector-status"' in page.text
    assert "引导" in page.text  # no model installed: the page says the guided flow decides
    token = csrf_of(page.text)
    empty = client.post(f"/owner/claims/{claim.id}/assessment", data={"csrf_token": token})
    assert empty.status_code == 422
    assert 'data-testid="form-error"' in empty.text
    wrong = client.post(
        f"/owner/claims/{claim.id}/assessment",
        data={"csrf_token": token, "damage.hood": "tire_flat", "severity.hood": "light"},
    )
    assert wrong.status_code == 422
    done = client.post(
        f"/owner/claims/{claim.id}/assessment",
        data={
            "csrf_token": token,
            "damage.rear_bumper": "scratch",
            "severity.rear_bumper": "light",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    session.refresh(claim)
    assert claim.status is ClaimStatus.fast_tracked
    after = client.get(f"/owner/claims/{claim.id}")
    assert 'data-testid="fast-track"' in after.text
    assert after.text.count('data-testid="estimate-line"') >= 2
    assert 'data-testid="review-card"' in after.text
    live = client.get(f"/owner/claims/{claim.id}/timeline")
    assert 'data-testid="claim-live"' in live.text
    assert 'data-kind="fast_tracked"' in live.text


def test_someone_elses_claim_page_is_not_found(client: TestClient, session: Session) -> None:
    claim = report(session, make_insured(session))
    make_insured(session, username="web.stranger")
    assert web_sign_in(client, "web.stranger").status_code == 303
    assert client.get(f"/owner/claims/{claim.id}").status_code == 404


def test_the_report_form_takes_device_location_and_other_parties(
    client: TestClient, session: Session
) -> None:
    insured = make_insured(session, username="web.located")
    assert web_sign_in(client, "web.located").status_code == 303
    form = client.get("/owner/claims/new")
    assert 'data-testid="locate"' in form.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.text)
    assert key is not None
    fields = {
        "csrf_token": csrf_of(form.text),
        "idempotency_key": key.group(1),
        "vehicle_id": str(insured.car.id),
        "occurred_at": (datetime.now(BEIJING) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "追尾",
        "lat": "31.230416",
        "lng": "121.473701",
        "other_parties": "1",
        "police_report_no": "SH2026112500123",
    }
    files = [("photos", ("a.jpg", photo_bytes(31), "image/jpeg"))]
    done = client.post("/owner/claims", data=fields, files=files, follow_redirects=False)
    assert done.status_code == 303
    claim = session.query(Claim).filter(Claim.vehicle_id == insured.car.id).one()
    assert claim.lat == 31.230416
    assert claim.city_adcode == "310000"
    assert claim.other_parties == 1
    assert claim.police_report_no == "SH2026112500123"
    bad = client.post(
        "/owner/claims",
        data={**fields, "idempotency_key": "k-bad-lat-001", "lat": "95"},
        files=[("photos", ("a.jpg", photo_bytes(32), "image/jpeg"))],
    )
    assert bad.status_code == 422


def test_the_desk_and_its_claim_page(client: TestClient, session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), LARGE)
    make_user(session, role=Role.adjuster, username="web.adjuster")
    assert web_sign_in(client, "web.adjuster").status_code == 303
    page = client.get("/staff/claims")
    assert 'data-testid="desk-metrics"' in page.text
    assert f'data-claim="{claim.claim_no}"' in page.text
    assert 'data-testid="cycle-times"' in page.text
    filtered = client.get("/staff/claims?flag=photo_reused")
    assert f'data-claim="{claim.claim_no}"' not in filtered.text
    detail = client.get(f"/staff/claims/{claim.id}")
    assert 'data-testid="decision-form"' in detail.text
    token = csrf_of(detail.text)
    float_amount = client.post(
        f"/staff/claims/{claim.id}/decision",
        data={"csrf_token": token, "decision": "partial", "amount": "12.345"},
    )
    assert float_amount.status_code == 422
    session.refresh(claim)
    assert claim.status is ClaimStatus.adjuster_review
    ok = client.post(
        f"/staff/claims/{claim.id}/decision",
        data={
            "csrf_token": token,
            "decision": "partial",
            "amount": "3000.50",
            "settlement": "cash",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    session.refresh(claim)
    assert claim.status is ClaimStatus.partially_approved
    assert claim.approved_fen == 300_050


def test_an_owner_or_shop_cannot_open_the_desk(client: TestClient, session: Session) -> None:
    make_insured(session, username="web.nodesk")
    assert web_sign_in(client, "web.nodesk").status_code == 303
    assert client.get("/staff/claims").status_code == 403


def test_the_shop_works_its_repair_order(client: TestClient, session: Session) -> None:
    net = make_network(session, tag="webshop")
    claim = reported_and_assessed(
        session, Insured(net.owner, net.car, make_policy(session, net.car)), LARGE
    )
    adjuster = make_user(session, role=Role.adjuster)
    desk.decide(
        session,
        Actor(adjuster.id, Role.adjuster, None, None, None),
        claim,
        desk.Decision(DecisionKind.approve, settlement=Settlement.repair),
    )
    order = repair.choose_shop(session, net.actor(net.owner), claim, net.shop_site.id)
    assert web_sign_in(client, "webshop.shop").status_code == 303
    listing = client.get("/partner/repairs")
    assert order.order_no in listing.text
    page = client.get(f"/partner/repairs/{order.id}")
    assert 'data-testid="respond-form"' in page.text
    token = csrf_of(page.text)
    client.post(
        f"/partner/repairs/{order.id}/respond", data={"csrf_token": token, "answer": "accept"}
    )
    page = client.get(f"/partner/repairs/{order.id}")
    assert 'data-testid="milestone-form"' in page.text
    bad = client.post(
        f"/partner/repairs/{order.id}/milestone",
        data={"csrf_token": token, "kind": "parts_replaced", "parts": "only-one-field"},
    )
    assert bad.status_code == 422
    done = client.post(
        f"/partner/repairs/{order.id}/milestone",
        data={"csrf_token": token, "kind": "received", "note": "已接车"},
        files={"photo": ("car.jpg", photo_bytes(61), "image/jpeg")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert [m.kind.value for m in repair.milestones(session, order)] == ["received"]
    other = make_network(session, tag="webother")
    client.post("/logout", data={"csrf_token": token})
    assert web_sign_in(client, "webother.shop").status_code == 303
    assert client.get(f"/partner/repairs/{order.id}").status_code == 404
    _ = other
