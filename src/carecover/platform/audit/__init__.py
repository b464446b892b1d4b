"""Append-only audit log: who did what to which object, when, from which request."""

from carecover.platform.audit.models import AuditEntry
from carecover.platform.audit.service import record

__all__ = ["AuditEntry", "record"]
