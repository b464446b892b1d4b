"""End to end through the real app and worker: an admin creates a user over the API, the event
is delivered after commit, and the new user finds a welcome notification."""

from __future__ import annotations

from fastapi.testclient import TestClient

from carecover.accounts.demo import seed_demo_accounts
from carecover.entrypoints.app import create_app
from carecover.platform.config import Settings
from carecover.platform.context import Actor
from carecover.platform.db.session import Database
from carecover.platform.worker import tick


def test_user_created_event_reaches_the_inbox_after_commit(
    fresh_db: Database, settings: Settings
) -> None:
    with fresh_db.session() as s, s.begin():
        seed_demo_accounts(s, Actor.system())
    tick(fresh_db, settings, "w-test")  # deliver the seed's own events
    app = create_app(settings, fresh_db, embedded_worker=False)
    with TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": "admin-demo-2026"}
        ).json()["access_token"]
        created = client.post(
            "/api/v1/users",
            headers={"Authorization": f"Bearer {token}"},
            json={"username": "fresh.owner", "password": "fresh-owner-2026", "role": "owner"},
        )
        assert created.status_code == 201
        new_token = client.post(
            "/api/v1/auth/token", data={"username": "fresh.owner", "password": "fresh-owner-2026"}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {new_token}", "Accept-Language": "en"}
        assert client.get("/api/v1/me/notifications", headers=auth).json() == []
        result = tick(fresh_db, settings, "w-test")
        assert result.dispatched == 1
        inbox = client.get("/api/v1/me/notifications", headers=auth).json()
        assert [n["message"] for n in inbox] == ["Welcome to CareCover! Your account is ready."]
        assert tick(fresh_db, settings, "w-test").dispatched == 0
