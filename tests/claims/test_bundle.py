"""A claim's evidence bundle: the owner and claim handlers get everything and it verifies offline;
the repairing shop gets commitments only; anyone else is told nothing exists."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.claims.enums import DecisionKind, Settlement
from carecover.claims.service import desk, repair
from carecover.evidence import service as evidence
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.verifier.bundle import verify_bundle
from tests.accounts.test_api import sign_in
from tests.claims.flows import LARGE, reported_and_assessed
from tests.factories.accounts import make_user
from tests.factories.claims import Insured, make_insured, make_policy
from tests.factories.parts import make_network


def test_the_owner_downloads_a_bundle_that_verifies(client: TestClient, session: Session) -> None:
    insured = make_insured(session, username="bundle.owner")
    claim = reported_and_assessed(session, insured, LARGE)
    evidence.log.integrate(session, evidence.get_signer())
    response = client.get(
        f"/api/v1/evidence/bundles/claim/{claim.id}", headers=sign_in(client, "bundle.owner")
    )
    assert response.status_code == 200
    key = client.get("/api/v1/ledger/key").text.strip()
    report = verify_bundle(response.content, trusted_key=key)
    assert report.ok
    # the report, its photo, the estimate and the referral decision
    assert len(report.entries) == 4
    assert {e.commitment for e in report.entries} == {"verified"}


def test_others_see_nothing_and_the_shop_sees_commitments(
    client: TestClient, session: Session
) -> None:
    net = make_network(session, tag="bundleshop")
    claim = reported_and_assessed(
        session, Insured(net.owner, net.car, make_policy(session, net.car)), LARGE
    )
    adjuster = make_user(session, role=Role.adjuster, username="bundle.adjuster")
    desk.decide(
        session,
        Actor(adjuster.id, Role.adjuster, None, None, None),
        claim,
        desk.Decision(DecisionKind.approve, settlement=Settlement.repair),
    )
    repair.choose_shop(session, net.actor(net.owner), claim, net.shop_site.id)
    evidence.log.integrate(session, evidence.get_signer())
    url = f"/api/v1/evidence/bundles/claim/{claim.id}"
    make_insured(session, username="bundle.stranger")
    assert client.get(url, headers=sign_in(client, "bundle.stranger")).status_code == 404
    assert client.get(url).status_code == 404
    shop = client.get(url, headers=sign_in(client, "bundleshop.shop")).json()
    handler = client.get(url, headers=sign_in(client, "bundle.adjuster")).json()
    assert shop["entries"]
    assert all(e["record"].get("salt") is None for e in shop["entries"])  # commitments only
    assert all(e["record"]["salt"] is not None for e in handler["entries"])
