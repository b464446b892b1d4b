"""The worker loop: fire schedules, dispatch the outbox, run jobs — until told to stop."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass

import structlog

from carecover.platform.config import Settings
from carecover.platform.db.session import Database
from carecover.platform.events.dispatcher import dispatch_batch
from carecover.platform.jobs.runner import fire_schedules, run_due_jobs

log = structlog.get_logger(__name__)


def make_worker_id(suffix: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}{suffix}"[:80]


@dataclass
class TickResult:
    scheduled: int
    dispatched: int
    jobs: int

    @property
    def busy(self) -> bool:
        return bool(self.scheduled or self.dispatched or self.jobs)


def tick(db: Database, settings: Settings, worker_id: str) -> TickResult:
    """One pass over all three queues."""
    return TickResult(
        scheduled=fire_schedules(db),
        dispatched=dispatch_batch(db, worker_id=worker_id, batch_size=settings.worker_batch_size),
        jobs=run_due_jobs(
            db,
            worker_id=worker_id,
            batch_size=settings.worker_batch_size,
            lease_seconds=settings.job_lease_seconds,
        ),
    )


def run_forever(
    db: Database, settings: Settings, stop: threading.Event, worker_id: str | None = None
) -> None:
    """Loop until ``stop`` is set; sleeps only when a pass found nothing to do."""
    wid = worker_id or make_worker_id()
    log.info("worker_started", worker_id=wid)
    while not stop.is_set():
        try:
            result = tick(db, settings, wid)
        except Exception:
            log.exception("worker_tick_failed")
            stop.wait(settings.worker_poll_seconds * 5)
            continue
        if not result.busy:
            stop.wait(settings.worker_poll_seconds)
    log.info("worker_stopped", worker_id=wid)
