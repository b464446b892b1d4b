"""Supplements: a shop's counter-quote against the claim's estimate, decided line by line.

The shop prices what it found with the same guided assessment; the adjuster sees the diff
(added, removed, changed lines) and accepts or rejects each line. The agreed estimate becomes the
claim's estimate, and the approved amount moves by the agreed change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.claims.enums import EstimateKind, EstimateStatus, EventKind, RepairStatus
from carecover.claims.errors import ClaimConflict
from carecover.claims.models import Claim, ClaimEstimate
from carecover.claims.service import assessment, desk, repair, timeline
from carecover.claims.service import estimate as est
from carecover.claims.service.catalogue import CarPart, Operation
from carecover.evidence import service as evidence
from carecover.platform.context import Actor
from carecover.platform.errors import FieldProblem, InvalidFields


def pending(session: Session, claim: Claim) -> ClaimEstimate | None:
    return session.scalars(
        select(ClaimEstimate).where(
            ClaimEstimate.claim_id == claim.id,
            ClaimEstimate.kind == EstimateKind.counter,
            ClaimEstimate.status == EstimateStatus.proposed,
        )
    ).first()


def propose(
    session: Session,
    actor: Actor,
    order_id: uuid.UUID,
    raw_items: Sequence[Mapping[str, Any]],
) -> ClaimEstimate:
    """The shop's counter-quote for the whole job (what it found on disassembly)."""
    order, claim = repair._shop_order(session, actor, order_id)
    if order.status not in (RepairStatus.accepted, RepairStatus.in_repair):
        raise ClaimConflict("order_not_in_repair", status=order.status.value)
    if pending(session, claim) is not None:
        raise ClaimConflict("supplement_pending")
    base = assessment.current(session, claim)
    if base is None:
        raise ClaimConflict("not_assessed")
    items = assessment.parse_items(raw_items)
    priced = assessment.price(session, claim, items)
    row = assessment.store(
        session,
        claim,
        actor,
        priced,
        items,
        kind=EstimateKind.counter,
        status=EstimateStatus.proposed,
        partner_id=order.partner_id,
    )
    change = est.diff(assessment.estimate_of(base), priced)
    timeline.record(
        session,
        claim,
        EventKind.supplement_proposed,
        actor,
        {
            "order_no": order.order_no,
            "estimate_seq": row.seq,
            "delta_fen": change.delta_fen,
            "added": len(change.added),
            "removed": len(change.removed),
            "changed": len(change.changed),
        },
    )
    return row


def parse_keys(raw: Iterable[str]) -> set[est.LineKey]:
    """Accepted lines as "part/operation" strings."""
    keys: set[est.LineKey] = set()
    for n, text in enumerate(raw):
        part, _, op = str(text).partition("/")
        try:
            keys.add((CarPart(part), Operation(op)))
        except ValueError:
            raise InvalidFields(
                FieldProblem(f"accepted.{n}", "estimate.unknown_line_key")
            ) from None
    return keys


def decide(session: Session, actor: Actor, claim: Claim, accepted: Iterable[str]) -> ClaimEstimate:
    """Accept the listed counter-quote lines (others keep the estimate's line); the agreed
    estimate becomes current and the approved amount moves by the agreed change."""
    desk.require_adjuster(actor)
    counter = pending(session, claim)
    base_row = assessment.current(session, claim)
    if counter is None or base_row is None:
        raise ClaimConflict("no_supplement_pending")
    base, offer = assessment.estimate_of(base_row), assessment.estimate_of(counter)
    keys = parse_keys(accepted)
    try:
        agreed = est.apply_decisions(base, offer, keys)
    except est.EstimateInputError as exc:
        raise InvalidFields(FieldProblem("accepted", exc.code, dict(exc.params))) from exc
    items = [est.DamageItem(**i) for i in counter.items]  # what the shop found
    row = assessment.store(
        session,
        claim,
        actor,
        agreed,
        items,
        kind=EstimateKind.agreed,
        status=EstimateStatus.superseded,
    )
    counter.status = EstimateStatus.decided
    delta = agreed.total_fen - base.total_fen
    assessment.make_current(session, claim, row)
    claim.approved_fen = max(0, (claim.approved_fen or 0) + delta)
    timeline.record(
        session,
        claim,
        EventKind.supplement_decided,
        actor,
        {
            "estimate_seq": row.seq,
            "accepted": sorted(f"{p}/{o}" for p, o in keys),
            "delta_fen": delta,
            "approved_fen": claim.approved_fen,
        },
        anchor=evidence.RecordKind.claim_decision,
        audited=True,
    )
    return row
