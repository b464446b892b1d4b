"""Background jobs and cron-like schedules, stored in the database and run by `carecover worker`."""

from carecover.platform.jobs.models import Job, JobStatus, ScheduleState
from carecover.platform.jobs.registry import JobSpec, enqueue, job, registered_jobs, schedules

__all__ = [
    "Job",
    "JobSpec",
    "JobStatus",
    "ScheduleState",
    "enqueue",
    "job",
    "registered_jobs",
    "schedules",
]
