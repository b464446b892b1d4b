"""Web sign-in without a browser: sessions, CSRF, language, face checks, safe redirects."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.accounts.web import safe_next
from carecover.platform.auth.models import User, WebSession
from carecover.platform.auth.roles import Role
from tests.factories.accounts import PASSWORD, make_user


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def web_sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_of(page.text), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def sessions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def test_login_page_defaults_to_chinese_and_offers_english(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert page.headers["content-language"] == "zh-CN"
    assert "登录" in page.text
    assert 'value="en"' in page.text
    cookie = page.headers["set-cookie"]
    assert "cc_csrf=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


@pytest.mark.parametrize(
    ("role", "home", "marker"),
    [
        (Role.owner, "/owner", 'data-testid="owner-home"'),
        (Role.partner_admin, "/partner", 'data-testid="partner-home"'),
        (Role.adjuster, "/staff", 'data-testid="staff-home"'),
        (Role.admin, "/staff", 'data-testid="audit-table"'),
    ],
)
def test_each_role_lands_on_its_face(
    client: TestClient, session: Session, role: Role, home: str, marker: str
) -> None:
    user = make_user(session, role=role)
    response = web_sign_in(client, user.username)
    assert response.status_code == 303
    assert response.headers["location"] == home
    assert "HttpOnly" in response.headers["set-cookie"]
    page = client.get(home)
    assert page.status_code == 200
    assert marker in page.text


def test_wrong_password_shows_an_error_and_opens_no_session(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    before = sessions(session)
    response = web_sign_in(client, user.username, "definitely-wrong")
    assert response.status_code == 401
    assert 'data-testid="login-error"' in response.text
    assert "用户名或密码错误" in response.text
    assert sessions(session) == before


def test_missing_or_forged_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session)
    client.get("/login")
    before = sessions(session)
    for token in (None, "0" * 64):
        data = {"username": user.username, "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert 'data-testid="error-page"' in response.text
    assert sessions(session) == before


def test_logout_ends_the_session_on_the_server(client: TestClient, session: Session) -> None:
    user = make_user(session)
    web_sign_in(client, user.username)
    cookie = client.cookies.get("cc_session")
    assert cookie
    home = client.get("/owner")
    client.post("/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    client.cookies.set("cc_session", cookie)  # a stolen copy of the cookie is now worthless
    response = client.get("/owner", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_language_switch_is_remembered_for_the_user(client: TestClient, session: Session) -> None:
    user = make_user(session)
    web_sign_in(client, user.username)
    home = client.get("/owner")
    response = client.post(
        "/lang",
        data={"lang": "en", "next": "/owner", "csrf_token": csrf_of(home.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/owner"
    assert client.get("/owner").headers["content-language"] == "en"
    session.expire_all()
    assert session.get(User, user.id).language == "en"  # type: ignore[union-attr]
    client.cookies.delete("cc_lang")  # a new device: the stored preference still applies
    assert "Owner app" in client.get("/owner").text


def test_owner_cannot_open_the_staff_console(client: TestClient, session: Session) -> None:
    owner = make_user(session)
    web_sign_in(client, owner.username)
    response = client.get("/staff")
    assert response.status_code == 403
    assert 'data-testid="error-page"' in response.text
    assert "无权访问" in response.text


def test_anonymous_visitor_is_sent_to_sign_in_and_back(
    client: TestClient, session: Session
) -> None:
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff"
    staff = make_user(session, role=Role.dispatcher)
    signed = web_sign_in(client, staff.username, next="/staff")
    assert signed.headers["location"] == "/staff"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/staff", "/staff"),
        ("/owner?tab=1", "/owner?tab=1"),
        ("//evil.example/x", None),
        ("https://evil.example", None),
        ("/\\evil.example", None),
        ("staff", None),
        (None, None),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(
    value: str | None, expected: str | None
) -> None:
    assert safe_next(value) == expected


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_admin_creates_an_account_from_the_console(client: TestClient, session: Session) -> None:
    admin = make_user(session, role=Role.admin)
    web_sign_in(client, admin.username)
    page = client.get("/staff/users")
    form = {
        "csrf_token": csrf_of(page.text),
        "username": "console.made",
        "password": "console-made-2026",
        "role": "dispatcher",
        "phone": "13611112222",
        "display_name": "张调度",
    }
    created = client.post("/staff/users", data=form)
    assert created.status_code == 201
    assert 'data-testid="form-ok"' in created.text
    assert "136****2222" in created.text
    assert "13611112222" not in created.text
    before = int(session.scalar(select(func.count()).select_from(User)) or 0)
    again = client.post("/staff/users", data=form)
    assert again.status_code == 409
    assert "用户名已存在" in again.text
    assert 'value="console.made"' in again.text  # the form keeps what was typed …
    assert "console-made-2026" not in again.text  # … except the password
    assert int(session.scalar(select(func.count()).select_from(User)) or 0) == before


def test_user_list_filters_by_role_with_htmx(client: TestClient, session: Session) -> None:
    auditor = make_user(session, role=Role.auditor)
    make_user(session, role=Role.dispatcher, username="only.dispatcher")
    web_sign_in(client, auditor.username)
    page = client.get("/staff/users")
    assert 'data-testid="create-user-form"' not in page.text  # auditors read, never write
    fragment = client.get("/staff/users?role=dispatcher", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "only.dispatcher" in fragment.text
    assert auditor.username not in fragment.text
    refused = client.post(
        "/staff/users",
        data={"csrf_token": csrf_of(page.text), "username": "nope.x", "role": "admin"},
    )
    assert refused.status_code == 403


def test_partner_admin_adds_a_colleague_on_the_team_page(
    client: TestClient, session: Session
) -> None:
    boss = make_user(session, role=Role.partner_admin)
    web_sign_in(client, boss.username)
    page = client.get("/partner/team")
    assert page.status_code == 200
    added = client.post(
        "/partner/team",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "team.member",
            "password": "team-member-2026",
        },
    )
    assert added.status_code == 201
    assert "team.member" in added.text
    member = session.scalars(select(User).where(User.username == "team.member")).one()
    assert member.role is Role.partner_staff
    assert member.organisation_id == boss.organisation_id
