"""Operations use cases: queue health, and retrying what gave up."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from carecover.operations import repository
from carecover.operations.errors import NotRetryable
from carecover.operations.schemas import QueueHealth
from carecover.platform import audit
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.errors import NotFound
from carecover.platform.events import MessageStatus, OutboxMessage
from carecover.platform.jobs import Job, JobStatus


def queue_health(session: Session) -> QueueHealth:
    return QueueHealth(
        messages=repository.message_counts(session),
        jobs=repository.job_counts(session),
        oldest_pending_message_at=repository.oldest_pending_message(session),
        oldest_queued_job_at=repository.oldest_queued_job(session),
    )


def retry_message(session: Session, actor: Actor, message_id: uuid.UUID) -> OutboxMessage:
    """Send a dead event round again; handlers that already ran keep their receipts."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    if message.status is not MessageStatus.dead:
        raise NotRetryable()
    previous_error = message.last_error
    message.status = MessageStatus.pending
    message.attempts = 0
    message.available_at = utc_now()
    message.locked_by = None
    message.locked_until = None
    session.flush()
    audit.record(
        session,
        actor,
        "operations.message_retried",
        object_type="outbox_message",
        object_id=message.id,
        details={"event_type": message.event_type, "last_error": (previous_error or "")[:200]},
    )
    return message


def retry_job(session: Session, actor: Actor, job_id: uuid.UUID) -> Job:
    """Queue a dead job again with a fresh attempt budget."""
    item = session.get(Job, job_id)
    if item is None:
        raise NotFound()
    if item.status is not JobStatus.dead:
        raise NotRetryable()
    previous_error = item.last_error
    item.status = JobStatus.queued
    item.attempts = 0
    item.run_at = utc_now()
    item.finished_at = None
    item.locked_by = None
    item.locked_until = None
    session.flush()
    audit.record(
        session,
        actor,
        "operations.job_retried",
        object_type="job",
        object_id=item.id,
        details={"name": item.name, "last_error": (previous_error or "")[:200]},
    )
    return item
