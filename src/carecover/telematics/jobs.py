"""Scheduled telematics work."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.jobs import job
from carecover.telematics.service import partitions


@job("telematics.partitions", cron="7 0 * * *")
def keep_partitions(session: Session) -> None:
    """Daily: the readings table's day partitions for the accepted window and a week ahead."""
    partitions.ensure_window(session, utc_now())
