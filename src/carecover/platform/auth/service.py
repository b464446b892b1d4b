"""Signing in and out: password checks, throttling, web sessions, principals."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carecover.platform import audit
from carecover.platform.auth import throttle
from carecover.platform.auth.models import User, WebSession
from carecover.platform.auth.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    verify_password,
)
from carecover.platform.auth.roles import Role
from carecover.platform.clock import ensure_utc, utc_now
from carecover.platform.config import Settings
from carecover.platform.context import Actor
from carecover.platform.crypto import get_cipher
from carecover.platform.errors import AppError, InvalidCredentials


class AccountDisabled(AppError):
    status_code = 403
    code = "account_disabled"


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user as the rest of the request sees them."""

    user_id: uuid.UUID
    username: str
    role: Role
    organisation_id: uuid.UUID | None
    language: str

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.id, user.username, user.role, user.organisation_id, user.language)

    def actor(self, request_id: str | None = None, source_ip: str | None = None) -> Actor:
        return Actor(self.user_id, self.role, self.organisation_id, request_id, source_ip)


class SignInFailed(Exception):
    """Carries the typed error after the failure was recorded (the caller commits, then raises)."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.code)
        self.error = error


def find_user_for_login(session: Session, login: str) -> User | None:
    """A username, or a mobile number looked up through its blind index."""
    user = session.scalars(select(User).where(User.username == login.strip().casefold())).first()
    if user is None and any(ch.isdigit() for ch in login):
        bidx = get_cipher().blind_index(login, purpose="phone")
        user = session.scalars(select(User).where(User.phone_bidx == bidx)).first()
    return user


def authenticate(
    session: Session, login: str, password: str, *, settings: Settings, actor: Actor
) -> User:
    """Check a password. Failures are counted and audited; raise ``SignInFailed`` after
    flushing them, so the caller can commit the counters before answering."""
    now = utc_now()
    keys = throttle.throttle_keys(login, actor.source_ip)
    throttle.ensure_not_locked(session, keys, now)
    user = find_user_for_login(session, login)
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not ok:
        throttle.record_failure(session, keys, now, settings)
        audit.record(
            session,
            actor,
            "auth.sign_in_failed",
            object_type="user",
            object_id=user.id if user else None,
            details={"reason": "bad_password" if user else "unknown_user"},
        )
        raise SignInFailed(InvalidCredentials())
    if not user.is_active:
        audit.record(session, actor, "auth.sign_in_refused", object_type="user", object_id=user.id)
        raise SignInFailed(AccountDisabled())
    throttle.clear_failures(session, keys)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    signed_in = Actor(user.id, user.role, user.organisation_id, actor.request_id, actor.source_ip)
    audit.record(session, signed_in, "auth.signed_in", object_type="user", object_id=user.id)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(session: Session, user: User, *, settings: Settings) -> str:
    """Create a server-side session and return the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    session.add(
        WebSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=settings.session_ttl_seconds),
        )
    )
    session.flush()
    return token


def resolve_web_session(
    session: Session, token: str, *, now: datetime | None = None
) -> User | None:
    """The active user behind a session cookie, or None if it is unknown or expired."""
    now = now or utc_now()
    row = session.scalars(
        select(WebSession).where(WebSession.token_hash == _token_hash(token))
    ).first()
    if row is None or ensure_utc(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - ensure_utc(row.last_seen_at) > timedelta(minutes=5):
        row.last_seen_at = now
    return user


def close_web_session(session: Session, token: str, *, actor: Actor) -> None:
    """Sign out: the session row is deleted, so the cookie is worthless even if kept."""
    session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))
    audit.record(session, actor, "auth.signed_out", object_type="user", object_id=actor.user_id)


def purge_expired_sessions(session: Session, *, now: datetime | None = None) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at < (now or utc_now())))
    return int(getattr(result, "rowcount", 0) or 0)
