"""Repair at certified shops: routing to the nearest qualified shop (NEV brand rule), the shop's
answer, milestones with photos and fitted serials, supplements, delivery and the shop payout."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from carecover.claims.enums import (
    ClaimStatus,
    DecisionKind,
    EstimateKind,
    EventKind,
    Milestone,
    RepairStatus,
    Settlement,
)
from carecover.claims.errors import ClaimConflict
from carecover.claims.models import Claim
from carecover.claims.service import assessment, desk, payouts, repair, supplements, timeline
from carecover.partners.enums import QualificationKind
from carecover.partners.models import Partner
from carecover.parts.models import Part
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import InvalidFields, NotFound
from carecover.vehicles.enums import Powertrain
from tests.claims.flows import LARGE, reported_and_assessed
from tests.factories.accounts import make_user
from tests.factories.claims import Insured, make_policy, photo_bytes
from tests.factories.customers import make_customer, make_vehicle
from tests.factories.partners import make_qualification
from tests.factories.parts import Network, commission, deliver_to_shop, make_network


def adjuster(session: Session) -> Actor:
    user = make_user(session, role=Role.adjuster)
    return Actor(user.id, Role.adjuster, None, None, None)


def approved_for_repair(session: Session, insured: Insured) -> tuple[Claim, Actor]:
    claim = reported_and_assessed(session, insured, LARGE)
    me = adjuster(session)
    desk.decide(
        session, me, claim, desk.Decision(DecisionKind.approve, settlement=Settlement.repair)
    )
    return claim, me


def network_claim(session: Session) -> tuple[Network, Claim, Actor]:
    net = make_network(session)
    insured = Insured(net.owner, net.car, make_policy(session, net.car))
    claim, me = approved_for_repair(session, insured)
    return net, claim, me


def owner_actor(net: Network) -> Actor:
    return net.actor(net.owner)


def test_the_nearest_qualified_shop_comes_first(session: Session) -> None:
    net, claim, _ = network_claim(session)
    options = repair.shops_for(session, claim)
    sites = [o.location.id for o in options]
    assert sites[0] == net.shop_site.id  # Pudong, nearer than Hangzhou
    assert net.other_site.id in sites
    assert options[0].distance_km < options[-1].distance_km


def test_an_nev_only_goes_to_shops_authorised_for_its_brand(session: Session) -> None:
    net = make_network(session)
    owner = make_user(session, role=Role.owner)
    car = make_vehicle(session, owner=make_customer(session, user=owner), powertrain=Powertrain.bev)
    claim, _ = approved_for_repair(session, Insured(owner, car, make_policy(session, car)))
    assert repair.shops_for(session, claim) == []
    shop = session.get(Partner, net.shop_site.partner_id)
    other = session.get(Partner, net.other_site.partner_id)
    assert shop is not None
    assert other is not None
    make_qualification(session, other, QualificationKind.nev_brand_authorisation, brand="蔚来")
    assert repair.shops_for(session, claim) == []
    make_qualification(session, shop, QualificationKind.nev_brand_authorisation, brand="比亚迪")
    options = repair.shops_for(session, claim)
    assert [o.location.id for o in options] == [net.shop_site.id]
    assert options[0].nev_brand == "比亚迪"


def test_only_repair_approvals_are_routed(session: Session) -> None:
    net = make_network(session)
    insured = Insured(net.owner, net.car, make_policy(session, net.car))
    claim = reported_and_assessed(session, insured, LARGE)
    with pytest.raises(ClaimConflict):
        repair.choose_shop(session, owner_actor(net), claim, net.shop_site.id)


def test_a_shop_outside_the_options_is_refused(session: Session) -> None:
    net, claim, _ = network_claim(session)
    supplier_site = net.supplier_site.id
    with pytest.raises(InvalidFields):
        repair.choose_shop(session, owner_actor(net), claim, supplier_site)


def test_the_whole_repair_with_parts_supplement_and_shop_payout(session: Session) -> None:
    net, claim, me = network_claim(session)
    shop = net.actor(net.shop)
    order = repair.choose_shop(session, owner_actor(net), claim, net.shop_site.id)
    assert order.status is RepairStatus.offered
    with pytest.raises(NotFound):  # another shop cannot answer this offer
        repair.respond(session, net.actor(net.other_shop), order.id, accept=True)
    repair.respond(session, shop, order.id, accept=True)
    assert order.status is RepairStatus.accepted
    assert order.expected_ready_at is not None
    assert order.accepted_at is not None
    days = (order.expected_ready_at - order.accepted_at).days
    assert days == repair.expected_days(session, claim) >= 2  # parts to order + labour

    repair.post_milestone(session, shop, order.id, Milestone.received, photo=photo_bytes(5))
    assert order.status is RepairStatus.in_repair
    with pytest.raises(ClaimConflict) as back:
        repair.post_milestone(session, shop, order.id, Milestone.received)
    assert back.value.reason == "milestone_out_of_order"

    part: Part = commission(session, net)[0]
    deliver_to_shop(session, net, part)
    with pytest.raises(InvalidFields):
        repair.post_milestone(session, shop, order.id, Milestone.parts_replaced)
    with pytest.raises(InvalidFields):
        repair.post_milestone(
            session, shop, order.id, Milestone.parts_replaced, serials=[(part.gtin, "NOPE")]
        )
    fitted = repair.post_milestone(
        session, shop, order.id, Milestone.parts_replaced, serials=[(part.gtin, part.serial)]
    )
    assert fitted.parts == [{"gtin": part.gtin, "serial": part.serial, "name": part.name}]
    assert part.state == "installed"
    assert part.vehicle_id == claim.vehicle_id
    assert fitted.evidence_record_id is not None

    # the shop finds more on disassembly: a counter-quote the adjuster decides line by line
    before = claim.approved_fen
    assert before is not None
    extra = [*LARGE, {"part": "left_front_fender", "damage": "dent", "severity": "moderate"}]
    counter = supplements.propose(session, shop, order.id, extra)
    assert counter.kind is EstimateKind.counter
    with pytest.raises(ClaimConflict) as pending:
        repair.post_milestone(session, shop, order.id, Milestone.delivered)
    assert pending.value.reason == "supplement_pending"
    agreed = supplements.decide(
        session, me, claim, ["left_front_fender/repair_labour", "left_front_fender/paint"]
    )
    assert agreed.kind is EstimateKind.agreed
    current = assessment.current(session, claim)
    assert current is not None
    assert current.id == agreed.id
    added = sum(ln["amount_fen"] for ln in agreed.lines if ln["part"] == "left_front_fender")
    assert added > 0
    assert claim.approved_fen == before + added

    repair.post_milestone(session, shop, order.id, Milestone.ready)
    assert order.status is RepairStatus.ready
    repair.post_milestone(session, shop, order.id, Milestone.delivered, note="车主已提车")
    assert order.status is RepairStatus.delivered
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    assert payout.payee_partner_id == order.partner_id
    assert payout.amount_fen == claim.approved_fen
    payouts.send(session, payout.id)
    assert claim.status is ClaimStatus.paid

    owner_view = [e.kind for e in timeline.events(session, claim, internal=False)]
    assert owner_view.count(EventKind.milestone) == 4
    assert EventKind.shop_chosen in owner_view
    assert EventKind.supplement_decided in owner_view


def test_a_declined_offer_lets_the_owner_pick_another_shop(session: Session) -> None:
    net, claim, _ = network_claim(session)
    order = repair.choose_shop(session, owner_actor(net), claim, net.shop_site.id)
    with pytest.raises(InvalidFields):
        repair.respond(session, net.actor(net.shop), order.id, accept=False)
    repair.respond(session, net.actor(net.shop), order.id, accept=False, reason="工位已满")
    assert order.status is RepairStatus.declined
    options = [o.location.id for o in repair.shops_for(session, claim, exclude=[order.partner_id])]
    assert net.shop_site.id not in options
    with pytest.raises(InvalidFields):  # the shop that declined is not offered again
        repair.choose_shop(session, owner_actor(net), claim, net.shop_site.id)
    second = repair.choose_shop(session, owner_actor(net), claim, net.other_site.id)
    assert second.status is RepairStatus.offered


def test_a_bad_milestone_photo_is_refused(session: Session) -> None:
    net, claim, _ = network_claim(session)
    order = repair.choose_shop(session, owner_actor(net), claim, net.shop_site.id)
    repair.respond(session, net.actor(net.shop), order.id, accept=True)
    with pytest.raises(InvalidFields):
        repair.post_milestone(
            session, net.actor(net.shop), order.id, Milestone.received, photo=b"not a photo"
        )
    assert repair.milestones(session, order) == []
