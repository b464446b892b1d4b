"""Staff console pages for the audit log and background work."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Role
from carecover.platform.events import MessageStatus
from tests.accounts.test_web import csrf_of, web_sign_in
from tests.factories.accounts import make_user
from tests.factories.operations import make_dead_message


def test_auditor_reads_and_filters_the_audit_log(client: TestClient, session: Session) -> None:
    auditor = make_user(session, role=Role.auditor)
    web_sign_in(client, auditor.username)
    page = client.get("/staff/audit")
    assert page.status_code == 200
    assert 'data-testid="audit-rows"' in page.text
    assert "auth.signed_in" in page.text
    fragment = client.get("/staff/audit?action=auth.", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "auth.signed_in" in fragment.text
    assert "accounts.user_created" not in fragment.text


def test_adjuster_may_not_open_the_audit_log(client: TestClient, session: Session) -> None:
    adjuster = make_user(session, role=Role.adjuster)
    web_sign_in(client, adjuster.username)
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/operations").status_code == 403
    nav = client.get("/staff").text
    assert "/staff/audit" not in nav


def test_admin_retries_a_dead_message_from_the_console(
    client: TestClient, session: Session
) -> None:
    message = make_dead_message(session)
    admin = make_user(session, role=Role.admin)
    web_sign_in(client, admin.username)
    page = client.get("/staff/operations")
    assert 'data-testid="retry-message"' in page.text
    url = f"/staff/operations/messages/{message.id}/retry"
    assert client.post(url, headers={"HX-Request": "true"}).status_code == 403  # no CSRF token
    response = client.post(url, headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(page.text)})
    assert response.status_code == 200
    assert 'data-testid="retried"' in response.text
    session.refresh(message)
    assert message.status is MessageStatus.pending


def test_auditor_sees_operations_but_cannot_retry(client: TestClient, session: Session) -> None:
    make_dead_message(session)
    auditor = make_user(session, role=Role.auditor)
    web_sign_in(client, auditor.username)
    page = client.get("/staff/operations")
    assert page.status_code == 200
    assert 'data-testid="dead-messages"' in page.text
    assert 'data-testid="retry-message"' not in page.text
