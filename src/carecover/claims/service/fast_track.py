"""The small-claim fast track (A3): decide a freshly assessed claim without a person, or refer it.

``facts`` gathers what the rules need in a handful of indexed queries; ``decide`` applies
``risk.evaluate``: a claim that passes every rule is approved for its estimate less the
deductible and its payout instruction is created in the same transaction; any other claim goes to
the adjuster desk with the reasons and an SLA timer. The reasons are stored on the claim and
anchored with the decision, so owner and staff read the same list (PIPL Art. 24: the owner may
ask for a human review of an automated decision).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimStatus, EventKind, Settlement
from carecover.claims.errors import ClaimConflict
from carecover.claims.events import ClaimDecided
from carecover.claims.models import Claim
from carecover.claims.service import payouts, risk, timeline
from carecover.customers import repository as customers
from carecover.evidence import service as evidence
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.events import publish
from carecover.policies.enums import Coverage, PolicyStatus
from carecover.policies.models import Policy, PolicyCoverage
from carecover.vehicles.models import Vehicle

DESK_SLA = timedelta(hours=24)
"""Time for an adjuster to decide a referred claim."""
SMALL_DESK_SLA = timedelta(hours=4)
"""Referred claims under the fast-track limit are quick to check: a shorter timer."""


def _claimant_customer(session: Session, claim: Claim) -> object:
    """Who is claiming: the reporting owner's customer record, else the car's owner."""
    customer = customers.get_by_user(session, claim.reported_by)
    return customer.id if customer is not None else claim.customer_id


def facts(session: Session, claim: Claim, rules: risk.FastTrackRules) -> risk.ClaimFacts:
    policy = session.get(Policy, claim.policy_id)
    vehicle = session.get(Vehicle, claim.vehicle_id)
    if policy is None or vehicle is None:  # pragma: no cover - RESTRICT foreign keys
        raise ClaimConflict("records_missing")
    cover = own_damage_cover(session, policy.id)
    since = ensure_utc(claim.occurred_at) - timedelta(days=rules.frequent_window_days)
    earlier = session.scalar(
        select(func.count(Claim.id)).where(
            or_(Claim.vehicle_id == claim.vehicle_id, Claim.customer_id == claim.customer_id),
            Claim.id != claim.id,
            Claim.occurred_at >= since,
            Claim.occurred_at <= claim.occurred_at,
        )
    )
    flags = frozenset(str(f.get("code")) for f in claim.flags)
    active = policy.status is PolicyStatus.active and policy.cancelled_at is None
    return risk.ClaimFacts(
        estimate_fen=claim.estimate_fen or 0,
        policy_active=active,
        has_own_damage_cover=cover is not None,
        policy_starts_at=ensure_utc(policy.starts_at),
        occurred_at=ensure_utc(claim.occurred_at),
        earlier_claims=int(earlier or 0),
        photo_flags=flags,
        ocr_outcome=claim.ocr.get("outcome") if claim.ocr else None,
        purchase_price_fen=vehicle.purchase_price_fen,
        purchase_date=vehicle.purchase_date,
        claimant_is_holder=_claimant_customer(session, claim) == policy.holder_id,
        other_parties=claim.other_parties,
        deductible_fen=cover.deductible_fen if cover is not None else 0,
    )


def own_damage_cover(session: Session, policy_id: uuid.UUID) -> PolicyCoverage | None:
    return session.scalars(
        select(PolicyCoverage).where(
            PolicyCoverage.policy_id == policy_id,
            PolicyCoverage.coverage == Coverage.vehicle_damage,
        )
    ).first()


def deductible_fen(session: Session, claim: Claim) -> int:
    """The own-damage deductible of the claim's policy (0 without the cover)."""
    cover = own_damage_cover(session, claim.policy_id)
    return cover.deductible_fen if cover is not None else 0


def sla_for(claim: Claim, now: datetime, rules: risk.FastTrackRules) -> datetime:
    small = (claim.estimate_fen or 0) < rules.limit_fen
    return now + (SMALL_DESK_SLA if small else DESK_SLA)


def decide(
    session: Session, actor: Actor, claim: Claim, rules: risk.FastTrackRules | None = None
) -> risk.Verdict:
    """Approve a reported, assessed claim automatically or refer it to the desk."""
    rules = rules or risk.FastTrackRules()
    if claim.status is not ClaimStatus.reported:
        raise ClaimConflict("already_decided", status=claim.status.value)
    if claim.estimate_fen is None:
        raise ClaimConflict("not_assessed")
    verdict = risk.evaluate(facts(session, claim, rules), rules)
    now = utc_now()
    reasons = [r.as_json() for r in verdict.reasons]
    claim.reasons = reasons
    system = Actor.system(actor.request_id)
    if verdict.eligible:
        claim.status = ClaimStatus.fast_tracked
        claim.fast_track = True
        claim.settlement = Settlement.cash
        claim.approved_fen = verdict.payable_fen
        claim.decided_at = now
        timeline.record(
            session,
            claim,
            EventKind.fast_tracked,
            system,
            {
                "approved_fen": verdict.payable_fen,
                "estimate_fen": claim.estimate_fen,
                "rules": "all_passed",
            },
            anchor=evidence.RecordKind.claim_decision,
        )
        payouts.instruct(session, system, claim)
    else:
        claim.status = ClaimStatus.adjuster_review
        claim.sla_due_at = sla_for(claim, now, rules)
        timeline.record(
            session,
            claim,
            EventKind.referred,
            system,
            {"reasons": reasons, "estimate_fen": claim.estimate_fen},
            anchor=evidence.RecordKind.claim_decision,
        )
    publish(
        session,
        ClaimDecided(claim_id=claim.id, status=claim.status.value, fast_track=verdict.eligible),
    )
    session.flush()
    return verdict
