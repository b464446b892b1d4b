"""Certified-shop repair over HTTP: the nearest qualified shop, the owner's pick, the shop's answer
and milestones (photos, fitted serialised parts), a supplement decided line by line, delivery and
the payout to the shop."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.models import Payout, RepairMilestone
from carecover.parts.models import Part
from carecover.platform.auth.roles import Role
from tests.accounts.test_api import sign_in
from tests.claims.flows import LARGE
from tests.claims.test_api_assessment import (
    Headers,
    assess,
    conflict,
    decide,
    invalid,
    problem,
    referred_claim,
    report,
    staff,
    stored,
)
from tests.factories.claims import Insured, make_insured, make_policy, photo_bytes
from tests.factories.parts import Network, commission, deliver_to_shop, make_network

FENDER = {"part": "left_front_fender", "damage": "dent", "severity": "moderate"}


@dataclass
class Case:
    net: Network
    claim_id: str
    owner: Headers
    desk: Headers
    shop: Headers

    @property
    def base(self) -> str:
        return f"/api/v1/claims/{self.claim_id}"


def approved_for_repair(
    client: TestClient, session: Session, tag: str, *, via_api: bool = False
) -> Case:
    """A claim in Shanghai the adjuster approved for repair at a certified shop."""
    net = make_network(session, tag)
    insured = Insured(net.owner, net.car, make_policy(session, net.car))
    owner = sign_in(client, f"{tag}.owner")
    if via_api:  # the owner's app: multipart report, then the guided assessment
        cid = report(client, owner, net.car.id)["id"]
        assert assess(client, owner, cid, LARGE).json()["claim"]["status"] == "adjuster_review"
    else:
        cid = referred_claim(client, session, insured, owner)
    _, desk = staff(client, session, f"{tag}.adjuster", Role.adjuster)
    approved = decide(client, desk, cid, decision="approve", settlement="repair")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["settlement"], body["payout"]) == ("approved", "repair", None)
    return Case(net, cid, owner, desk, sign_in(client, f"{tag}.shop"))


def routed(client: TestClient, case: Case) -> dict[str, Any]:
    """The owner picks the nearest shop; the repair order's JSON."""
    shops = client.get(f"{case.base}/shops", headers=case.owner).json()
    chosen = client.post(
        f"{case.base}/repair", json={"location_id": shops[0]["location_id"]}, headers=case.owner
    )
    assert chosen.status_code == 201, chosen.text
    order: dict[str, Any] = chosen.json()
    return order


def accepted(client: TestClient, case: Case) -> str:
    order = routed(client, case)
    answer = client.post(
        f"/api/v1/repairs/{order['id']}/respond", json={"accept": True}, headers=case.shop
    )
    assert answer.status_code == 200, answer.text
    return str(order["id"])


def milestone(
    client: TestClient,
    headers: Headers,
    order_id: str,
    kind: str,
    *,
    photo: bytes | None = None,
    parts: str | None = None,
) -> Response:
    """Post a milestone as the shop app does: always multipart, the photo optional."""
    fields: dict[str, tuple[str | None, bytes | str, str | None]] = {
        "kind": (None, kind, None),
        "note": (None, f"{kind} done", None),
    }
    if parts is not None:
        fields["parts"] = (None, parts, None)
    if photo is not None:
        fields["photo"] = ("shot.jpg", photo, "image/jpeg")
    return client.post(f"/api/v1/repairs/{order_id}/milestones", files=fields, headers=headers)


def milestones_of(session: Session, order_id: str) -> list[str]:
    session.expire_all()
    rows = session.scalars(
        select(RepairMilestone.kind)
        .where(RepairMilestone.repair_order_id == uuid.UUID(order_id))
        .order_by(RepairMilestone.at)
    ).all()
    return [k.value for k in rows]


# --- choosing the shop ---------------------------------------------------------------------------


