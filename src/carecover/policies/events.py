"""Events policies publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PolicyBound(DomainEvent):
    """A quote was accepted; cover starts at ``starts_at`` (packages follow from it)."""

    event_type = "policies.bound"
    policy_id: uuid.UUID
    vehicle_id: uuid.UUID
    kind: str
    product_code: str
    starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class PolicyCancelled(DomainEvent):
    """A policy ended early with a refund."""

    event_type = "policies.cancelled"
    policy_id: uuid.UUID
    vehicle_id: uuid.UUID
    refund_fen: int
