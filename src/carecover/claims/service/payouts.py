"""Claim payouts: one instruction per claim, however many approvals or requests race.

``instruct`` runs inside the deciding transaction. The row is unique per claim and per
idempotency key (``claim:<id>``): a second request returns the first payout; a concurrent one
loses the insert race and reads the winner. After commit, ``send`` (an outbox handler) passes the
instruction to the payment port, which deduplicates by the same key, then marks the claim paid.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carecover.accounting import service as journal
from carecover.accounting.enums import EntryKind, PartyType
from carecover.claims.enums import ClaimStatus, EventKind, PayoutStatus, Settlement
from carecover.claims.errors import ClaimConflict
from carecover.claims.events import PayoutInstructed
from carecover.claims.models import Claim, Payout
from carecover.claims.service import timeline
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.events import publish
from carecover.platform.payments import PaymentInstruction, PaymentRefused, payment_port

PAYABLE = (ClaimStatus.fast_tracked, ClaimStatus.approved, ClaimStatus.partially_approved)


def key_for(claim_id: uuid.UUID) -> str:
    return f"claim:{claim_id}"


def of_claim(session: Session, claim_id: uuid.UUID) -> Payout | None:
    return session.scalars(select(Payout).where(Payout.claim_id == claim_id)).first()


def instruct(
    session: Session,
    actor: Actor,
    claim: Claim,
    *,
    partner_id: uuid.UUID | None = None,
) -> tuple[Payout, bool]:
    """The claim's payout (created on the first call): to the owner for cash settlement, to
    ``partner_id`` (the repairing shop) for repair settlement. Returns (payout, created)."""
    found = of_claim(session, claim.id)
    if found is not None:
        return found, False
    if claim.status not in PAYABLE or not claim.approved_fen:
        raise ClaimConflict("not_payable", status=claim.status.value)
    if claim.settlement is Settlement.repair and partner_id is None:
        raise ClaimConflict("repair_not_delivered")
    payout = Payout(
        claim_id=claim.id,
        idempotency_key=key_for(claim.id),
        amount_fen=claim.approved_fen,
        payee_customer_id=None if partner_id else claim.customer_id,
        payee_partner_id=partner_id,
        status=PayoutStatus.instructed,
        instructed_at=utc_now(),
    )
    try:
        with session.begin_nested():
            session.add(payout)
            session.flush()
    except IntegrityError:  # a concurrent request inserted it first
        winner = of_claim(session, claim.id)
        if winner is None:
            raise
        return winner, False
    timeline.record(
        session,
        claim,
        EventKind.payout_instructed,
        actor,
        {"amount_fen": payout.amount_fen, "payee": "partner" if partner_id else "owner"},
        audited=actor.user_id is not None,
    )
    publish(session, PayoutInstructed(payout_id=payout.id, claim_id=claim.id))
    return payout, True


def send(session: Session, payout_id: uuid.UUID) -> Payout | None:
    """Send an instructed payout through the payment port and mark the claim paid (idempotent)."""
    payout = session.get(Payout, payout_id)
    if payout is None or payout.status is not PayoutStatus.instructed:
        return payout
    claim = session.get(Claim, payout.claim_id)
    if claim is None:  # pragma: no cover - RESTRICT foreign key
        return payout
    payee = payout.payee_partner_id or payout.payee_customer_id
    assert payee is not None
    instruction = PaymentInstruction(
        idempotency_key=payout.idempotency_key,
        amount_fen=payout.amount_fen,
        payee_type="partner" if payout.payee_partner_id else "customer",
        payee_id=payee,
        purpose=f"claim:{claim.claim_no}",
    )
    try:
        receipt = payment_port().send(instruction)
    except PaymentRefused as exc:
        payout.status = PayoutStatus.failed
        timeline.record(
            session,
            claim,
            EventKind.note,
            Actor.system(),
            {"payout_failed": exc.code},
            internal=True,
        )
        return payout
    payout.status, payout.paid_at, payout.provider_ref = (
        PayoutStatus.paid,
        receipt.settled_at,
        receipt.provider_ref,
    )
    claim.paid_at = receipt.settled_at
    _post_to_journal(session, payout, payee)
    if claim.status in PAYABLE:
        claim.status = ClaimStatus.paid
    timeline.record(
        session,
        claim,
        EventKind.paid,
        Actor.system(),
        {"amount_fen": payout.amount_fen, "provider_ref": receipt.provider_ref},
    )
    return payout


def _post_to_journal(session: Session, payout: Payout, payee: uuid.UUID) -> None:
    """The money left: claims expense (debit) against cash at bank (credit), once per payout."""
    party = PartyType.partner if payout.payee_partner_id else PartyType.customer
    journal.post(
        session,
        Actor.system(),
        kind=EntryKind.claim_payout,
        reference=f"claim-payout:{payout.id}",
        lines=[
            journal.LineIn("6511", payout.amount_fen, party, payee, service_line="claims"),
            journal.LineIn("1002", -payout.amount_fen, party, payee, service_line="claims"),
        ],
        memo=payout.idempotency_key,
        at=payout.paid_at,
    )
