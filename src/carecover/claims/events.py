"""Events the claims domain publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ClaimReported(DomainEvent):
    """A first notice of loss was filed (photos checked and stored)."""

    event_type = "claims.reported"
    claim_id: uuid.UUID
    claim_no: str


@dataclass(frozen=True, kw_only=True)
class PayoutInstructed(DomainEvent):
    """A claim's payout instruction exists; the worker sends it through the payment port."""

    event_type = "claims.payout_instructed"
    payout_id: uuid.UUID
    claim_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ClaimDecided(DomainEvent):
    """A claim was decided (automatically or by an adjuster); the owner is told."""

    event_type = "claims.decided"
    claim_id: uuid.UUID
    status: str
    fast_track: bool


@dataclass(frozen=True, kw_only=True)
class RepairMilestonePosted(DomainEvent):
    """A shop posted a repair milestone; the owner is told."""

    event_type = "claims.repair_milestone"
    claim_id: uuid.UUID
    milestone: str
