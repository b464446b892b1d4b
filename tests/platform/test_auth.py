"""Passwords, tokens, the permission table, sign-in throttling."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carecover.platform.audit import AuditEntry
from carecover.platform.auth.passwords import hash_password, verify_password
from carecover.platform.auth.roles import (
    ROLE_PERMISSIONS,
    Face,
    Permission,
    Role,
    face_of,
    has_permission,
)
from carecover.platform.auth.service import SignInFailed, authenticate
from carecover.platform.auth.tokens import decode_access_token, issue_access_token
from carecover.platform.clock import utc_now
from carecover.platform.config import Settings
from carecover.platform.context import Actor
from carecover.platform.errors import InvalidCredentials, InvalidToken, TooManyAttempts
from tests.factories.accounts import PASSWORD, make_user

SECRET = "s" * 40


def test_passwords_are_argon2id_and_verify() -> None:
    hashed = hash_password("correct-horse-9")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct-horse-9")
    assert not verify_password(hashed, "correct-horse-8")
    assert not verify_password("not-a-hash", "x")


def issue(**kw: object) -> str:
    token, _ = issue_access_token(
        secret=SECRET,
        user_id=uuid.UUID(int=7),
        role=Role.adjuster,
        organisation_id=None,
        ttl_seconds=900,
        **kw,  # type: ignore[arg-type]
    )
    return token


def test_token_round_trip() -> None:
    claims = decode_access_token(issue(), secret=SECRET)
    assert claims.user_id == uuid.UUID(int=7)
    assert claims.role is Role.adjuster


def test_expired_token_is_refused() -> None:
    token = issue(now=utc_now() - timedelta(hours=1))
    with pytest.raises(InvalidToken, match="expired"):
        decode_access_token(token, secret=SECRET)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
        lambda t: jwt.encode(
            {**jwt.decode(t, options={"verify_signature": False}), "role": "admin"},
            "guessed-secret-guessed-secret-guessed",
            algorithm="HS256",
        ),
        lambda t: jwt.encode(
            jwt.decode(t, options={"verify_signature": False}), None, algorithm="none"
        ),
        lambda t: jwt.encode(
            {**jwt.decode(t, options={"verify_signature": False}), "aud": "other"},
            SECRET,
            algorithm="HS256",
        ),
        lambda t: "not.a.token",
    ],
)
def test_forged_tokens_are_refused(forge: object) -> None:
    with pytest.raises(InvalidToken):
        decode_access_token(forge(issue()), secret=SECRET)  # type: ignore[operator]


def test_permission_table() -> None:
    assert face_of(Role.owner) is Face.owner
    assert face_of(Role.partner_staff) is Face.partner
    assert face_of(Role.auditor) is Face.staff
    assert has_permission(Role.admin, Permission.users_manage)
    assert not has_permission(Role.owner, Permission.staff_console)
    assert not has_permission(Role.partner_admin, Permission.staff_console)
    assert not has_permission(Role.auditor, Permission.users_manage)
    assert has_permission(Role.partner_admin, Permission.partner_team_manage)
    assert not has_permission(Role.partner_staff, Permission.partner_team_manage)
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_throttle_locks_after_repeated_failures_and_audits(
    session: Session, settings: Settings
) -> None:
    user = make_user(session, username="victim")
    actor = Actor(None, None, None, "r1", "203.0.113.9")
    for _ in range(settings.login_max_failures):
        with pytest.raises(SignInFailed) as failed:
            authenticate(session, "victim", "wrong-password", settings=settings, actor=actor)
        assert isinstance(failed.value.error, InvalidCredentials)
    with pytest.raises(TooManyAttempts) as locked:
        authenticate(session, "victim", PASSWORD, settings=settings, actor=actor)
    assert 0 < locked.value.retry_after_seconds <= settings.login_lockout_seconds + 1
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))
    ).all()
    assert actions.count("auth.sign_in_failed") == settings.login_max_failures


def test_success_clears_the_failure_count(session: Session, settings: Settings) -> None:
    make_user(session, username="forgetful")
    actor = Actor(None, None, None, "r1", "198.51.100.7")
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(SignInFailed):
            authenticate(session, "forgetful", "nope-nope-nope", settings=settings, actor=actor)
    user = authenticate(session, "forgetful", PASSWORD, settings=settings, actor=actor)
    assert user.last_login_at is not None
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(SignInFailed):
            authenticate(session, "forgetful", "nope-nope-nope", settings=settings, actor=actor)


def test_unknown_user_fails_like_a_wrong_password(session: Session, settings: Settings) -> None:
    with pytest.raises(SignInFailed) as failed:
        authenticate(session, "ghost", "whatever-1234", settings=settings, actor=Actor.system())
    assert isinstance(failed.value.error, InvalidCredentials)


def test_phone_number_signs_in_through_the_blind_index(
    session: Session, settings: Settings
) -> None:
    user = make_user(session, username="phoneuser", phone="139 0000 1111")
    found = authenticate(session, "13900001111", PASSWORD, settings=settings, actor=Actor.system())
    assert found.id == user.id
