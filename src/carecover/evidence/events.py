"""Events the evidence log publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class LedgerAuditFailed(DomainEvent):
    """The self-audit found the stored log differing from its signed checkpoints."""

    event_type = "evidence.audit_failed"
    run_id: uuid.UUID
    size: int
    problem_code: str
