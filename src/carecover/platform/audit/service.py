"""Writing audit entries, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from carecover.platform.audit.models import AuditEntry
from carecover.platform.context import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry; it commits or rolls back with the change it describes."""
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor_role=actor.role.value if actor.role else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        request_id=actor.request_id,
        source_ip=actor.source_ip,
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry
