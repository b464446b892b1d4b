"""Scheduled charging work."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.clock import utc_now
from carecover.platform.config import get_settings
from carecover.platform.jobs import job


@job("charging.demo_feed", cron="*/10 * * * *")
def demo_feed(session: Session) -> None:
    """Every 10 minutes outside production: the simulated operators restate their EVSEs'
    statuses (``charging.demo``), so the demo's chargers stay trustworthy."""
    if get_settings().is_production:
        return
    from carecover.charging import demo

    demo.refresh_statuses(session, utc_now().replace(microsecond=0))
