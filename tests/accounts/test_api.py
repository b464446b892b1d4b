"""The accounts API: OAuth2 sign-in, bearer tokens, roles, problem+json on bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Role
from carecover.platform.auth.tokens import issue_access_token
from carecover.platform.clock import utc_now
from carecover.platform.config import Settings
from tests.factories.accounts import PASSWORD, make_organisation, make_user

PROBLEM = "application/problem+json"


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def users_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_password_flow_issues_a_short_lived_token(
    client: TestClient, session: Session, settings: Settings
) -> None:
    make_user(session, username="apiowner", phone="13811112222", display_name="李雷")
    response = client.post(
        "/api/v1/auth/token", data={"username": "apiowner", "password": PASSWORD}
    )
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.jwt_ttl_seconds
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "apiowner"
    assert me.json()["phone"] == "13811112222"
    assert me.json()["face"] == "owner"
    assert "owner_app" in me.json()["permissions"]


def test_wrong_password_is_a_401_problem_in_the_callers_language(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="wrongpw")
    en = client.post(
        "/api/v1/auth/token",
        data={"username": "wrongpw", "password": "not-it-at-all"},
        headers={"Accept-Language": "en"},
    )
    assert en.status_code == 401
    assert en.headers["content-type"] == PROBLEM
    assert en.json()["code"] == "invalid_credentials"
    assert en.json()["detail"] == "Wrong username or password."
    assert en.json()["request_id"] == en.headers["x-request-id"]
    zh = client.post(
        "/api/v1/auth/token", data={"username": "wrongpw", "password": "not-it-at-all"}
    )
    assert zh.json()["detail"] == "用户名或密码错误。"


def test_repeated_failures_are_throttled(
    client: TestClient, session: Session, settings: Settings
) -> None:
    make_user(session, username="target")
    for _ in range(settings.login_max_failures):
        r = client.post("/api/v1/auth/token", data={"username": "target", "password": "guess-1234"})
        assert r.status_code == 401
    locked = client.post("/api/v1/auth/token", data={"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert int(locked.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer ", "Basic dXNlcjpwYXNz"],
)
def test_bad_tokens_are_401(client: TestClient, authorization: str) -> None:
    r = client.get("/api/v1/me", headers={"Authorization": authorization})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["www-authenticate"] == "Bearer"


def test_expired_token_and_disabled_user_are_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = make_user(session)
    token, _ = issue_access_token(
        secret=settings.jwt_secret.get_secret_value(),
        user_id=user.id,
        role=user.role,
        organisation_id=None,
        ttl_seconds=60,
        now=utc_now() - timedelta(minutes=5),
    )
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"
    headers = sign_in(client, user.username)
    user.is_active = False
    session.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_roles_gate_the_user_list(client: TestClient, session: Session) -> None:
    owner = make_user(session)
    admin = make_user(session, role=Role.admin)
    forbidden = client.get("/api/v1/users", headers=sign_in(client, owner.username))
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "forbidden"
    ok = client.get("/api/v1/users?limit=2", headers=sign_in(client, admin.username))
    assert ok.status_code == 200
    page = ok.json()
    assert page["limit"] == 2
    assert page["offset"] == 0
    assert len(page["items"]) == 2
    assert page["total"] >= 2


def test_admin_creates_a_user(client: TestClient, session: Session) -> None:
    admin = make_user(session, role=Role.admin)
    org = make_organisation(session)
    r = client.post(
        "/api/v1/users",
        headers=sign_in(client, admin.username),
        json={
            "username": "New.Staff",
            "password": "a-strong-password-1",
            "role": "partner_staff",
            "organisation_id": str(org.id),
            "phone": "13655556666",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["username"] == "new.staff"
    assert r.json()["phone_masked"] == "136****6666"
    assert "phone" not in r.json()


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "code"),
    [
        (
            '{"username": "user.x1", "password": "long-password-1", "role": "owner", '
            '"is_admin": true}',
            "application/json",
            422,
            "validation_failed",
        ),
        ('{"username": "user.x2", "password": ', "application/json", 400, "malformed_json"),
        ("username=x3", "text/plain", 415, "unsupported_media_type"),
        (
            '{"username": "user.x4", "password": "long-password-1", "role": "emperor"}',
            "application/json",
            422,
            "validation_failed",
        ),
        (
            '{"username": "user.x5", "password": "short", "role": "owner"}',
            "application/json",
            422,
            "weak_password",
        ),
        (
            json.dumps(
                {
                    "username": "user.x6",
                    "password": "p" * 20,
                    "role": "owner",
                    "display_name": "长" * 2_000_000,
                }
            ),
            "application/json",
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_input_is_a_clear_problem_and_stores_nothing(
    client: TestClient,
    session: Session,
    payload: str,
    content_type: str,
    status: int,
    code: str,
) -> None:
    admin = make_user(session, role=Role.admin)
    headers = {**sign_in(client, admin.username), "Content-Type": content_type}
    before = users_count(session)
    r = client.post("/api/v1/users", content=payload.encode(), headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["code"] == code
    assert r.json()["status"] == status
    assert "Traceback" not in r.text
    assert users_count(session) == before


def test_partner_sees_only_its_own_team(client: TestClient, session: Session) -> None:
    mine = make_organisation(session, name="本店")
    theirs = make_organisation(session, name="别家")
    boss = make_user(session, role=Role.partner_admin, organisation=mine)
    make_user(session, role=Role.partner_staff, organisation=mine)
    make_user(session, role=Role.partner_staff, organisation=theirs)
    headers = sign_in(client, boss.username)
    own = client.get(f"/api/v1/organisations/{mine.id}/members", headers=headers)
    assert own.status_code == 200
    assert own.json()["total"] == 2
    other = client.get(f"/api/v1/organisations/{theirs.id}/members", headers=headers)
    assert other.status_code == 403


def test_language_preference_is_saved(client: TestClient, session: Session) -> None:
    user = make_user(session)
    headers = sign_in(client, user.username)
    r = client.patch("/api/v1/me", headers=headers, json={"language": "en"})
    assert r.status_code == 200
    assert r.json()["language"] == "en"
    bad = client.patch("/api/v1/me", headers=headers, json={"language": "fr"})
    assert bad.status_code == 422


def test_partner_admin_adds_staff_to_their_own_organisation_only(
    client: TestClient, session: Session
) -> None:
    mine = make_organisation(session, name="我的修理厂")
    theirs = make_organisation(session, name="隔壁修理厂")
    boss = make_user(session, role=Role.partner_admin, organisation=mine)
    staff = make_user(session, role=Role.partner_staff, organisation=mine)
    body = {"username": "new.mechanic", "password": "mechanic-pass-2026", "phone": "13512345678"}
    headers = sign_in(client, boss.username)
    added = client.post(f"/api/v1/organisations/{mine.id}/members", headers=headers, json=body)
    assert added.status_code == 201, added.text
    assert added.json()["role"] == "partner_staff"
    assert added.json()["organisation_id"] == str(mine.id)
    before = users_count(session)
    other = client.post(
        f"/api/v1/organisations/{theirs.id}/members",
        headers=headers,
        json={**body, "username": "sneaky.one"},
    )
    assert other.status_code == 403
    as_staff = client.post(
        f"/api/v1/organisations/{mine.id}/members",
        headers=sign_in(client, staff.username),
        json={**body, "username": "sneaky.two"},
    )
    assert as_staff.status_code == 403
    escalate = client.post(
        f"/api/v1/organisations/{mine.id}/members",
        headers=headers,
        json={**body, "username": "sneaky.three", "role": "admin"},
    )
    assert escalate.status_code == 422  # the role is not the caller's to choose
    assert users_count(session) == before