def test_the_nearest_qualified_shop_comes_first_and_the_owner_picks_it(
    client: TestClient, session: Session
) -> None:
    case = approved_for_repair(client, session, "rs")
    net = case.net
    listed = client.get(f"{case.base}/shops", headers=case.owner)
    assert listed.status_code == 200, listed.text
    shops = listed.json()
    sites = [s["location_id"] for s in shops]
    assert sites[0] == str(net.shop_site.id)  # Pudong, a few km from People's Square
    assert str(net.other_site.id) in sites  # Hangzhou, further away
    assert str(net.supplier_site.id) not in sites  # a parts supplier repairs nothing
    distances = [s["distance_km"] for s in shops]
    assert distances == sorted(distances)
    assert distances[0] < 20 < distances[-1]
    assert shops[0]["nev_brand"] is None
    assert client.get(f"{case.base}/shops", headers=case.desk).json() == shops
    make_insured(session, username="rs.stranger")
    stranger = sign_in(client, "rs.stranger")
    problem(client.get(f"{case.base}/shops", headers=stranger), 404, "not_found")

    for site in (net.supplier_site.id, uuid.uuid4()):
        refused = client.post(
            f"{case.base}/repair", json={"location_id": str(site)}, headers=case.owner
        )
        invalid(refused, ["body", "location_id"], "claim.shop_not_qualified")
    problem(
        client.post(f"{case.base}/repair", json={"location_id": sites[0]}, headers=case.shop),
        404,
        "not_found",
    )
    order = routed(client, case)
    assert order["status"] == "offered"
    assert order["shop"] == net.shop_site.name
    assert order["distance_km"] == distances[0]
    assert order["milestones"] == []
    again = client.post(f"{case.base}/repair", json={"location_id": sites[0]}, headers=case.owner)
    conflict(again, "repair_already_routed")
    orders = client.get(f"{case.base}/repair", headers=case.owner).json()
    assert [o["id"] for o in orders] == [order["id"]]


def test_only_repair_approvals_are_routed_and_they_pay_nothing_before_delivery(
    client: TestClient, session: Session
) -> None:
    case = approved_for_repair(client, session, "rc")
    conflict(client.post(f"{case.base}/payout", headers=case.desk), "repair_not_delivered")
    assert stored(session, case.claim_id).approved_fen is not None
    insured = make_insured(session, username="rc.cash")
    headers = sign_in(client, "rc.cash")
    cid = referred_claim(client, session, insured, headers)
    site = {"location_id": str(case.net.shop_site.id)}
    body = conflict(
        client.post(f"/api/v1/claims/{cid}/repair", json=site, headers=headers), "not_routable"
    )
    assert "adjuster_review" in body["reason_text"]
    assert decide(client, case.desk, cid, decision="approve").status_code == 200
    conflict(
        client.post(f"/api/v1/claims/{cid}/repair", json=site, headers=headers), "not_routable"
    )


# --- the shop's side -----------------------------------------------------------------------------


def test_the_shop_sees_its_orders_and_answers_them(client: TestClient, session: Session) -> None:
    case = approved_for_repair(client, session, "ra")
    order = routed(client, case)
    mine = client.get("/api/v1/repairs", headers=case.shop)
    assert mine.status_code == 200, mine.text
    assert [o["id"] for o in mine.json()] == [order["id"]]
    assert mine.json()[0]["claim_no"] == stored(session, case.claim_id).claim_no
    other = sign_in(client, "ra.other")
    assert client.get("/api/v1/repairs", headers=other).json() == []
    problem(client.get("/api/v1/repairs", headers=case.owner), 403, "forbidden")

    url = f"/api/v1/repairs/{order['id']}/respond"
    problem(client.post(url, json={"accept": True}, headers=other), 404, "not_found")
    problem(client.post(url, json={"accept": True}, headers=case.owner), 404, "not_found")
    problem(
        client.post(
            f"/api/v1/repairs/{uuid.uuid4()}/respond", json={"accept": True}, headers=case.shop
        ),
        404,
        "not_found",
    )
    invalid(
        client.post(url, json={"accept": False, "reason": "  "}, headers=case.shop),
        ["body", "reason"],
        "claim.decline_reason",
    )
    invalid(client.post(url, json={"accept": "perhaps"}, headers=case.shop), ["body", "accept"])
    answer = client.post(url, json={"accept": True}, headers=case.shop)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"
    assert answer.json()["accepted_at"] is not None
    assert answer.json()["expected_ready_at"] > answer.json()["accepted_at"]
    body = conflict(
        client.post(url, json={"accept": False, "reason": "满了"}, headers=case.shop),
        "order_not_offered",
    )
    assert "accepted" in body["reason_text"]


