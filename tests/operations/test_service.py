"""Retrying what gave up, with an audit entry; refusing what did not."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.operations import service
from carecover.operations.errors import NotRetryable
from carecover.platform.audit import AuditEntry
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import NotFound
from carecover.platform.events import MessageStatus
from carecover.platform.jobs import JobStatus
from tests.factories.operations import make_dead_job, make_dead_message

ADMIN = Actor(uuid.UUID(int=1), Role.admin, None, "req-ops", "10.0.0.1")


def test_dead_message_goes_back_to_pending_and_is_audited(session: Session) -> None:
    message = make_dead_message(session)
    service.retry_message(session, ADMIN, message.id)
    assert message.status is MessageStatus.pending
    assert message.attempts == 0
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "operations.message_retried")
    ).one()
    assert entry.object_id == str(message.id)
    assert entry.request_id == "req-ops"
    assert entry.details["last_error"] == "RuntimeError: partner API timed out"
    with pytest.raises(NotRetryable):
        service.retry_message(session, ADMIN, message.id)


def test_dead_job_is_queued_again(session: Session) -> None:
    item = make_dead_job(session)
    service.retry_job(session, ADMIN, item.id)
    assert item.status is JobStatus.queued
    assert item.attempts == 0
    assert item.finished_at is None
    with pytest.raises(NotFound):
        service.retry_job(session, ADMIN, uuid.uuid4())


def test_queue_health_counts_every_status(session: Session) -> None:
    make_dead_message(session)
    make_dead_job(session)
    health = service.queue_health(session)
    assert health.messages[MessageStatus.dead] >= 1
    assert health.jobs[JobStatus.dead] >= 1
    assert set(health.jobs) == set(JobStatus)
