"""Accounts use cases: rules, encryption at rest, audit entries and events."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carecover.accounts import service
from carecover.accounts.errors import (
    OrganisationNotAllowed,
    OrganisationRequired,
    UnknownOrganisation,
    UserExists,
    WeakPassword,
)
from carecover.accounts.schemas import UserCreate
from carecover.platform.audit import AuditEntry
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor
from carecover.platform.errors import BadRequest, Forbidden
from carecover.platform.events import OutboxMessage
from tests.factories.accounts import make_organisation, make_user


def test_personal_fields_are_encrypted_at_rest(session: Session) -> None:
    user = make_user(session, phone="13812345678", display_name="王小明")
    raw = session.execute(
        text("SELECT phone_enc, display_name_enc, phone_bidx FROM users WHERE username = :u"),
        {"u": user.username},
    ).one()
    assert b"13812345678" not in raw.phone_enc
    assert "王小明".encode() not in raw.display_name_enc
    assert len(raw.phone_bidx) == 32
    assert "13812345678" not in raw.phone_bidx
    view = service.user_read(user)
    assert view.phone_masked == "138****5678"
    assert view.display_name_masked == "王**"
    me = service.me_read(user)
    assert me.phone == "13812345678"
    assert me.display_name == "王小明"


def test_creating_a_user_is_audited_and_published(session: Session) -> None:
    user = make_user(session, role=Role.adjuster)
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "accounts.user_created", AuditEntry.object_id == str(user.id)
        )
    ).one()
    assert entry.details == {"role": "adjuster"}
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_type == "accounts.user_created")
    ).all()
    assert any(m.payload["user_id"] == str(user.id) for m in message)


def test_username_and_phone_are_unique(session: Session) -> None:
    make_user(session, username="dup", phone="13700000000")
    with pytest.raises(UserExists):
        make_user(session, username="DUP")
    with pytest.raises(UserExists):
        make_user(session, username="other", phone="+86 137 0000 0000")


def test_partner_roles_need_a_partner_organisation(session: Session) -> None:
    with pytest.raises(OrganisationRequired):
        service.create_user(
            session,
            Actor.system(),
            UserCreate(username="partner.p1", password="long-enough-1", role=Role.partner_staff),
        )
    org = make_organisation(session)
    with pytest.raises(OrganisationNotAllowed):
        make_user(session, role=Role.owner, organisation=org)
    with pytest.raises(UnknownOrganisation):
        service.create_user(
            session,
            Actor.system(),
            UserCreate(
                username="partner.p2",
                password="long-enough-1",
                role=Role.partner_admin,
                organisation_id=uuid.uuid4(),
            ),
        )


def test_weak_password_and_bad_phone_are_refused(session: Session) -> None:
    with pytest.raises(WeakPassword):
        make_user(session, password="short")
    with pytest.raises(BadRequest):
        make_user(session, phone="12345")


def test_only_the_user_changes_their_language(session: Session) -> None:
    alice = make_user(session)
    bob = make_user(session)
    actor = Actor(alice.id, alice.role)
    assert service.set_language(session, actor, alice.id, "en").language == "en"
    with pytest.raises(Forbidden):
        service.set_language(session, actor, bob.id, "en")
