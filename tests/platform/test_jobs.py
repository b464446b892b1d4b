"""Jobs: enqueued with the transaction, run once, retried, deduplicated, scheduled once per slot."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from carecover.platform.audit import AuditEntry, record
from carecover.platform.clock import utc_now
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.jobs import Job, JobStatus, ScheduleState, enqueue, job
from carecover.platform.jobs.runner import fire_schedules, next_slot, run_due_jobs

ATTEMPTS: dict[str, int] = {}


@job("tests.mark", max_attempts=3)
def mark(session: Session, *, ref: str) -> None:
    record(session, Actor.system(), "tests.marked", object_type="ref", object_id=ref)


@job("tests.fragile", max_attempts=3)
def fragile(session: Session, *, ref: str, fail_times: int) -> None:
    ATTEMPTS[ref] = ATTEMPTS.get(ref, 0) + 1
    record(session, Actor.system(), "tests.fragile_effect", object_type="ref", object_id=ref)
    if ATTEMPTS[ref] <= fail_times:
        raise RuntimeError("not yet")


@job("tests.nightly", cron="0 2 * * *")
def nightly(session: Session) -> None:
    record(session, Actor.system(), "tests.nightly_ran", object_type="schedule")


def marked(db: Database, action: str, ref: str | None = None) -> int:
    with db.session() as s:
        q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        if ref is not None:
            q = q.where(AuditEntry.object_id == ref)
        return int(s.scalar(q) or 0)


def test_unknown_job_name_is_refused(session: Session) -> None:
    with pytest.raises(LookupError, match="unknown job"):
        enqueue(session, "tests.nope", {})


def test_job_runs_once_and_its_effects_commit_with_its_status(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        queued = enqueue(s, "tests.mark", {"ref": "a1"})
    assert run_due_jobs(fresh_db, worker_id="w") == 1
    assert run_due_jobs(fresh_db, worker_id="w") == 0
    assert marked(fresh_db, "tests.marked", "a1") == 1
    with fresh_db.session() as s:
        done = s.get(Job, queued.id)
        assert done is not None
        assert done.status is JobStatus.succeeded
        assert done.finished_at is not None


def test_failed_attempt_rolls_back_its_effects_and_retries(fresh_db: Database) -> None:
    ref = uuid.uuid4().hex
    with fresh_db.session() as s, s.begin():
        enqueue(s, "tests.fragile", {"ref": ref, "fail_times": 1})
    assert run_due_jobs(fresh_db, worker_id="w") == 0
    assert marked(fresh_db, "tests.fragile_effect", ref) == 0  # rolled back with the failure
    with fresh_db.session() as s, s.begin():
        item = s.scalars(select(Job)).one()
        assert item.status is JobStatus.queued
        assert item.run_at > utc_now()
        assert item.last_error == "RuntimeError: not yet"
        item.run_at = utc_now()
    assert run_due_jobs(fresh_db, worker_id="w") == 1
    assert marked(fresh_db, "tests.fragile_effect", ref) == 1


def test_job_is_dead_after_max_attempts(fresh_db: Database) -> None:
    ref = uuid.uuid4().hex
    with fresh_db.session() as s, s.begin():
        enqueue(s, "tests.fragile", {"ref": ref, "fail_times": 10})
    for _ in range(3):
        with fresh_db.session() as s, s.begin():
            s.execute(update(Job).values(run_at=utc_now()))
        run_due_jobs(fresh_db, worker_id="w")
    with fresh_db.session() as s:
        item = s.scalars(select(Job)).one()
        assert item.status is JobStatus.dead
        assert item.attempts == 3


def test_dedupe_key_enqueues_once(session: Session) -> None:
    first = enqueue(session, "tests.mark", {"ref": "x"}, dedupe_key="mark:x")
    second = enqueue(session, "tests.mark", {"ref": "x"}, dedupe_key="mark:x")
    assert first.id == second.id


def test_expired_lease_of_a_crashed_worker_is_taken_over(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        enqueue(s, "tests.mark", {"ref": "crash"})
        s.flush()
        s.execute(
            update(Job).values(
                status=JobStatus.running,
                locked_by="dead-worker",
                locked_until=utc_now() - timedelta(seconds=1),
            )
        )
    assert run_due_jobs(fresh_db, worker_id="w2") == 1
    assert marked(fresh_db, "tests.marked", "crash") == 1


def test_live_lease_is_respected(fresh_db: Database) -> None:
    with fresh_db.session() as s, s.begin():
        enqueue(s, "tests.mark", {"ref": "busy"})
        s.flush()
        s.execute(
            update(Job).values(
                status=JobStatus.running,
                locked_by="other",
                locked_until=utc_now() + timedelta(minutes=5),
            )
        )
    assert run_due_jobs(fresh_db, worker_id="w2") == 0


def test_two_workers_run_each_job_exactly_once(fresh_db: Database) -> None:
    refs = [f"r{i}" for i in range(40)]
    with fresh_db.session() as s, s.begin():
        for ref in refs:
            enqueue(s, "tests.mark", {"ref": ref})
    ran = {"w1": 0, "w2": 0}

    def work(name: str) -> None:
        idle = 0
        while idle < 3:
            done = run_due_jobs(fresh_db, worker_id=name, batch_size=4)
            ran[name] += done
            idle = idle + 1 if done == 0 else 0

    threads = [threading.Thread(target=work, args=(n,)) for n in ran]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert ran["w1"] + ran["w2"] == 40
    for ref in refs:
        assert marked(fresh_db, "tests.marked", ref) == 1


def test_next_slot() -> None:
    after = datetime(2026, 11, 25, 2, 0, 30, tzinfo=UTC)
    assert next_slot("0 2 * * *", after) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert next_slot("*/30 * * * *", after) == datetime(2026, 11, 25, 2, 30, tzinfo=UTC)


def test_schedule_fires_once_per_slot_even_with_two_workers(fresh_db: Database) -> None:
    t0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    fire_schedules(fresh_db, now=t0)  # first sight: records the next slot, runs nothing
    with fresh_db.session() as s:
        state = s.get(ScheduleState, "tests.nightly")
        assert state is not None
        assert state.next_run_at == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    at_slot = datetime(2026, 11, 25, 2, 0, 5, tzinfo=UTC)
    fired = fire_schedules(fresh_db, now=at_slot) + fire_schedules(fresh_db, now=at_slot)
    with fresh_db.session() as s:
        nightly_jobs = s.scalars(select(Job).where(Job.name == "tests.nightly")).all()
        assert len(nightly_jobs) == 1
        assert nightly_jobs[0].dedupe_key == "tests.nightly@2026-11-25T02:00:00+00:00"
        state = s.get(ScheduleState, "tests.nightly")
        assert state is not None
        assert state.next_run_at == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert fired >= 1
    with fresh_db.session() as s, s.begin():
        s.execute(update(Job).values(run_at=utc_now()))
    run_due_jobs(fresh_db, worker_id="w")
    assert marked(fresh_db, "tests.nightly_ran") == 1


def test_bad_cron_expression_fails_at_declaration() -> None:
    with pytest.raises(ValueError, match="cron"):

        @job("tests.bad_cron", cron="61 * * * *")
        def never(session: Session) -> None:
            raise AssertionError("never registered")
