"""Reactions to claim events, run by the worker after commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.claims.events import ClaimDecided, PayoutInstructed, RepairMilestonePosted
from carecover.claims.models import Claim
from carecover.claims.service import payouts
from carecover.platform.events import subscribe


@subscribe(PayoutInstructed)
def send_payout(session: Session, event: PayoutInstructed) -> None:
    """Hand the instruction to the payment port (it deduplicates by the payout's key)."""
    payouts.send(session, event.payout_id)


def _tell_owner(session: Session, claim: Claim, key: str, **params: object) -> None:
    session.add(
        Notification(
            user_id=claim.reported_by,
            message_key=key,
            params={"claim_no": claim.claim_no, **params},
        )
    )


@subscribe(ClaimDecided)
def tell_owner_decision(session: Session, event: ClaimDecided) -> None:
    claim = session.get(Claim, event.claim_id)
    if claim is not None:
        _tell_owner(session, claim, f"notice.claim.{event.status}")


@subscribe(RepairMilestonePosted)
def tell_owner_milestone(session: Session, event: RepairMilestonePosted) -> None:
    claim = session.get(Claim, event.claim_id)
    if claim is not None:
        _tell_owner(session, claim, f"notice.repair.{event.milestone}")
