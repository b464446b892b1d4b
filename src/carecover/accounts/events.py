"""Events accounts publishes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class UserCreated(DomainEvent):
    """A new account exists (the welcome notification follows from it)."""

    event_type = "accounts.user_created"
    user_id: uuid.UUID
    role: str
    organisation_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class OrganisationCreated(DomainEvent):
    """A partner or insurer organisation was registered."""

    event_type = "accounts.organisation_created"
    organisation_id: uuid.UUID
    kind: str
