"""The fast track on a real database: small clean claims are approved and paid, others are
referred with their reasons; every automated decision is on the timeline and anchored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimStatus, EventKind, PayoutStatus, Settlement
from carecover.claims.errors import ClaimConflict
from carecover.claims.models import ClaimEvent, Payout
from carecover.claims.service import assessment, fast_track, payouts, timeline
from carecover.evidence.models import EvidenceRecord
from carecover.platform.clock import utc_now
from carecover.platform.errors import InvalidFields
from carecover.platform.geo.cities import city_by_adcode
from carecover.policies.models import PolicyCoverage
from tests.claims.flows import LARGE, SMALL, report, reported_and_assessed
from tests.factories.claims import make_insured
from tests.factories.customers import make_customer


def test_a_small_clean_claim_is_approved_and_a_payout_instructed_at_once(
    session: Session,
) -> None:
    insured = make_insured(session)
    claim = reported_and_assessed(session, insured, SMALL)
    assert claim.status is ClaimStatus.fast_tracked
    assert claim.fast_track
    assert claim.settlement is Settlement.cash
    assert claim.reasons == []
    assert claim.estimate_fen is not None
    assert 50_000 < claim.estimate_fen < 500_000
    assert claim.approved_fen == claim.estimate_fen
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    assert payout.status is PayoutStatus.instructed
    assert payout.amount_fen == claim.approved_fen
    assert payout.payee_customer_id == claim.customer_id
    assert payout.idempotency_key == f"claim:{claim.id}"
    # the worker sends it through the payment port
    payouts.send(session, payout.id)
    assert payout.status is PayoutStatus.paid
    assert payout.provider_ref is not None
    assert payout.provider_ref.startswith("INPROC-")
    assert claim.status is ClaimStatus.paid
    kinds = [e.kind for e in timeline.events(session, claim, internal=False)]
    assert kinds == [
        EventKind.reported,
        EventKind.assessed,
        EventKind.fast_tracked,
        EventKind.payout_instructed,
        EventKind.paid,
    ]


def test_the_automated_decision_is_anchored_on_the_evidence_log(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), SMALL)
    decided = session.scalars(
        select(ClaimEvent).where(
            ClaimEvent.claim_id == claim.id, ClaimEvent.kind == EventKind.fast_tracked
        )
    ).one()
    assert decided.evidence_record_id is not None
    record = session.get(EvidenceRecord, decided.evidence_record_id)
    assert record is not None
    assert record.kind == "claim_decision"
    assert record.subject_id == str(claim.id)


def test_sending_twice_pays_once(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), SMALL)
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    payouts.send(session, payout.id)
    ref = payout.provider_ref
    payouts.send(session, payout.id)
    assert payout.provider_ref == ref
    paid = [e for e in timeline.events(session, claim, internal=True) if e.kind is EventKind.paid]
    assert len(paid) == 1


def test_a_large_claim_goes_to_the_desk_with_its_reason_and_an_sla(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), LARGE)
    assert claim.status is ClaimStatus.adjuster_review
    assert [r["code"] for r in claim.reasons] == ["over_fast_track_limit"]
    assert claim.reasons[0]["estimate_fen"] == claim.estimate_fen
    assert claim.sla_due_at is not None
    assert payouts.of_claim(session, claim.id) is None


def test_a_policy_without_own_damage_cover_is_referred(session: Session) -> None:
    insured = make_insured(session)
    cover = session.scalars(
        select(PolicyCoverage).where(PolicyCoverage.policy_id == insured.policy.id)
    ).one()
    session.delete(cover)
    session.flush()
    claim = reported_and_assessed(session, insured, SMALL)
    assert [r["code"] for r in claim.reasons] == ["no_own_damage_cover"]


def test_a_recently_incepted_policy_is_referred(session: Session) -> None:
    insured = make_insured(session)
    insured.policy.starts_at = utc_now() - timedelta(days=5)
    session.flush()
    claim = reported_and_assessed(session, insured, SMALL)
    assert [r["code"] for r in claim.reasons] == ["recent_inception"]


def test_frequent_claims_are_referred(session: Session) -> None:
    insured = make_insured(session)
    for n in range(2):
        report(session, insured, key=f"earlier-{n:05d}", seed=40 + n)
    claim = reported_and_assessed(session, insured, SMALL, key="third-000001", seed=50)
    codes = [r["code"] for r in claim.reasons]
    assert codes == ["frequent_claims"]
    assert claim.reasons[0]["count"] == 2


def test_a_reused_photo_is_referred(session: Session) -> None:
    first, second = make_insured(session), make_insured(session)
    report(session, first, key="orig-000001", seed=7)
    claim = reported_and_assessed(session, second, SMALL, key="copy-000001", seed=7)
    assert "photo_reused" in [r["code"] for r in claim.reasons]


def test_a_claimant_who_is_not_the_policyholder_is_referred(session: Session) -> None:
    insured = make_insured(session)
    insured.policy.holder_id = make_customer(session).id  # a company or relative holds it
    session.flush()
    claim = reported_and_assessed(session, insured, SMALL)
    assert [r["code"] for r in claim.reasons] == ["claimant_not_holder"]


def test_the_estimate_high_for_an_old_cheap_car_is_referred(session: Session) -> None:
    insured = make_insured(session)
    insured.car.purchase_price_fen = 1_200_000
    insured.car.purchase_date = (utc_now() - timedelta(days=365 * 11)).date()
    session.flush()
    claim = reported_and_assessed(
        session, insured, [{"part": "front_bumper", "damage": "crack", "severity": "severe"}]
    )
    assert "estimate_high_for_value" in [r["code"] for r in claim.reasons]


def test_an_expired_policy_at_decision_time_is_referred(session: Session) -> None:
    insured = make_insured(session)
    claim = report(session, insured)
    from carecover.policies.enums import PolicyStatus

    insured.policy.status = PolicyStatus.expired
    session.flush()
    assessment.assess(session, insured.actor, claim, SMALL)
    assert "policy_not_active" in [r["code"] for r in claim.reasons]


def test_a_decided_claim_is_not_decided_again(session: Session) -> None:
    insured = make_insured(session)
    claim = reported_and_assessed(session, insured, SMALL)
    with pytest.raises(ClaimConflict) as caught:
        fast_track.decide(session, insured.actor, claim)
    assert caught.value.reason == "already_decided"


def test_bad_assessment_items_are_refused_and_nothing_is_stored(session: Session) -> None:
    insured = make_insured(session)
    claim = report(session, insured)
    for items, code in (
        ([], "estimate.empty"),
        (
            [{"part": "hood", "damage": "tire_flat", "severity": "light"}],
            "estimate.invalid_damage_for_part",
        ),
        ([{"part": "wing", "damage": "dent", "severity": "light"}], "estimate.unknown_code"),
        (
            [
                {"part": "hood", "damage": "dent", "severity": "light"},
                {"part": "hood", "damage": "scratch", "severity": "light"},
            ],
            "estimate.duplicate_part",
        ),
    ):
        with pytest.raises(InvalidFields) as caught:
            assessment.assess(session, insured.actor, claim, items)
        assert caught.value.problems[0].code == code
    assert assessment.current(session, claim) is None
    assert claim.status is ClaimStatus.reported
    assert session.scalars(select(Payout).where(Payout.claim_id == claim.id)).first() is None


def test_the_payout_is_not_paid_before_approval(session: Session) -> None:
    insured = make_insured(session)
    claim = report(session, insured)
    with pytest.raises(ClaimConflict) as caught:
        payouts.instruct(session, insured.actor, claim)
    assert caught.value.reason == "not_payable"


def test_the_claim_city_sets_the_labour_tier(session: Session) -> None:
    insured = make_insured(session)
    shanghai = reported_and_assessed(session, insured, SMALL)
    row = assessment.current(session, shanghai)
    assert row is not None
    assert row.city_tier == 1
    assert shanghai.city_adcode == "310000"
    far = reported_and_assessed(
        session,
        make_insured(session),
        SMALL,
        key="far-0000001",
        seed=3,
        lat=25.0453,
        lng=102.7097,
    )  # Kunming
    assert far.city_adcode == "530100"
    city = city_by_adcode("530100")
    assert city is not None
    row2 = assessment.current(session, far)
    assert row2 is not None
    assert row2.city_tier == city.tier > 1
    assert row2.total_fen < row.total_fen
