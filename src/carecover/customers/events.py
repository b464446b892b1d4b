"""Events customers publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CustomerRegistered(DomainEvent):
    """A new customer record exists."""

    event_type = "customers.registered"
    customer_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class ConsentChanged(DomainEvent):
    """A consent was granted or withdrawn (downstream processing must follow it)."""

    event_type = "customers.consent_changed"
    customer_id: uuid.UUID
    purpose: str
    granted: bool
