"""Production mode: secure cookies, HSTS, no demo hints."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from carecover.entrypoints.app import create_app
from carecover.platform.config import Environment, Settings
from tests.accounts.test_web import csrf_of
from tests.conftest import BoundDatabase
from tests.factories.accounts import PASSWORD, make_user

KEY = base64.b64encode(b"p" * 32).decode()


def production_settings() -> Settings:
    return Settings(
        env=Environment.production,
        database_url="postgresql://unused/only-the-bound-database-is-used",
        secret_key=SecretStr("s" * 48),
        jwt_secret=SecretStr("j" * 48),
        encryption_keys=SecretStr(json.dumps({"prod1": KEY})),
        blind_index_key=SecretStr(KEY),
        ledger_signing_key=SecretStr(KEY),
        digital_link_tag_key=SecretStr(KEY),
        embedded_worker=False,
    )


def test_production_cookies_are_secure_and_hsts_is_sent(
    bound_db: BoundDatabase, session: Session
) -> None:
    user = make_user(session, username="prod.user")
    app = create_app(production_settings(), bound_db, embedded_worker=False)
    with TestClient(app, base_url="https://carecover.example") as client:
        page = client.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert "owner-demo-2026" not in page.text  # no demo hints in production
        signed = client.post(
            "/login",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303
        session_cookie = [c for c in signed.headers.get_list("set-cookie") if "cc_session" in c]
        assert session_cookie
        assert "Secure" in session_cookie[0]
        assert "HttpOnly" in session_cookie[0]
        assert "SameSite=lax" in session_cookie[0]
