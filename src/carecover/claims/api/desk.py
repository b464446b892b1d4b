"""Claims API for the adjuster desk: the queue, assignment, decisions, notes, review requests,
payout requests, shop supplements, and the dashboard numbers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from carecover.claims.enums import ClaimStatus, DecisionKind, Settlement
from carecover.claims.models import Claim
from carecover.claims.schemas import (
    AssignIn,
    ClaimRead,
    DecisionIn,
    DeskClaimRead,
    MetricsRead,
    PayoutRead,
    ReviewResolveIn,
    StageRead,
    SupplementDecisionIn,
    SupplementRead,
    TextIn,
)
from carecover.claims.service import assessment, desk, metrics, payouts, supplements
from carecover.claims.service.views import claim_read, desk_read, payout_read, supplement_read
from carecover.platform.auth.roles import Permission
from carecover.platform.auth.service import Principal
from carecover.platform.errors import NotFound
from carecover.platform.http.deps import DbSession, ReqInfo, actor_of, require

router = APIRouter(tags=["claims desk"])
Adjuster = Annotated[Principal, Depends(require(Permission.claims_handle))]


def _claim(session: DbSession, claim_id: uuid.UUID) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound()
    return claim


@router.get("/desk/claims", response_model=list[DeskClaimRead])
def desk_queue(
    session: DbSession,
    principal: Adjuster,
    info: ReqInfo,
    status: ClaimStatus | None = None,
    assigned: Annotated[str, Query(pattern="^(any|me|unassigned)$")] = "any",
    sla: Annotated[str, Query(pattern="^(any|breached|due_soon)$")] = "any",
    flag: Annotated[str | None, Query(max_length=40)] = None,
    review: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeskClaimRead]:
    """Claims waiting for a person, most urgent SLA first."""
    f = desk.QueueFilter(status, assigned, sla, flag, review, limit)
    rows = desk.queue(session, actor_of(principal, info), f)
    return [desk_read(c, info.language) for c in rows]


@router.post("/claims/{claim_id}/assign", response_model=DeskClaimRead)
def assign(
    session: DbSession, principal: Adjuster, info: ReqInfo, claim_id: uuid.UUID, body: AssignIn
) -> DeskClaimRead:
    claim = desk.assign(
        session, actor_of(principal, info), _claim(session, claim_id), body.adjuster_id
    )
    return desk_read(claim, info.language)


@router.post("/claims/{claim_id}/decisions", response_model=ClaimRead)
def decide(
    session: DbSession, principal: Adjuster, info: ReqInfo, claim_id: uuid.UUID, body: DecisionIn
) -> ClaimRead:
    """Approve, partly approve, reject (with a reason code) or ask for more photos. Audited and
    anchored; a cash approval creates the claim's one payout instruction."""
    decision = desk.Decision(
        DecisionKind(body.decision),
        body.amount_fen,
        body.reason,
        body.note,
        Settlement(body.settlement),
    )
    claim = desk.decide(session, actor_of(principal, info), _claim(session, claim_id), decision)
    return claim_read(session, claim, info.language)


@router.post("/claims/{claim_id}/notes", status_code=204)
def add_note(
    session: DbSession, principal: Adjuster, info: ReqInfo, claim_id: uuid.UUID, body: TextIn
) -> None:
    desk.add_note(session, actor_of(principal, info), _claim(session, claim_id), body.text)


@router.post("/claims/{claim_id}/review/resolve", response_model=ClaimRead)
def resolve_review(
    session: DbSession,
    principal: Adjuster,
    info: ReqInfo,
    claim_id: uuid.UUID,
    body: ReviewResolveIn,
) -> ClaimRead:
    claim = desk.resolve_review(
        session,
        actor_of(principal, info),
        _claim(session, claim_id),
        reopen=body.reopen,
        note=body.note,
    )
    return claim_read(session, claim, info.language)


@router.post("/claims/{claim_id}/payout", response_model=PayoutRead)
def request_payout(
    session: DbSession, principal: Adjuster, info: ReqInfo, claim_id: uuid.UUID
) -> PayoutRead:
    """The claim's payout instruction: created once, the same one on every later request."""
    claim = _claim(session, claim_id)
    payouts.instruct(session, actor_of(principal, info), claim)
    read = payout_read(session, claim)
    assert read is not None
    return read


@router.get("/claims/{claim_id}/supplement", response_model=SupplementRead)
def pending_supplement(
    session: DbSession, _principal: Adjuster, info: ReqInfo, claim_id: uuid.UUID
) -> SupplementRead:
    """The shop's counter-quote against the estimate, line by line."""
    claim = _claim(session, claim_id)
    counter, base = supplements.pending(session, claim), assessment.current(session, claim)
    if counter is None or base is None:
        raise NotFound()
    return supplement_read(base, counter, info.language)


@router.post("/claims/{claim_id}/supplement/decision", response_model=ClaimRead)
def decide_supplement(
    session: DbSession,
    principal: Adjuster,
    info: ReqInfo,
    claim_id: uuid.UUID,
    body: SupplementDecisionIn,
) -> ClaimRead:
    claim = _claim(session, claim_id)
    supplements.decide(session, actor_of(principal, info), claim, body.accepted)
    return claim_read(session, claim, info.language)


@router.get("/desk/metrics", response_model=MetricsRead)
def desk_metrics(
    session: DbSession, _principal: Adjuster, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> MetricsRead:
    """Fast-track rate, touchless rate, cycle time per stage and dispute rate."""
    m = metrics.compute(session, days=days)
    return MetricsRead(
        since=m.since,
        reported=m.reported,
        decided=m.decided,
        fast_tracked=m.fast_tracked,
        paid=m.paid,
        fast_track_rate=m.fast_track_rate,
        touchless_rate=m.touchless_rate,
        dispute_rate=m.dispute_rate,
        in_desk=m.in_desk,
        sla_breached=m.sla_breached,
        stages=[
            StageRead(stage=s.stage, count=s.count, p50_hours=s.p50_hours, p90_hours=s.p90_hours)
            for s in m.stages
        ],
    )
