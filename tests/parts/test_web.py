"""Parts pages: scan-to-verify without sign-in, the partner desk and labels, the staff lookup,
the owner's car page; and the evidence log pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.evidence import service as evidence
from carecover.evidence.service import log
from carecover.parts import service
from carecover.platform.auth.roles import Role
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.accounts import make_user
from tests.factories.parts import GTIN, commission, deliver_to_shop, make_network


def test_scanning_a_label_shows_the_proven_history_without_sign_in(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    log.integrate(session, evidence.get_signer())
    page = client.get(f"/01/{part.gtin}/21/{part.serial}", params={"s": part.tag})
    assert page.status_code == 200
    assert 'data-level="genuine"' in page.text
    assert page.text.count('data-testid="timeline-step"') == 3
    assert page.text.count("✓") == 3  # every step proven against the signed checkpoint
    assert 'data-testid="sign-in-to-check"' in page.text
    bundle = client.get(f"/api/v1/evidence/bundles/part/{part.id}")
    assert bundle.status_code == 200
    assert len(bundle.json()["entries"]) == 3


def test_a_copied_code_with_a_wrong_tag_is_unknown(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    page = client.get(f"/01/{part.gtin}/21/{part.serial}", params={"s": "AAAAAAAAAAAAA"})
    assert page.status_code == 404
    assert 'data-level="unknown"' in page.text
    assert 'data-testid="part-facts"' not in page.text
    junk = client.get("/01/123/21/%00", params={"s": "x"})
    assert junk.status_code == 404
    assert 'data-level="unknown"' in junk.text


def test_the_owner_sees_the_part_is_in_their_car(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    service.install(session, net.actor(net.shop), part.id, net.car.id)
    assert web_sign_in(client, net.owner.username).status_code == 303
    page = client.get(f"/01/{part.gtin}/21/{part.serial}", params={"s": part.tag})
    assert 'data-testid="yours"' in page.text
    assert "alert ok" in page.text
    cars = client.get("/owner/cars")
    assert f"/01/{GTIN}/21/{part.serial}?s={part.tag}" in cars.text


def test_a_supplier_commissions_and_prints_labels_then_ships(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    assert web_sign_in(client, net.supplier.username).status_code == 303
    desk = client.get("/partner/parts")
    assert 'data-testid="commission-form"' in desk.text
    made = client.post(
        "/partner/parts/commission",
        data={
            "csrf_token": csrf_of(desk.text),
            "gtin": GTIN,
            "name": "刹车片 Brake pads",
            "quantity": "4",
            "location_id": str(net.supplier_site.id),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    sheet = client.get(made.headers["location"])
    assert sheet.text.count('data-testid="part-label"') == 4
    assert sheet.text.count('class="part-qr"') == 4
    desk = client.get("/partner/parts")
    part_id = re.findall(r'action="/partner/parts/([0-9a-f-]{36})/ship"', desk.text)[0]
    shipped = client.post(
        f"/partner/parts/{part_id}/ship",
        data={"csrf_token": csrf_of(desk.text), "to_location_id": str(net.shop_site.id)},
    )
    assert shipped.status_code == 200
    assert 'data-testid="form-ok"' in shipped.text
    bad = client.post(
        "/partner/parts/commission",
        data={
            "csrf_token": csrf_of(desk.text),
            "gtin": "09521234543214",
            "name": "x",
            "quantity": "1",
            "location_id": str(net.supplier_site.id),
        },
    )
    assert bad.status_code == 422
    assert 'data-testid="form-error"' in bad.text


def test_staff_find_a_part_by_its_digital_link(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    make_user(session, role=Role.adjuster, username="adj.parts")
    assert web_sign_in(client, "adj.parts").status_code == 303
    found = client.get("/staff/parts", params={"q": service.link_for(part)})
    assert 'data-testid="staff-part"' in found.text
    by_serial = client.get("/staff/parts", params={"q": f"{part.gtin} {part.serial}"})
    assert 'data-testid="staff-part"' in by_serial.text
    bad = client.get("/staff/parts", params={"q": "https://evil.example/01/x"})
    assert 'data-testid="lookup-error"' in bad.text


def test_evidence_pages(client: TestClient, session: Session) -> None:
    net = make_network(session)
    commission(session, net, quantity=2)
    log.integrate(session, evidence.get_signer())
    public = client.get("/evidence", params={"index": 1})
    assert public.status_code == 200
    assert 'data-testid="entry-verdict"' in public.text
    assert "alert ok" in public.text
    assert client.get("/evidence", params={"index": 99}).status_code == 200
    make_user(session, role=Role.admin, username="admin.evidence")
    assert web_sign_in(client, "admin.evidence").status_code == 303
    console = client.get("/staff/evidence")
    assert 'data-testid="recent-entries"' in console.text
    ran = client.post("/staff/evidence/audit", headers={"X-CSRF-Token": csrf_of(console.text)})
    assert ran.status_code == 200
    assert 'data-testid="audit-verdict"' in ran.text
    assert "alert ok" in ran.text


def test_a_shop_installs_a_part_into_a_car_named_by_its_vin(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    assert web_sign_in(client, net.shop.username).status_code == 303
    desk = client.get("/partner/parts")
    done = client.post(
        f"/partner/parts/{part.id}/install",
        data={"csrf_token": csrf_of(desk.text), "vehicle": net.car.vin.lower()},
    )
    assert 'data-testid="form-ok"' in done.text
    assert service.parts_in_vehicle(session, net.car.id) == [part]
    unknown = client.post(
        f"/partner/parts/{part.id}/install",
        data={"csrf_token": csrf_of(desk.text), "vehicle": "LSVNOSUCHCAR00000"},
    )
    assert unknown.status_code == 422
