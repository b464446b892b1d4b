"""Who is acting, and from where: passed to every state-changing service call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from carecover.platform.auth.roles import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The principal behind a change, with the request it came from (for the audit log)."""

    user_id: uuid.UUID | None
    role: Role | None
    organisation_id: uuid.UUID | None = None
    request_id: str | None = None
    source_ip: str | None = None

    @classmethod
    def system(cls, request_id: str | None = None) -> Actor:
        """The platform itself (seed, scheduled jobs, CLI without a user)."""
        return cls(user_id=None, role=None, request_id=request_id)
