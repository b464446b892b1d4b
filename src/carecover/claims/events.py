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
