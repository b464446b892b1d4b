"""Builders for outbox messages and jobs in a given state."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.events import MessageStatus, OutboxMessage
from carecover.platform.jobs import Job, JobStatus


def make_dead_message(
    session: Session, *, event_type: str = "accounts.user_created"
) -> OutboxMessage:
    message = OutboxMessage(
        event_type=event_type,
        payload={},
        status=MessageStatus.dead,
        attempts=8,
        last_error="RuntimeError: partner API timed out",
    )
    session.add(message)
    session.flush()
    return message


def make_dead_job(session: Session, *, name: str = "events.prune_outbox") -> Job:
    item = Job(
        name=name,
        args={},
        status=JobStatus.dead,
        attempts=5,
        max_attempts=5,
        last_error="OperationalError: database is locked",
    )
    session.add(item)
    session.flush()
    return item
