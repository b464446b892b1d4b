"""The adjuster desk: the queue with filters and SLA timers, assignment, decisions, notes, and
the owner's request for a human review.

Decisions move the claim with one guarded UPDATE (``WHERE status IN (...)``), so of many
concurrent decisions exactly one applies and the rest get a conflict; the payout row is unique
per claim besides. Every decision is written to the audit log and anchored on the evidence log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from carecover.claims.enums import ClaimStatus, DecisionKind, EventKind, Settlement
from carecover.claims.errors import ClaimConflict
from carecover.claims.events import ClaimDecided
from carecover.claims.models import Claim
from carecover.claims.service import fast_track, payouts, timeline
from carecover.customers import repository as customers
from carecover.evidence import service as evidence
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Permission, Role, has_permission
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, Forbidden, InvalidFields
from carecover.platform.events import publish

DESK_STATUSES = (ClaimStatus.adjuster_review, ClaimStatus.more_photos_requested)
DECIDABLE = DESK_STATUSES
REJECT_REASONS = frozenset(
    {"not_covered", "excluded_cause", "fraud_suspected", "duplicate", "below_deductible", "other"}
)
DUE_SOON = timedelta(hours=2)
_STATUS_AFTER = {
    DecisionKind.approve: ClaimStatus.approved,
    DecisionKind.partial: ClaimStatus.partially_approved,
    DecisionKind.reject: ClaimStatus.rejected,
    DecisionKind.request_photos: ClaimStatus.more_photos_requested,
}


def require_adjuster(actor: Actor) -> None:
    if actor.role is None or not has_permission(actor.role, Permission.claims_handle):
        raise Forbidden()


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: ClaimStatus | None = None
    assigned: str = "any"
    """any, me, unassigned."""
    sla: str = "any"
    """any, breached, due_soon."""
    flag: str | None = None
    review: bool = False
    """Only claims whose owner asked for a human review."""
    limit: int = 100


def _queue_query(actor: Actor, f: QueueFilter, now: datetime) -> Select[Claim]:
    pending_review = Claim.review_requested_at.is_not(None) & Claim.reviewed_at.is_(None)
    in_desk = or_(Claim.status.in_(DESK_STATUSES), pending_review)
    query = select(Claim).where(in_desk)
    if f.status is not None:
        query = query.where(Claim.status == f.status)
    if f.assigned == "me":
        query = query.where(Claim.assigned_to == actor.user_id)
    elif f.assigned == "unassigned":
        query = query.where(Claim.assigned_to.is_(None))
    if f.sla == "breached":
        query = query.where(Claim.sla_due_at < now)
    elif f.sla == "due_soon":
        query = query.where(Claim.sla_due_at >= now, Claim.sla_due_at < now + DUE_SOON)
    if f.review:
        query = query.where(pending_review)
    return query.order_by(Claim.sla_due_at.is_(None), Claim.sla_due_at, Claim.reported_at)


def queue(session: Session, actor: Actor, f: QueueFilter) -> list[Claim]:
    """Claims waiting for an adjuster, most urgent first (flag filter applied in Python: flags
    are JSON, the same on both databases)."""
    require_adjuster(actor)
    rows = session.scalars(_queue_query(actor, f, utc_now()).limit(f.limit * 4)).all()
    if f.flag:
        rows = [c for c in rows if any(r.get("code") == f.flag for r in [*c.reasons, *c.flags])]
    return list(rows[: f.limit])


def waiting(claim: Claim) -> bool:
    """On the desk: referred, waiting for photos, or with an unanswered review request."""
    review = claim.review_requested_at is not None and claim.reviewed_at is None
    return claim.status in DESK_STATUSES or review


def sla_state(claim: Claim, now: datetime | None = None) -> str:
    """ok, due_soon, breached or none (not waiting on the desk)."""
    if claim.sla_due_at is None or not waiting(claim):
        return "none"
    now = now or utc_now()
    due = ensure_utc(claim.sla_due_at)
    if due < now:
        return "breached"
    return "due_soon" if due < now + DUE_SOON else "ok"


def assign(
    session: Session, actor: Actor, claim: Claim, adjuster_id: uuid.UUID | None = None
) -> Claim:
    require_adjuster(actor)
    target = adjuster_id or actor.user_id
    user = session.get(User, target) if target else None
    if user is None or not has_permission(user.role, Permission.claims_handle):
        raise InvalidFields(FieldProblem("adjuster_id", "claim.not_an_adjuster"))
    claim.assigned_to = user.id
    timeline.record(
        session,
        claim,
        EventKind.assigned,
        actor,
        {"adjuster": str(user.id)},
        internal=True,
        audited=True,
    )
    return claim


def add_note(session: Session, actor: Actor, claim: Claim, text: str) -> None:
    require_adjuster(actor)
    text = text.strip()
    if not text or len(text) > 2000:
        raise InvalidFields(FieldProblem("note", "claim.note_length"))
    timeline.record(session, claim, EventKind.note, actor, {"text": text}, internal=True)


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    amount_fen: int | None = None
    reason: str | None = None
    note: str | None = None
    settlement: Settlement = Settlement.cash


def _checked(session: Session, claim: Claim, d: Decision) -> int | None:
    """The approved amount for the decision (never above the estimate less the deductible),
    or a field problem."""
    if d.amount_fen is not None and (type(d.amount_fen) is not int or d.amount_fen <= 0):
        raise InvalidFields(FieldProblem("amount_fen", "claim.amount_positive_integer"))
    if d.kind in (DecisionKind.approve, DecisionKind.partial):
        if claim.estimate_fen is None:
            raise ClaimConflict("not_assessed")
        payable = max(0, claim.estimate_fen - fast_track.deductible_fen(session, claim))
        if payable == 0:
            raise ClaimConflict("below_deductible")
        if d.kind is DecisionKind.approve:
            if d.amount_fen is not None and d.amount_fen != payable:
                raise InvalidFields(
                    FieldProblem("amount_fen", "claim.approve_amount", {"payable": payable})
                )
            return payable
        if d.amount_fen is None or d.amount_fen >= payable:
            raise InvalidFields(
                FieldProblem("amount_fen", "claim.partial_amount", {"max": payable})
            )
        return d.amount_fen
    if d.kind is DecisionKind.reject and d.reason not in REJECT_REASONS:
        raise InvalidFields(FieldProblem("reason", "claim.reject_reason"))
    if d.kind is DecisionKind.request_photos and not (d.note or "").strip():
        raise InvalidFields(FieldProblem("note", "claim.photos_what"))
    return None


def decide(session: Session, actor: Actor, claim: Claim, d: Decision) -> Claim:
    """Apply an adjuster's decision; exactly one of many concurrent decisions wins."""
    require_adjuster(actor)
    amount = _checked(session, claim, d)
    now = utc_now()
    after = _STATUS_AFTER[d.kind]
    final = d.kind is not DecisionKind.request_photos
    values: dict[str, object] = {"status": after}
    if final:
        values |= {"decided_at": now, "approved_fen": amount, "fast_track": False}
        values["settlement"] = d.settlement if amount else None
    result = session.execute(
        update(Claim)
        .where(Claim.id == claim.id, Claim.status.in_(DECIDABLE))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise ClaimConflict("already_decided")
    session.refresh(claim)
    reasons = [{"code": f"decision.{d.kind.value}"}] + (
        [{"code": f"reject.{d.reason}"}] if d.reason else []
    )
    if final:
        claim.reasons = reasons
        claim.sla_due_at = None
    settlement = values.get("settlement")
    data: dict[str, object] = {"decision": d.kind.value, "amount_fen": amount}
    data |= {"reason": d.reason, "note": d.note, "settlement": settlement}
    timeline.record(
        session,
        claim,
        EventKind.decided,
        actor,
        {k: (v.value if isinstance(v, Settlement) else v) for k, v in data.items()},
        anchor=evidence.RecordKind.claim_decision,
        audited=True,
    )
    if final and amount and d.settlement is Settlement.cash:
        payouts.instruct(session, actor, claim)
    publish(session, ClaimDecided(claim_id=claim.id, status=after.value, fast_track=False))
    return claim


def request_review(session: Session, actor: Actor, claim: Claim, text: str) -> Claim:
    """The owner asks a person to look at the decision (PIPL Art. 24); once per claim."""
    owner = customers.get_by_user(session, actor.user_id) if actor.user_id else None
    if actor.role is not Role.owner or owner is None or owner.id != claim.customer_id:
        raise Forbidden()
    if claim.review_requested_at is not None:
        raise ClaimConflict("review_already_requested")
    if claim.status is ClaimStatus.reported:
        raise ClaimConflict("nothing_to_review")
    text = text.strip()
    if len(text) > 1000:
        raise InvalidFields(FieldProblem("text", "claim.note_length"))
    now = utc_now()
    claim.review_requested_at = now
    claim.disputed = True
    if claim.sla_due_at is None:
        claim.sla_due_at = now + timedelta(hours=24)
    timeline.record(
        session,
        claim,
        EventKind.review_requested,
        actor,
        {"text": text},
        anchor=evidence.RecordKind.claim_decision,
        audited=True,
    )
    return claim


REOPENABLE = (ClaimStatus.rejected, ClaimStatus.partially_approved)


def resolve_review(
    session: Session, actor: Actor, claim: Claim, *, reopen: bool, note: str
) -> Claim:
    """A person answers the owner's review request: uphold the decision, or reopen a rejected or
    partly approved claim for a new decision (a paid claim can only be upheld here)."""
    require_adjuster(actor)
    if claim.review_requested_at is None or claim.reviewed_at is not None:
        raise ClaimConflict("no_review_pending")
    if not note.strip():
        raise InvalidFields(FieldProblem("note", "claim.review_note"))
    if reopen and claim.status not in REOPENABLE:
        raise ClaimConflict("cannot_reopen", status=claim.status.value)
    now = utc_now()
    claim.reviewed_at = now
    claim.sla_due_at = None
    if reopen:
        claim.status = ClaimStatus.adjuster_review
        claim.sla_due_at = now + timedelta(hours=24)
        claim.decided_at = None
    timeline.record(
        session,
        claim,
        EventKind.decided,
        actor,
        {"review": "reopened" if reopen else "upheld", "note": note.strip()},
        anchor=evidence.RecordKind.claim_decision,
        audited=True,
    )
    return claim
