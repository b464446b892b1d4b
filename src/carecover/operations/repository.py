"""Queries over the audit log, the outbox and the job queue (SELECTs only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.audit import AuditEntry
from carecover.platform.db.paging import fetch_page
from carecover.platform.events import MessageStatus, OutboxMessage
from carecover.platform.jobs import Job, JobStatus


def list_audit(
    session: Session,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AuditEntry], int]:
    """Newest first; ``action`` matches a prefix (``accounts.`` finds every accounts action)."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return fetch_page(session, query.order_by(AuditEntry.id.desc()), limit=limit, offset=offset)


def list_jobs(
    session: Session, *, status: JobStatus | None, limit: int, offset: int
) -> tuple[Sequence[Job], int]:
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    return fetch_page(
        session, query.order_by(Job.created_at.desc(), Job.id), limit=limit, offset=offset
    )


def list_messages(
    session: Session, *, status: MessageStatus | None, limit: int, offset: int
) -> tuple[Sequence[OutboxMessage], int]:
    query = select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return fetch_page(
        session, query.order_by(OutboxMessage.occurred_at.desc()), limit=limit, offset=offset
    )


def message_counts(session: Session) -> dict[MessageStatus, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status: 0 for status in MessageStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


def job_counts(session: Session) -> dict[JobStatus, int]:
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    counts = {status: 0 for status in JobStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


def oldest_pending_message(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(OutboxMessage.occurred_at)).where(
            OutboxMessage.status == MessageStatus.pending
        )
    )


def oldest_queued_job(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Job.run_at)).where(Job.status == JobStatus.queued))
