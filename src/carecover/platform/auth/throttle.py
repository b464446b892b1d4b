"""Throttling repeated failed sign-ins, per username and per source address."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from carecover.platform.auth.models import LoginThrottle
from carecover.platform.clock import ensure_utc
from carecover.platform.config import Settings
from carecover.platform.errors import TooManyAttempts


def throttle_keys(username: str, source_ip: str | None) -> list[str]:
    """Keys are hashes, so the table holds no usernames or addresses in clear."""
    keys = ["u:" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:40]]
    if source_ip:
        keys.append("ip:" + hashlib.sha256(source_ip.encode()).hexdigest()[:40])
    return keys


def ensure_not_locked(session: Session, keys: list[str], now: datetime) -> None:
    """Raise 429 while any key is locked out."""
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None:
            until = ensure_utc(row.locked_until)
            if until > now:
                raise TooManyAttempts(int((until - now).total_seconds()) + 1)


def record_failure(session: Session, keys: list[str], now: datetime, settings: Settings) -> bool:
    """Count a failure; returns True when this failure locked a key."""
    window = timedelta(seconds=settings.login_window_seconds)
    locked = False
    for key in keys:
        # The per-address limit is wider: many people may share one address.
        limit = settings.login_max_failures * (4 if key.startswith("ip:") else 1)
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            session.add(row)
        if now - ensure_utc(row.window_started_at) > window:
            row.failures = 0
            row.window_started_at = now
            row.locked_until = None
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
            row.failures = 0
            row.window_started_at = now
            locked = True
    session.flush()
    return locked


def clear_failures(session: Session, keys: list[str]) -> None:
    """A successful sign-in clears the username's counter (not the address's)."""
    for key in keys:
        if key.startswith("u:"):
            row = session.get(LoginThrottle, key)
            if row is not None:
                session.delete(row)
    session.flush()
