"""The job queue table and per-schedule state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carecover.platform.clock import utc_now
from carecover.platform.db import Base, IdMixin, JSONType, UTCDateTime


class JobStatus(StrEnum):
    """A job's place in its life."""

    queued = "queued"
    """Waiting for ``run_at`` and a free worker (also after a failed attempt)."""
    running = "running"
    """Leased by a worker until ``locked_until``; a crashed worker's lease expires."""
    succeeded = "succeeded"
    """Done; its effects committed in the same transaction as this status."""
    dead = "dead"
    """Failed ``max_attempts`` times; needs a person."""


class Job(IdMixin, Base):
    """One unit of background work."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    name: Mapped[str] = mapped_column(String(120), nullable=False)
    args: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=20), default=JobStatus.queued, nullable=False
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5, nullable=False)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ScheduleState(Base):
    """When a scheduled job is next due; advanced with a compare-and-set so one worker wins."""

    __tablename__ = "schedule_states"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    cron: Mapped[str] = mapped_column(String(120), nullable=False)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
