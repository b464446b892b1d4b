"""A claim's timeline: every step as a ``ClaimEvent`` row (the owner's view and the audit trail).

Decisions, estimates and repair milestones are also anchored on the evidence log: ``record`` takes
the record kind and the content to commit to, and links the event to its evidence record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import EventKind
from carecover.claims.models import Claim, ClaimEvent
from carecover.evidence import service as evidence
from carecover.platform.audit import service as audit
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor


def record(
    session: Session,
    claim: Claim,
    kind: EventKind,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    *,
    internal: bool = False,
    anchor: evidence.RecordKind | None = None,
    audited: bool = False,
) -> ClaimEvent:
    """Append one timeline entry; ``anchor`` commits to it on the evidence log, ``audited``
    also writes the platform audit log (staff decisions)."""
    payload = dict(data or {})
    event = ClaimEvent(
        claim_id=claim.id,
        at=utc_now(),
        kind=kind,
        actor_id=actor.user_id,
        actor_role=actor.role.value if actor.role else None,
        data=payload,
        internal=internal,
    )
    session.add(event)
    if anchor is not None:
        content = {"claim_no": claim.claim_no, "event": kind.value, **payload}
        content["actor_role"] = event.actor_role or "system"
        rec = evidence.anchor(
            session,
            kind=anchor,
            subject_type="claim",
            subject_id=str(claim.id),
            content=content,
            party_id=claim.customer_id,
        )
        event.evidence_record_id = rec.id
    if audited:
        audit.record(
            session,
            actor,
            f"claim.{kind.value}",
            object_type="claim",
            object_id=claim.id,
            details=payload,
        )
    session.flush()
    return event


def events(session: Session, claim: Claim, *, internal: bool) -> Sequence[ClaimEvent]:
    """The claim's entries, oldest first; the owner's view leaves out staff-only ones."""
    query = select(ClaimEvent).where(ClaimEvent.claim_id == claim.id)
    if not internal:
        query = query.where(ClaimEvent.internal.is_(False))
    return session.scalars(query.order_by(ClaimEvent.at, ClaimEvent.id)).all()
