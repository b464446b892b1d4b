"""Custody end to end on the database: commission → ship → receive → install → remove → destroy,
impossible steps refused by rule, every event anchored and provable, scans scored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import carecover.parts.service.digital_link as dl
from carecover.evidence import service as evidence
from carecover.evidence.models import LedgerPending
from carecover.evidence.service import log
from carecover.parts import service
from carecover.parts.errors import CustodyRefused, NotASupplier, NotPartsHolder, PartInputInvalid
from carecover.parts.models import Part, PartEvent, PartScan
from carecover.parts.service.epcis import validate_event
from carecover.platform.errors import TooManyAttempts
from carecover.verifier.bundle import verify_bundle
from tests.factories.parts import GTIN, Network, commission, deliver_to_shop, make_network


def test_commissioning_issues_random_tagged_serials(session: Session) -> None:
    net = make_network(session)
    parts = commission(session, net, quantity=3)
    assert len({p.serial for p in parts}) == 3
    assert all(p.gtin == GTIN and p.state == "commissioned" for p in parts)
    link = service.link_for(parts[0])
    parsed = dl.parse(link, host="id.carecover.example")
    assert parsed.sgtin.serial == parts[0].serial
    assert parsed.tag == parts[0].tag
    [event] = service.history(session, parts[0].id)
    validate_event(event.document)  # the stored event is valid EPCIS 2.0
    assert event.document["bizStep"] == "commissioning"
    assert session.scalar(select(func.count()).select_from(LedgerPending)) == 3


def test_only_admitted_suppliers_commission(session: Session) -> None:
    net = make_network(session)
    with pytest.raises(NotASupplier):
        service.commission(
            session,
            net.actor(net.shop),
            service.Commission(gtin=GTIN, name="x", quantity=1, location_id=net.shop_site.id),
        )


@pytest.mark.parametrize("gtin", ["09521234543214", "0952123454321X", "１２３４５６７８"])
def test_bad_gtins_are_refused_by_rule(session: Session, gtin: str) -> None:
    net = make_network(session)
    with pytest.raises(PartInputInvalid) as caught:
        service.commission(
            session,
            net.actor(net.supplier),
            service.Commission(gtin=gtin, name="x", quantity=1, location_id=net.supplier_site.id),
        )
    assert caught.value.rule.startswith("gtin.")


def test_a_whole_life_is_recorded_and_every_step_proven(session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    service.install(session, net.actor(net.shop), part.id, net.car.id, repair_order="RO-2026-001")
    assert (part.state, part.vehicle_id) == ("installed", net.car.id)
    assert service.parts_in_vehicle(session, net.car.id) == [part]
    service.remove(session, net.actor(net.shop), part.id, net.shop_site.id)
    service.destroy(session, net.actor(net.shop), part.id, net.shop_site.id)
    steps = [e.biz_step for e in service.history(session, part.id)]
    assert steps == [
        "commissioning",
        "shipping",
        "receiving",
        "installing",
        "removing",
        "destroying",
    ]
    install = service.history(session, part.id)[3].document
    assert install["parentID"].startswith("urn:carecover:vehicle:")
    assert net.car.vin not in json.dumps(install)  # never the VIN
    log.integrate(session, evidence.get_signer())
    proven, size = service.prove(session, service.history(session, part.id))
    assert size == 6
    assert all(p.proven for p in proven)
    bundle = evidence.build_bundle(
        session,
        evidence.get_signer(),
        subject_type="part",
        subject_id=str(part.id),
        disclosure=evidence.disclosure_for(session, None, "part", str(part.id)),
    )
    report = verify_bundle(
        json.dumps(bundle.document).encode(), trusted_key=evidence.get_signer().vkey
    )
    assert report.ok
    assert [e.commitment for e in report.entries] == ["verified"] * 6


def _attempt(session: Session, net: Network, part: Part, attempt: str) -> None:
    supplier, shop, other = (net.actor(u) for u in (net.supplier, net.shop, net.other_shop))
    if attempt == "install_again":
        part.holder_org_id = net.shop.organisation_id  # past the holder check: custody speaks
        service.install(session, shop, part.id, net.car.id)
    elif attempt == "ship":
        part.holder_org_id = net.shop.organisation_id
        service.ship(session, shop, part.id, net.other_site.id)
    elif attempt == "receive_elsewhere":
        service.receive(session, other, part.id, net.other_site.id)
    else:
        service.install(session, supplier, part.id, net.car.id)


@pytest.mark.parametrize(
    ("setup", "attempt", "rule"),
    [
        ("installed", "install_again", "custody.already_installed"),
        ("destroyed", "ship", "custody.after_destruction"),
        ("commissioned", "receive_elsewhere", "custody.received_without_shipping"),
        ("in_transit", "receive_elsewhere", "custody.received_at_wrong_location"),
        ("in_transit", "install", "custody.install_not_at_location"),
    ],
)
def test_impossible_histories_name_the_rule_and_record_nothing(
    session: Session, setup: str, attempt: str, rule: str
) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    if setup == "in_transit":
        service.ship(session, net.actor(net.supplier), part.id, net.shop_site.id)
    if setup in ("installed", "destroyed"):
        deliver_to_shop(session, net, part)
    if setup == "installed":
        service.install(session, net.actor(net.shop), part.id, net.car.id)
    if setup == "destroyed":
        service.destroy(session, net.actor(net.shop), part.id, net.shop_site.id)
    before = session.scalar(select(func.count()).select_from(PartEvent))
    with pytest.raises(CustodyRefused) as caught:
        _attempt(session, net, part, attempt)
    assert caught.value.rule == rule
    assert session.scalar(select(func.count()).select_from(PartEvent)) == before


def test_a_shop_cannot_ship_a_part_it_does_not_hold(session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    with pytest.raises(NotPartsHolder):
        service.ship(session, net.actor(net.other_shop), part.id, net.shop_site.id)


def test_scanning_a_genuine_part_and_its_owner_check(session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    service.install(session, net.actor(net.shop), part.id, net.car.id)
    log.integrate(session, evidence.get_signer())
    sgtin = service.sgtin_of(part)
    outcome = service.scan(
        session, sgtin=sgtin, tag=part.tag, client="1.2.3.4|ua", owner_user_id=net.owner.id
    )
    assert outcome.assessment.level == "genuine"
    assert outcome.installed_in_yours is True
    assert [e.proven for e in outcome.events] == [True] * 4
    stranger = service.scan(session, sgtin=sgtin, tag=part.tag, client="5.6.7.8|ua")
    assert stranger.installed_in_yours is None


def test_unknown_serials_and_copied_tags_answer_alike(session: Session) -> None:
    net = make_network(session)
    [part, other] = commission(session, net, quantity=2)
    forged = service.scan(session, sgtin=service.sgtin_of(part), tag=other.tag, client="c|1")
    unknown = service.scan(
        session, sgtin=dl.SGTIN(GTIN, "0000000000000000"), tag=part.tag, client="c|1"
    )
    assert forged.part is None
    assert unknown.part is None
    assert forged.assessment == unknown.assessment
    assert forged.assessment.level == "unknown"


def test_impossible_travel_between_scans_is_suspect(session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    sgtin = service.sgtin_of(part)
    service.scan(session, sgtin=sgtin, tag=part.tag, client="a|1", lat=39.9042, lon=116.4074)
    second = service.scan(
        session, sgtin=sgtin, tag=part.tag, client="b|2", lat=23.1291, lon=113.2644
    )
    assert second.assessment.level == "suspect"
    assert "impossible_travel" in second.assessment.codes
    stored = session.scalars(select(PartScan).where(PartScan.part_id == part.id)).all()
    assert {(s.lat, s.lon) for s in stored} == {(39.9, 116.41), (23.13, 113.26)}  # ~1 km


def test_a_scan_after_destruction_is_suspect(session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    deliver_to_shop(session, net, part)
    service.destroy(session, net.actor(net.shop), part.id, net.shop_site.id)
    outcome = service.scan(session, sgtin=service.sgtin_of(part), tag=part.tag, client="x|y")
    assert outcome.assessment.level == "suspect"
    assert "scanned_after_destruction" in outcome.assessment.codes


def test_scanning_is_rate_limited_per_device(session: Session) -> None:
    net = make_network(session)
    [part] = commission(session, net)
    sgtin = service.sgtin_of(part)
    for _ in range(service.scans.SCANS_PER_MINUTE):
        service.scan(session, sgtin=sgtin, tag=part.tag, client="bot|1")
    with pytest.raises(TooManyAttempts):
        service.scan(session, sgtin=sgtin, tag=part.tag, client="bot|1")
