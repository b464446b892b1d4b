"""Scheduled telematics work."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.jobs import job
from carecover.telematics.service import driving, partitions, reminders, trip_log


@job("telematics.partitions", cron="7 0 * * *")
def keep_partitions(session: Session) -> None:
    """Daily: the readings table's day partitions for the accepted window and a week ahead."""
    partitions.ensure_window(session, utc_now())


@job("telematics.close_silent_trips", cron="*/5 * * * *")
def close_silent_trips(session: Session) -> None:
    """Every 5 minutes: end the open trips of cars whose device went silent past the data gap
    (up to ``trip_log.SWEEP_BATCH`` cars a run; the rest on the next)."""
    trip_log.close_silent(session, utc_now())


@job("telematics.driving_reports", cron="30 0 1 * *")
def driving_reports(session: Session) -> None:
    """On the 1st (08:30 in Shanghai): the final driving report of the month just over."""
    driving.close_month(session, utc_now())


@job("telematics.maintenance_reminders", cron="0 1 * * *")
def maintenance_reminders(session: Session) -> None:
    """Daily at 09:00 in Shanghai: each car's due maintenance, one reminder per due window."""
    reminders.send_due(session, utc_now())