def test_milestones_go_forward_with_photos_and_fitted_parts(
    client: TestClient, session: Session
) -> None:
    case = approved_for_repair(client, session, "rm")
    order_id = accepted(client, case)
    net = case.net
    problem(
        milestone(client, sign_in(client, "rm.other"), order_id, "received", photo=photo_bytes(40)),
        404,
        "not_found",
    )
    invalid(milestone(client, case.shop, order_id, "washed"), ["body", "kind"], "enum")

    received = milestone(client, case.shop, order_id, "received", photo=photo_bytes(41))
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "in_repair"
    first = received.json()["milestones"][0]
    assert first["kind"] == "received"
    assert first["note"] == "received done"
    assert len(first["photo_sha256"]) == 64

    back = conflict(milestone(client, case.shop, order_id, "received"), "milestone_out_of_order")
    assert back["reason_text"]
    not_a_photo = milestone(client, case.shop, order_id, "disassembly", photo=b"%PDF-1.7 quote")
    invalid(not_a_photo, ["body", "photo"], "claim.photo.not_an_image")
    assert milestones_of(session, order_id) == ["received"]

    part: Part = commission(session, net)[0]
    deliver_to_shop(session, net, part)
    session.flush()
    for parts, loc, code in (
        ("", ["body", "parts"], "claim.parts_serials_missing"),
        (part.gtin, ["body", "parts", "0"], "claim.parts_format"),
        ('[{"gtin": 1}]', ["body", "parts"], "claim.parts_format"),
        (f"{part.gtin} NOPE-0000", ["body", "parts", "0"], "claim.part_unknown"),
    ):
        refused = milestone(client, case.shop, order_id, "parts_replaced", parts=parts)
        invalid(refused, loc, code)
    assert milestones_of(session, order_id) == ["received"]

    fitted = milestone(
        client, case.shop, order_id, "parts_replaced", parts=f"{part.gtin} {part.serial}\n"
    )
    assert fitted.status_code == 200, fitted.text
    last = fitted.json()["milestones"][-1]
    assert last["kind"] == "parts_replaced"
    assert last["parts"] == [{"gtin": part.gtin, "serial": part.serial, "name": part.name}]
    session.expire_all()
    installed = session.get(Part, part.id)
    assert installed is not None
    assert installed.state == "installed"
    assert installed.vehicle_id == net.car.id
    conflict(milestone(client, case.shop, order_id, "disassembly"), "milestone_out_of_order")
    assert milestones_of(session, order_id) == ["received", "parts_replaced"]
    owner_view = client.get(f"{case.base}/timeline", headers=case.owner).json()
    assert [e["data"].get("milestone") for e in owner_view if e["kind"] == "milestone"] == [
        "received",
        "parts_replaced",
    ]


