"""Declaring jobs and schedules, and enqueueing work inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cronsim import CronSim, CronSimError
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.jobs.models import Job

JobFunc = Callable[..., None]


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    func: JobFunc
    max_attempts: int
    cron: str | None


_JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, max_attempts: int = 5, cron: str | None = None
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func(session, **args)`` as job ``name``; with ``cron`` it also runs on schedule
    (five-field cron in UTC)."""
    if cron is not None:
        try:  # validate early: a bad expression fails when the module is imported
            CronSim(cron, utc_now())
        except CronSimError as exc:
            raise ValueError(f"bad cron expression {cron!r} for job {name!r}: {exc}") from exc

    def register(func: JobFunc) -> JobFunc:
        existing = _JOBS.get(name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"job {name!r} registered twice")
        _JOBS[name] = JobSpec(name=name, func=func, max_attempts=max_attempts, cron=cron)
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_JOBS)


def schedules() -> list[JobSpec]:
    return [spec for spec in _JOBS.values() if spec.cron]


def enqueue(
    session: Session,
    name: str,
    args: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> Job:
    """Queue job ``name``; it runs only if the surrounding transaction commits.

    With ``dedupe_key`` a second enqueue of the same key returns the first job instead.
    """
    spec = _JOBS.get(name)
    if spec is None:
        raise LookupError(f"unknown job {name!r}")
    if dedupe_key is not None:
        existing = session.scalars(select(Job).where(Job.dedupe_key == dedupe_key)).first()
        if existing is not None:
            return existing
    item = Job(
        name=name,
        args=args or {},
        run_at=run_at or utc_now(),
        max_attempts=spec.max_attempts,
        dedupe_key=dedupe_key,
    )
    session.add(item)
    session.flush()
    return item
