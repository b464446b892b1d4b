"""Scheduled policy housekeeping: start bound policies, end expired ones (every 10 minutes)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.jobs import job
from carecover.policies.service import advance_statuses


@job("policies.advance_statuses", cron="*/10 * * * *")
def advance(session: Session) -> None:
    advance_statuses(session)