def test_a_supplement_is_decided_line_by_line_and_delivery_pays_the_shop(
    client: TestClient, session: Session
) -> None:
    case = approved_for_repair(client, session, "rp", via_api=True)
    order_id = accepted(client, case)
    before = stored(session, case.claim_id).approved_fen
    assert before is not None

    url = f"/api/v1/repairs/{order_id}/supplement"
    invalid(
        client.post(
            url,
            json={"items": [*LARGE, {"part": "roof", "damage": "lamp_broken"}]},
            headers=case.shop,
        ),
        ["body", "items", "3"],
        "estimate.invalid_damage_for_part",
    )
    problem(
        client.post(url, json={"items": [FENDER]}, headers=sign_in(client, "rp.other")),
        404,
        "not_found",
    )
    proposed = client.post(url, json={"items": [*LARGE, FENDER]}, headers=case.shop)
    assert proposed.status_code == 201, proposed.text
    offer = proposed.json()
    assert offer["estimate"]["kind"] == "counter"
    assert offer["estimate"]["status"] == "proposed"
    added = {(d["part"], d["operation"]): d for d in offer["lines"] if d["change"] == "added"}
    assert set(added) == {("left_front_fender", "repair_labour"), ("left_front_fender", "paint")}
    assert all(
        d["change"] == "unchanged" for d in offer["lines"] if d["part"] != "left_front_fender"
    )
    assert offer["delta_fen"] == sum(d["after_fen"] for d in added.values()) > 0
    assert offer["counter_total_fen"] == offer["base_total_fen"] + offer["delta_fen"]
    conflict(
        client.post(url, json={"items": [*LARGE, FENDER]}, headers=case.shop), "supplement_pending"
    )
    conflict(milestone(client, case.shop, order_id, "delivered"), "supplement_pending")

    pending = client.get(f"{case.base}/supplement", headers=case.desk)
    assert pending.status_code == 200, pending.text
    assert pending.json()["lines"] == offer["lines"]
    problem(client.get(f"{case.base}/supplement", headers=case.shop), 403, "forbidden")
    decision = f"{case.base}/supplement/decision"
    invalid(
        client.post(decision, json={"accepted": ["fender/paint"]}, headers=case.desk),
        ["body", "accepted", "0"],
        "estimate.unknown_line_key",
    )
    invalid(
        client.post(decision, json={"accepted": ["roof/paint"]}, headers=case.desk),
        ["body", "accepted"],
        "estimate.unknown_line",
    )
    problem(client.post(decision, json={"accepted": []}, headers=case.owner), 403, "forbidden")
    assert stored(session, case.claim_id).approved_fen == before

    agreed = client.post(
        decision, json={"accepted": ["left_front_fender/paint"]}, headers=case.desk
    )
    assert agreed.status_code == 200, agreed.text
    paint = added[("left_front_fender", "paint")]["after_fen"]
    assert agreed.json()["approved_fen"] == before + paint
    assert stored(session, case.claim_id).approved_fen == before + paint
    problem(client.get(f"{case.base}/supplement", headers=case.desk), 404, "not_found")
    conflict(
        client.post(decision, json={"accepted": []}, headers=case.desk), "no_supplement_pending"
    )
    estimate = client.get(f"{case.base}/estimate", headers=case.owner).json()
    assert estimate["kind"] == "agreed"
    fender = [ln["operation"] for ln in estimate["lines"] if ln["part"] == "left_front_fender"]
    assert fender == ["paint"]

    for kind in ("ready", "delivered"):
        done = milestone(client, case.shop, order_id, kind)
        assert done.status_code == 200, done.text
    assert done.json()["status"] == "delivered"
    assert done.json()["delivered_at"] is not None
    claim = client.get(case.base, headers=case.owner).json()
    assert claim["payout"]["payee"] == "partner"
    assert claim["payout"]["status"] == "instructed"
    assert claim["payout"]["amount_fen"] == before + paint
    session.expire_all()
    payouts = session.scalars(
        select(Payout).where(Payout.claim_id == uuid.UUID(case.claim_id))
    ).all()
    assert [(p.payee_partner_id, p.payee_customer_id) for p in payouts] == [
        (case.net.shop_site.partner_id, None)
    ]
    again = client.post(f"{case.base}/payout", headers=case.desk)
    assert again.status_code == 200
    assert again.json()["payee"] == "partner"
    conflict(milestone(client, case.shop, order_id, "delivered"), "order_not_in_repair")
