"""Reactions to events, run by the worker after commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.accounts.events import UserCreated
from carecover.accounts.models import Notification
from carecover.evidence.events import LedgerAuditFailed
from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.events import subscribe


@subscribe(UserCreated)
def send_welcome(session: Session, event: UserCreated) -> None:
    """Greet every new user in their inbox (once, whatever the redelivery)."""
    user = session.get(User, event.user_id)
    if user is None:
        return
    exists = session.scalars(
        select(Notification).where(
            Notification.user_id == user.id, Notification.message_key == "notice.welcome"
        )
    ).first()
    if exists is None:
        session.add(Notification(user_id=user.id, message_key="notice.welcome", params={}))


@subscribe(LedgerAuditFailed)
def alarm_on_ledger_audit(session: Session, event: LedgerAuditFailed) -> None:
    """A failed self-audit reaches every active admin and auditor's inbox."""
    users = session.scalars(
        select(User).where(User.role.in_([Role.admin, Role.auditor]), User.is_active.is_(True))
    )
    for user in users:
        session.add(
            Notification(
                user_id=user.id,
                message_key="notice.evidence_audit_failed",
                params={"size": event.size, "problem": event.problem_code},
            )
        )
