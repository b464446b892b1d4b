"""Read models for the audit trail and the work queues."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from carecover.platform.events import MessageStatus
from carecover.platform.jobs import JobStatus


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    object_type: str
    object_id: str | None
    request_id: str | None
    source_ip: str | None
    details: dict[str, Any]


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_type: str
    status: MessageStatus
    attempts: int
    occurred_at: datetime
    available_at: datetime
    dispatched_at: datetime | None
    last_error: str | None


class QueueHealth(BaseModel):
    """Counts by status; anything dead needs a person."""

    messages: dict[MessageStatus, int]
    jobs: dict[JobStatus, int]
    oldest_pending_message_at: datetime | None
    oldest_queued_job_at: datetime | None
