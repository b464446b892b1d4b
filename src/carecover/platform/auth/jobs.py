"""Housekeeping for identity: expired web sessions are removed every half hour."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carecover.platform.auth.service import purge_expired_sessions
from carecover.platform.jobs import job


@job("auth.purge_expired_sessions", cron="*/30 * * * *")
def purge_sessions(session: Session) -> None:
    purge_expired_sessions(session)
