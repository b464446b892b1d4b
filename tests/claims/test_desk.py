"""The adjuster desk: queue and filters, SLA states, assignment, decisions (audited, anchored),
human review requests, and exactly one payout however many approvals race."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimStatus, DecisionKind, EventKind, Settlement
from carecover.claims.errors import ClaimConflict
from carecover.claims.models import Claim, Payout
from carecover.claims.service import desk, payouts, timeline
from carecover.platform.audit.models import AuditEntry
from carecover.platform.auth.roles import Role
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.errors import Forbidden, InvalidFields
from tests.claims.flows import LARGE, SMALL, reported_and_assessed
from tests.factories.accounts import make_user
from tests.factories.claims import make_insured


def adjuster(session: Session) -> Actor:
    user = make_user(session, role=Role.adjuster)
    return Actor(user.id, Role.adjuster, None, None, None)


def referred(session: Session, **kw: object) -> tuple[Claim, Actor]:
    claim = reported_and_assessed(session, make_insured(session), LARGE, **kw)  # type: ignore[arg-type]
    assert claim.status is ClaimStatus.adjuster_review
    return claim, adjuster(session)


def test_the_queue_holds_referred_claims_with_filters(session: Session) -> None:
    claim, me = referred(session)
    fast = reported_and_assessed(session, make_insured(session), SMALL, key="fast-0000001", seed=99)
    found = desk.queue(session, me, desk.QueueFilter())
    assert claim in found
    assert fast not in found
    assert claim in desk.queue(session, me, desk.QueueFilter(flag="over_fast_track_limit"))
    assert claim not in desk.queue(session, me, desk.QueueFilter(flag="photo_reused"))
    assert claim in desk.queue(session, me, desk.QueueFilter(assigned="unassigned"))
    desk.assign(session, me, claim)
    assert claim in desk.queue(session, me, desk.QueueFilter(assigned="me"))
    assert claim not in desk.queue(session, me, desk.QueueFilter(assigned="unassigned"))


def test_sla_states(session: Session) -> None:
    claim, me = referred(session)
    assert desk.sla_state(claim) == "ok"
    claim.sla_due_at = utc_now() + timedelta(minutes=30)
    assert desk.sla_state(claim) == "due_soon"
    claim.sla_due_at = utc_now() - timedelta(minutes=1)
    session.flush()
    assert desk.sla_state(claim) == "breached"
    assert claim in desk.queue(session, me, desk.QueueFilter(sla="breached"))


def test_only_claim_handlers_use_the_desk(session: Session) -> None:
    claim, _ = referred(session)
    dispatcher = make_user(session, role=Role.dispatcher)
    with pytest.raises(Forbidden):
        desk.decide(
            session,
            Actor(dispatcher.id, Role.dispatcher, None, None, None),
            claim,
            desk.Decision(DecisionKind.approve),
        )


def test_approval_is_audited_anchored_and_pays_once(session: Session) -> None:
    claim, me = referred(session)
    desk.decide(session, me, claim, desk.Decision(DecisionKind.approve, note="photos clear"))
    assert claim.status is ClaimStatus.approved
    assert claim.approved_fen == claim.estimate_fen
    assert not claim.fast_track
    payout = payouts.of_claim(session, claim.id)
    assert payout is not None
    assert payout.amount_fen == claim.approved_fen
    audit = session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(claim.id))).all()
    assert "claim.decided" in [a.action for a in audit]
    decided = [
        e for e in timeline.events(session, claim, internal=True) if e.kind is EventKind.decided
    ]
    assert decided[0].evidence_record_id is not None
    with pytest.raises(ClaimConflict) as caught:
        desk.decide(session, me, claim, desk.Decision(DecisionKind.reject, reason="other"))
    assert caught.value.reason == "already_decided"


def test_partial_reject_and_more_photos(session: Session) -> None:
    claim, me = referred(session)
    assert claim.estimate_fen is not None
    with pytest.raises(InvalidFields):
        desk.decide(session, me, claim, desk.Decision(DecisionKind.partial))
    with pytest.raises(InvalidFields):
        desk.decide(session, me, claim, desk.Decision(DecisionKind.partial, claim.estimate_fen + 1))
    with pytest.raises(InvalidFields):
        desk.decide(session, me, claim, desk.Decision(DecisionKind.partial, -5))
    with pytest.raises(InvalidFields):
        desk.decide(session, me, claim, desk.Decision(DecisionKind.reject, reason="because"))
    with pytest.raises(InvalidFields):
        desk.decide(session, me, claim, desk.Decision(DecisionKind.request_photos))
    desk.decide(
        session,
        me,
        claim,
        desk.Decision(DecisionKind.request_photos, note="请补拍车牌和受损部位近景"),
    )
    assert claim.status is ClaimStatus.more_photos_requested
    assert claim.decided_at is None
    desk.decide(session, me, claim, desk.Decision(DecisionKind.partial, 300_000))
    assert claim.status is ClaimStatus.partially_approved
    assert claim.approved_fen == 300_000


def test_a_repair_approval_waits_for_the_shop(session: Session) -> None:
    claim, me = referred(session)
    desk.decide(
        session, me, claim, desk.Decision(DecisionKind.approve, settlement=Settlement.repair)
    )
    assert claim.settlement is Settlement.repair
    assert payouts.of_claim(session, claim.id) is None
    with pytest.raises(ClaimConflict):
        payouts.instruct(session, me, claim)


def test_the_owner_asks_for_a_human_review_once(session: Session) -> None:
    insured = make_insured(session)
    claim = reported_and_assessed(session, insured, SMALL)
    me = adjuster(session)
    desk.request_review(session, insured.actor, claim, "金额偏低，请人工复核")
    assert claim.disputed
    assert claim in desk.queue(session, me, desk.QueueFilter(review=True))
    with pytest.raises(ClaimConflict):
        desk.request_review(session, insured.actor, claim, "again")
    with pytest.raises(ClaimConflict):  # a fast-tracked claim can only be upheld
        desk.resolve_review(session, me, claim, reopen=True, note="reopen")
    desk.resolve_review(session, me, claim, reopen=False, note="估损与照片一致")
    assert claim.reviewed_at is not None
    assert claim not in desk.queue(session, me, desk.QueueFilter(review=True))


def test_someone_else_cannot_ask_for_a_review(session: Session) -> None:
    claim = reported_and_assessed(session, make_insured(session), SMALL)
    stranger = make_insured(session)
    with pytest.raises(Forbidden):
        desk.request_review(session, stranger.actor, claim, "not mine")


def test_a_rejected_claim_can_be_reopened_on_review(session: Session) -> None:
    insured = make_insured(session)
    claim = reported_and_assessed(session, insured, LARGE)
    me = adjuster(session)
    desk.decide(session, me, claim, desk.Decision(DecisionKind.reject, reason="excluded_cause"))
    desk.request_review(session, insured.actor, claim, "事故原因不属于免责")
    desk.resolve_review(session, me, claim, reopen=True, note="重新审核")
    assert claim.status is ClaimStatus.adjuster_review
    desk.decide(session, me, claim, desk.Decision(DecisionKind.approve))
    assert claim.status is ClaimStatus.approved


RACERS = 20


def _race(db: Database, claim_id: object, actor: Actor, results: list[str]) -> None:
    for _attempt in range(50):
        try:
            with db.session() as session, session.begin():
                claim = session.get(Claim, claim_id)
                assert claim is not None
                if claim.status is ClaimStatus.adjuster_review:
                    desk.decide(session, actor, claim, desk.Decision(DecisionKind.approve))
                    results.append("decided")
                else:
                    payouts.instruct(session, actor, claim)
                    results.append("requested")
            return
        except ClaimConflict:
            results.append("conflict")
            return
        except OperationalError:  # SQLite: database busy under contention, try again
            continue
    results.append("gave_up")


def test_twenty_concurrent_approvals_and_payout_requests_make_one_payout(
    fresh_db: Database,
) -> None:
    with fresh_db.session() as session, session.begin():
        claim, me = referred(session)
        claim_id = claim.id
    results: list[str] = []
    threads = [
        threading.Thread(target=_race, args=(fresh_db, claim_id, me, results))
        for _ in range(RACERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == RACERS
    assert "gave_up" not in results
    assert results.count("decided") == 1
    with fresh_db.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Payout).where(Payout.claim_id == claim_id)
            )
            == 1
        )
        decided = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.object_id == str(claim_id), AuditEntry.action == "claim.decided")
        )
        assert decided == 1
