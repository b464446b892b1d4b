"""The worker loop: fire schedules, dispatch the outbox, run jobs — until told to stop."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from carecover.platform.config import Settings
from carecover.platform.db.session import Database
from carecover.platform.events.dispatcher import dispatch_batch
from carecover.platform.jobs.runner import fire_schedules, run_due_jobs

log = structlog.get_logger(__name__)


TickHook = Callable[[Database, Settings], int]
_TICK_HOOKS: dict[str, TickHook] = {}


def tick_hook(name: str) -> Callable[[TickHook], TickHook]:
    """Register ``func(db, settings) -> items done`` to run on every worker pass (a domain's
    low-latency queue, such as sequencing the evidence log)."""

    def register(func: TickHook) -> TickHook:
        _TICK_HOOKS[name] = func
        return func

    return register


def run_tick_hooks(db: Database, settings: Settings) -> int:
    done = 0
    for name, func in sorted(_TICK_HOOKS.items()):
        try:
            done += func(db, settings)
        except Exception:
            log.exception("worker_hook_failed", hook=name)
    return done


def make_worker_id(suffix: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}{suffix}"[:80]


@dataclass
class TickResult:
    scheduled: int
    dispatched: int
    jobs: int
    hooks: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.scheduled or self.dispatched or self.jobs or self.hooks)


def tick(db: Database, settings: Settings, worker_id: str) -> TickResult:
    """One pass over all queues: schedules, outbox, jobs and the registered hooks."""
    return TickResult(
        hooks=run_tick_hooks(db, settings),
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
