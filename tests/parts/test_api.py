"""The parts API end to end: commissioning, custody steps, scan-to-verify, the history and the
evidence bundle; refusals name their rule and record nothing (ledger-security §6, 15–32)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.evidence import service as evidence
from carecover.evidence.models import LedgerPending
from carecover.parts import service
from carecover.parts.models import PartEvent
from carecover.platform.auth.roles import Role
from carecover.verifier.bundle import verify_bundle
from tests.accounts.test_api import PROBLEM, sign_in
from tests.factories.accounts import make_user
from tests.factories.parts import GTIN, Network, commission, deliver_to_shop, make_network

HOST = "https://id.carecover.example"


def recorded(session: Session) -> tuple[int, int]:
    """(part events, evidence envelopes waiting for the log): both unchanged by a refusal."""
    events = session.scalar(select(func.count()).select_from(PartEvent))
    pending = session.scalar(select(func.count()).select_from(LedgerPending))
    return int(events or 0), int(pending or 0)


def problem(response: Any, status: int, code: str, rule: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    if rule is not None:
        assert body["rule"] == rule
    return body


def integrate(session: Session) -> None:
    evidence.log.integrate(session, evidence.get_signer())


def batch(net: Network, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "gtin": GTIN,
        "name": "前保险杠 Front bumper",
        "quantity": 3,
        "location_id": str(net.supplier_site.id),
        "part_number": "BMP-001",
        "lot": "L2611",
    }
    return body | changes


# --- commissioning -------------------------------------------------------------------------------


def test_a_supplier_commissions_tagged_serials(client: TestClient, session: Session) -> None:
    net = make_network(session)
    before = recorded(session)
    response = client.post(
        "/api/v1/parts", json=batch(net), headers=sign_in(client, net.supplier.username)
    )
    assert response.status_code == 201, response.text
    parts = response.json()
    assert len(parts) == 3
    assert len({p["serial"] for p in parts}) == 3
    for part in parts:
        assert part["state"] == "commissioned"
        assert part["epc"] == f"https://id.gs1.org/01/{GTIN}/21/{part['serial']}"
        assert part["digital_link"].startswith(f"{HOST}/01/{GTIN}/21/{part['serial']}?s=")
    assert recorded(session) == (before[0] + 3, before[1] + 3)


@pytest.mark.parametrize(
    ("changes", "code", "rule"),
    [
        ({"gtin": "09521234543214"}, "part_input_invalid", "gtin.check_digit"),
        ({"quantity": 0}, "validation_failed", None),
        ({"quantity": 501}, "validation_failed", None),
        ({"price": 12}, "validation_failed", None),
        ({"gtin": "１２３４５６７８"}, "part_input_invalid", "gtin.not_digits"),
    ],
)
def test_bad_commissions_are_refused_and_record_nothing(
    client: TestClient, session: Session, changes: dict[str, object], code: str, rule: str | None
) -> None:
    net = make_network(session)
    before = recorded(session)
    response = client.post(
        "/api/v1/parts", json=batch(net, **changes), headers=sign_in(client, net.supplier.username)
    )
    problem(response, 422, code, rule)
    assert recorded(session) == before


def test_only_suppliers_commission(client: TestClient, session: Session) -> None:
    net = make_network(session)
    before = recorded(session)
    shop = sign_in(client, net.shop.username)
    response = client.post(
        "/api/v1/parts", json=batch(net, location_id=str(net.shop_site.id)), headers=shop
    )
    problem(response, 403, "part_supplier_required")
    make_user(session, username="parts.owner", role=Role.owner)
    owner = client.post("/api/v1/parts", json=batch(net), headers=sign_in(client, "parts.owner"))
    problem(owner, 403, "forbidden")
    problem(client.post("/api/v1/parts", json=batch(net)), 401, "unauthenticated")
    assert recorded(session) == before


# --- custody steps -------------------------------------------------------------------------------


def step(
    client: TestClient, headers: dict[str, str], part_id: object, name: str, **body: object
) -> Any:
    payload = {k: str(v) for k, v in body.items()}
    return client.post(f"/api/v1/parts/{part_id}/{name}", json=payload, headers=headers)


def test_a_whole_life_over_the_api(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    supplier = sign_in(client, net.supplier.username)
    shop = sign_in(client, net.shop.username)
    calls: list[tuple[dict[str, str], str, str, dict[str, object]]] = [
        (supplier, "ship", "shipping", {"to_location_id": net.shop_site.id}),
        (shop, "receive", "receiving", {"location_id": net.shop_site.id}),
        (shop, "install", "installing", {"vehicle_id": net.car.id, "repair_order": "RO-26-1"}),
        (shop, "remove", "removing", {"location_id": net.shop_site.id}),
        (shop, "destroy", "destroying", {"location_id": net.shop_site.id}),
    ]
    for headers, name, biz_step, body in calls:
        response = step(client, headers, part.id, name, **body)
        assert response.status_code == 201, response.text
        event = response.json()
        assert event["biz_step"] == biz_step
        assert event["event_hash"].startswith("ni:///sha-256;")
        assert event["proven"] is False  # not on the log yet
    history = client.get(f"/api/v1/parts/{part.id}", headers=shop).json()
    assert history["part"]["state"] == "destroyed"
    assert [e["biz_step"] for e in history["events"]] == [
        "commissioning",
        "shipping",
        "receiving",
        "installing",
        "removing",
        "destroying",
    ]
    assert net.car.vin not in str(history)  # the vehicle is an opaque key, never the VIN


def test_a_shop_cannot_record_a_step_for_a_part_it_does_not_hold(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    before = recorded(session)
    other = sign_in(client, net.other_shop.username)
    shipped = step(client, other, part.id, "ship", to_location_id=net.shop_site.id)
    problem(shipped, 403, "part_not_held")
    installed = step(client, other, part.id, "install", vehicle_id=net.car.id)
    problem(installed, 403, "part_not_held")
    destroyed = step(client, other, part.id, "destroy", location_id=net.other_site.id)
    problem(destroyed, 403, "part_not_held")
    assert recorded(session) == before


def test_receiving_where_it_was_not_shipped_is_a_custody_violation(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    service.ship(session, net.actor(net.supplier), part.id, net.shop_site.id)
    before = recorded(session)
    other = sign_in(client, net.other_shop.username)
    response = step(client, other, part.id, "receive", location_id=net.other_site.id)
    body = problem(response, 409, "custody_violation", "custody.received_at_wrong_location")
    assert body["part"] == f"{GTIN}/{part.serial}"
    assert recorded(session) == before


def test_nothing_happens_to_a_destroyed_part(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    service.destroy(session, net.actor(net.shop), part.id, net.shop_site.id)
    before = recorded(session)
    shop = sign_in(client, net.shop.username)
    # Destroyed parts have no holder, so the holder check refuses first.
    shipped = step(client, shop, part.id, "ship", to_location_id=net.other_site.id)
    problem(shipped, 403, "part_not_held")
    received = step(client, shop, part.id, "receive", location_id=net.shop_site.id)
    problem(received, 409, "custody_violation", "custody.after_destruction")
    assert recorded(session) == before


def test_unknown_parts_and_sites(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    supplier = sign_in(client, net.supplier.username)
    missing = step(client, supplier, uuid.uuid4(), "ship", to_location_id=net.shop_site.id)
    problem(missing, 404, "part_not_found")
    nowhere = step(client, supplier, part.id, "ship", to_location_id=uuid.uuid4())
    problem(nowhere, 422, "part_input_invalid", "site.unknown")
    extra = client.post(
        f"/api/v1/parts/{part.id}/ship",
        json={"to_location_id": str(net.shop_site.id), "holder_org_id": str(uuid.uuid4())},
        headers=supplier,
    )
    problem(extra, 422, "validation_failed")


# --- scan-to-verify ------------------------------------------------------------------------------


def test_scanning_a_genuine_part_shows_its_proven_history(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    integrate(session)
    response = client.post("/api/v1/parts/scans", json={"uri": service.link_for(part)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["level"] == "genuine"
    assert body["part"]["serial"] == part.serial
    assert body["checkpoint_size"] == 3
    assert [e["biz_step"] for e in body["events"]] == ["commissioning", "shipping", "receiving"]
    assert [e["proven"] for e in body["events"]] == [True] * 3
    assert body["installed_in_your_car"] is None


SERIAL = "7Q3M9K2X4B8N6R1T"


@pytest.mark.parametrize(
    ("uri", "rule"),
    [
        (f"https://id.carecover.example.evil.example/01/{GTIN}/21/{SERIAL}", "link.host"),
        (f"https://id-carecover.example/01/{GTIN}/21/{SERIAL}", "link.host"),
        (f"http://id.carecover.example/01/{GTIN}/21/{SERIAL}", "link.insecure_scheme"),
        (f"https://id.carecover.example@evil.example/01/{GTIN}/21/{SERIAL}", "link.userinfo"),
        ("javascript:alert(1)", "link.scheme"),
        ("data:text/html,<script>alert(1)</script>", "link.scheme"),
        (f"https://id.carecover.example./01/{GTIN}/21/{SERIAL}", "link.host_trailing_dot"),
        (f"https://id.carecover.example/01/{GTIN}/21/A/21/B", "link.duplicate_ai"),
        (f"https://id.carecover.example/01/{GTIN}/21/A/10/B", "link.qualifier_order"),
        (f"https://id.carecover.example/01/{GTIN}/21/A?21=B", "link.query_repeats_path_ai"),
        ("https://id.carecover.example/01/09521234543214/21/A", "gtin.check_digit"),
        (f"https://id.carecover.example/01/{GTIN}/21/{'A' * 21}", "serial.too_long"),
        (f"https://id.carecover.example/01/{GTIN}/21/%E4%B8%AD", "serial.charset"),
        (f"https://id.carecover.example/01/{GTIN}/21/" + "中" * 1000, "link.too_long"),
        (f"https://id.carecover.example/01/{GTIN}/21/A%00B", "serial.charset"),
    ],
)
def test_bad_links_are_refused_by_rule(
    client: TestClient, session: Session, uri: str, rule: str
) -> None:
    response = client.post("/api/v1/parts/scans", json={"uri": uri})
    body = problem(response, 422, "part_input_invalid", rule)
    assert body["field"] == "uri"
    assert body["rule"].startswith(("link.", "gtin.", "serial."))


def test_a_3_kb_string_is_refused_before_parsing(client: TestClient) -> None:
    response = client.post(
        "/api/v1/parts/scans", json={"uri": f"{HOST}/01/{GTIN}/21/" + "A" * 3000}
    )
    problem(response, 422, "validation_failed")


def test_a_wrong_tag_and_an_unknown_serial_look_the_same(
    client: TestClient, session: Session
) -> None:
    net = make_network(session)
    [part, other] = commission(session, net, quantity=2)
    copied = client.post(
        "/api/v1/parts/scans", json={"uri": f"{HOST}/01/{GTIN}/21/{part.serial}?s={other.tag}"}
    )
    unknown = client.post(
        "/api/v1/parts/scans", json={"uri": f"{HOST}/01/{GTIN}/21/{SERIAL}?s={part.tag}"}
    )
    assert copied.status_code == 200
    assert copied.json()["level"] == "unknown"
    assert copied.json()["part"] is None
    assert copied.json()["events"] == []
    assert copied.json() == unknown.json()  # no oracle for guessing serials


def test_scans_are_rate_limited_per_client(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    link = {"uri": f"{HOST}/01/{GTIN}/21/{part.serial}?s=AAAAAAAAAAAAA"}
    for _ in range(service.scans.SCANS_PER_MINUTE):
        assert client.post("/api/v1/parts/scans", json=link).status_code == 200
    response = client.post("/api/v1/parts/scans", json=link)
    problem(response, 429, "too_many_attempts")
    assert response.headers["retry-after"] == "60"
    elsewhere = client.post("/api/v1/parts/scans", json=link, headers={"User-Agent": "other"})
    assert elsewhere.status_code == 200


# --- history and evidence ------------------------------------------------------------------------


def test_the_history_shows_each_event_on_the_log(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    shop = sign_in(client, net.shop.username)
    pending = client.get(f"/api/v1/parts/{part.id}", headers=shop).json()
    assert [e["leaf_index"] for e in pending["events"]] == [None] * 3
    integrate(session)
    response = client.get(f"/api/v1/parts/{part.id}", headers=shop)
    assert response.status_code == 200
    body = response.json()
    assert body["part"]["id"] == str(part.id)
    assert body["checkpoint_size"] == 3
    indices = [e["leaf_index"] for e in body["events"]]
    assert sorted(indices) == [0, 1, 2]
    assert all(e["proven"] for e in body["events"])
    assert body["events"][0]["event"]["bizStep"] == "commissioning"
    make_user(session, username="history.owner", role=Role.owner)
    owner = client.get(f"/api/v1/parts/{part.id}", headers=sign_in(client, "history.owner"))
    problem(owner, 403, "forbidden")
    problem(client.get(f"/api/v1/parts/{part.id}"), 401, "unauthenticated")
    problem(client.get(f"/api/v1/parts/{uuid.uuid4()}", headers=shop), 404, "part_not_found")


def test_the_evidence_bundle_of_a_part_verifies(client: TestClient, session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    service.install(session, net.actor(net.shop), part.id, net.car.id, repair_order="RO-7")
    integrate(session)
    response = client.get(f"/api/v1/evidence/bundles/part/{part.id}")
    assert response.status_code == 200
    key = client.get("/api/v1/ledger/key").text.strip()
    report = verify_bundle(response.content, trusted_key=key)
    assert report.ok
    assert report.key_pinned
    assert [e.commitment for e in report.entries] == ["verified"] * 4
    assert net.car.vin not in response.text
