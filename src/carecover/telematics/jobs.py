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


@job("telematics.battery_reports", cron="30 1 1 * *")
def battery_reports_monthly(session: Session) -> None:
    """Monthly on the 1st (09:30 Beijing): a battery report job per EV that charged last month."""
    from carecover.platform.jobs import enqueue
    from carecover.telematics.service import battery_reports

    last = battery_reports.previous_month(battery_reports.month_of(utc_now()))
    for vehicle_id in battery_reports.due_vehicles(session, last):
        enqueue(
            session,
            "telematics.battery_report",
            {"vehicle_id": str(vehicle_id), "month": last.isoformat()},
            dedupe_key=f"battery:{vehicle_id}:{last.isoformat()}",
        )


@job("telematics.battery_report", max_attempts=3)
def battery_report(session: Session, vehicle_id: str, month: str | None = None) -> None:
    """One car's report for ``month`` (ISO date; this month when absent), with any months before
    it that have none yet: "run now" enqueues this for a car."""
    import uuid
    from datetime import date

    from carecover.telematics.service import battery_reports

    through = date.fromisoformat(month) if month else None
    battery_reports.run_for_vehicle(session, uuid.UUID(vehicle_id), through=through)


@job("telematics.quiet_due", cron="*/5 * * * *")
def deliver_quiet_alerts(session: Session) -> None:
    """Every 5 minutes: quiet alerts whose quiet window has ended reach the owner's inbox."""
    from carecover.telematics.service import quiet

    quiet.deliver_due(session, utc_now())


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
