"""Running queued jobs and firing schedules; called in a loop by the worker."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from cronsim import CronSim
from sqlalchemy import select, update

from carecover.platform.clock import utc_now
from carecover.platform.db.session import Database
from carecover.platform.jobs.models import Job, JobStatus, ScheduleState
from carecover.platform.jobs.registry import enqueue, registered_jobs, schedules
from carecover.platform.leases import claim_rows

log = structlog.get_logger(__name__)


def next_slot(cron: str, after: datetime) -> datetime:
    """The first cron slot strictly after ``after`` (UTC)."""
    slot: datetime = next(CronSim(cron, after.replace(second=0, microsecond=0)))
    return slot


def fire_schedules(db: Database, *, now: datetime | None = None) -> int:
    """Enqueue each scheduled job whose slot has come; one worker wins each slot."""
    now = now or utc_now()
    fired = 0
    for spec in schedules():
        assert spec.cron is not None  # schedules() only returns specs with a cron
        with db.session() as session, session.begin():
            state = session.get(ScheduleState, spec.name)
            if state is None or state.cron != spec.cron:
                if state is None:
                    session.add(
                        ScheduleState(
                            name=spec.name, cron=spec.cron, next_run_at=next_slot(spec.cron, now)
                        )
                    )
                else:
                    state.cron = spec.cron
                    state.next_run_at = next_slot(spec.cron, now)
                continue
            if state.next_run_at > now:
                continue
            slot = state.next_run_at
            won = session.execute(
                update(ScheduleState)
                .where(ScheduleState.name == spec.name, ScheduleState.next_run_at == slot)
                .values(next_run_at=next_slot(spec.cron, now))
            )
            if getattr(won, "rowcount", 0) != 1:
                continue
            enqueue(session, spec.name, {}, dedupe_key=f"{spec.name}@{slot.isoformat()}")
            fired += 1
    return fired


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2**attempts))


def run_due_jobs(
    db: Database, *, worker_id: str, batch_size: int = 20, lease_seconds: int = 300
) -> int:
    """Run up to ``batch_size`` due jobs; returns how many succeeded."""
    now = utc_now()
    with db.session() as session, session.begin():
        ids = claim_rows(
            session,
            Job,
            due=(Job.status.in_([JobStatus.queued, JobStatus.running])) & (Job.run_at <= now),
            order_by=Job.run_at,
            worker_id=worker_id,
            now=now,
            lease_seconds=lease_seconds,
            limit=batch_size,
            extra_values={"status": JobStatus.running},
        )
    return sum(1 for job_id in ids if run_job(db, job_id, worker_id))


def run_job(db: Database, job_id: uuid.UUID, worker_id: str) -> bool:
    """Run one leased job; its effects and its 'succeeded' status commit together."""
    specs = registered_jobs()
    error: str | None = None
    with db.session() as session:
        try:
            with session.begin():
                item = session.scalars(
                    select(Job).where(Job.id == job_id, Job.locked_by == worker_id)
                ).first()
                if item is None:
                    return False
                spec = specs.get(item.name)
                if spec is None:
                    raise LookupError(f"no job named {item.name!r} is registered")
                spec.func(session, **item.args)
                item.status = JobStatus.succeeded
                item.attempts += 1
                item.finished_at = utc_now()
                item.locked_by = None
                item.locked_until = None
                item.last_error = None
            return True
        except Exception as exc:  # noqa: BLE001 - a failing job must not stop the worker
            log.warning("job_failed", job_id=str(job_id), error_type=type(exc).__name__)
            error = f"{type(exc).__name__}: {exc}"
    with db.session() as session, session.begin():
        item = session.get(Job, job_id)
        if item is None:
            return False
        item.attempts += 1
        item.last_error = error[:2000]
        item.locked_by = None
        item.locked_until = None
        if item.attempts >= item.max_attempts:
            item.status = JobStatus.dead
            item.finished_at = utc_now()
        else:
            item.status = JobStatus.queued
            item.run_at = utc_now() + backoff(item.attempts)
    return False
