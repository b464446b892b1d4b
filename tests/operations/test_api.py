"""Operations API: who may read the audit trail and the queues, and who may retry."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Role
from tests.accounts.test_api import sign_in
from tests.factories.accounts import make_user
from tests.factories.operations import make_dead_job, make_dead_message


def test_audit_log_is_for_auditors_and_admins(client: TestClient, session: Session) -> None:
    owner = make_user(session)
    adjuster = make_user(session, role=Role.adjuster)
    auditor = make_user(session, role=Role.auditor)
    assert client.get("/api/v1/audit", headers=sign_in(client, owner.username)).status_code == 403
    assert (
        client.get("/api/v1/audit", headers=sign_in(client, adjuster.username)).status_code == 403
    )
    response = client.get(
        "/api/v1/audit?action=accounts.user_created&limit=2",
        headers=sign_in(client, auditor.username),
    )
    assert response.status_code == 200
    page = response.json()
    assert page["limit"] == 2
    assert page["total"] >= 3
    assert all(item["action"] == "accounts.user_created" for item in page["items"])
    ids = [item["id"] for item in page["items"]]
    assert ids == sorted(ids, reverse=True)


def test_audit_filter_by_object(client: TestClient, session: Session) -> None:
    auditor = make_user(session, role=Role.auditor)
    headers = sign_in(client, auditor.username)
    items = client.get(
        f"/api/v1/audit?object_type=user&object_id={auditor.id}", headers=headers
    ).json()["items"]
    actions = {item["action"] for item in items}
    assert actions == {"accounts.user_created", "auth.signed_in"}


def test_queues_are_readable_and_only_admins_retry(client: TestClient, session: Session) -> None:
    message = make_dead_message(session)
    item = make_dead_job(session)
    auditor = make_user(session, role=Role.auditor)
    admin = make_user(session, role=Role.admin)
    reader = sign_in(client, auditor.username)
    health = client.get("/api/v1/operations/health", headers=reader).json()
    assert health["messages"]["dead"] >= 1
    dead = client.get("/api/v1/operations/messages?status=dead", headers=reader).json()
    assert str(message.id) in {m["id"] for m in dead["items"]}
    refused = client.post(f"/api/v1/operations/messages/{message.id}/retry", headers=reader)
    assert refused.status_code == 403
    manager = sign_in(client, admin.username)
    retried = client.post(f"/api/v1/operations/messages/{message.id}/retry", headers=manager)
    assert retried.status_code == 200
    assert retried.json()["status"] == "pending"
    again = client.post(f"/api/v1/operations/messages/{message.id}/retry", headers=manager)
    assert again.status_code == 409
    assert again.json()["code"] == "not_retryable"
    job = client.post(f"/api/v1/operations/jobs/{item.id}/retry", headers=manager)
    assert job.json()["status"] == "queued"
    bad = client.get("/api/v1/operations/jobs?status=exploded", headers=reader)
    assert bad.status_code == 422
