"""Accounts use cases. Every change is audited; services flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from carecover.accounts import repository
from carecover.accounts.errors import (
    OrganisationNotAllowed,
    OrganisationRequired,
    UnknownOrganisation,
    UserExists,
    WeakPassword,
)
from carecover.accounts.events import OrganisationCreated, UserCreated
from carecover.accounts.schemas import (
    MeRead,
    OrganisationCreate,
    TeamMemberCreate,
    UserCreate,
    UserRead,
)
from carecover.platform import audit
from carecover.platform.auth.models import Organisation, OrganisationKind, User
from carecover.platform.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from carecover.platform.auth.roles import PARTNER_ROLES, ROLE_PERMISSIONS, Role, face_of
from carecover.platform.context import Actor
from carecover.platform.crypto import FieldRef, get_cipher, mask_name, mask_phone
from carecover.platform.errors import BadRequest, Forbidden
from carecover.platform.events import publish
from carecover.platform.ids import new_id


def _normalise_phone(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    if digits.startswith("+86"):
        digits = digits[3:]
    if len(digits) != 11 or not digits.startswith("1"):
        raise BadRequest("a mainland mobile number has 11 digits starting with 1")
    return digits


def create_organisation(session: Session, actor: Actor, data: OrganisationCreate) -> Organisation:
    org = Organisation(id=new_id(), name=data.name, kind=data.kind)
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor,
        "accounts.organisation_created",
        object_type="organisation",
        object_id=org.id,
        details={"kind": data.kind.value},
    )
    publish(
        session,
        OrganisationCreated(organisation_id=org.id, kind=data.kind.value),
        request_id=actor.request_id,
    )
    return org


def create_user(session: Session, actor: Actor, data: UserCreate) -> User:
    """Create an account; partner roles must name an existing partner organisation."""
    if len(data.password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(min=MIN_PASSWORD_LENGTH)
    if repository.get_user_by_username(session, data.username) is not None:
        raise UserExists()
    if data.role in PARTNER_ROLES:
        if data.organisation_id is None:
            raise OrganisationRequired()
        org = repository.get_organisation(session, data.organisation_id)
        if org is None or org.kind is not OrganisationKind.partner:
            raise UnknownOrganisation()
    elif data.organisation_id is not None:
        raise OrganisationNotAllowed()
    cipher = get_cipher()
    user_id = new_id()
    user = User(
        id=user_id,
        username=data.username,
        password_hash=hash_password(data.password),
        role=data.role,
        organisation_id=data.organisation_id,
        language=data.language,
    )
    if data.display_name:
        user.display_name_enc = cipher.encrypt(
            data.display_name, FieldRef("users", "display_name", str(user_id))
        )
    if data.phone:
        phone = _normalise_phone(data.phone)
        user.phone_bidx = cipher.blind_index(phone, purpose="phone")
        if repository.get_user_by_phone_index(session, user.phone_bidx) is not None:
            raise UserExists()
        user.phone_enc = cipher.encrypt(phone, FieldRef("users", "phone", str(user_id)))
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "accounts.user_created",
        object_type="user",
        object_id=user.id,
        details={"role": data.role.value},
    )
    publish(
        session,
        UserCreated(user_id=user.id, role=data.role.value, organisation_id=data.organisation_id),
        request_id=actor.request_id,
    )
    return user


def add_team_member(
    session: Session, actor: Actor, organisation_id: uuid.UUID, data: TeamMemberCreate
) -> User:
    """A partner admin adds a partner_staff account to their own organisation only."""
    ensure_same_organisation(actor, organisation_id)
    return create_user(
        session,
        actor,
        UserCreate(
            username=data.username,
            password=data.password,
            role=Role.partner_staff,
            organisation_id=organisation_id,
            display_name=data.display_name,
            phone=data.phone,
            language=data.language,
        ),
    )


def set_language(session: Session, actor: Actor, user_id: uuid.UUID, language: str) -> User:
    """Remember a user's language; only the user themself may change it."""
    if actor.user_id != user_id:
        raise Forbidden()
    user = repository.get_user(session, user_id)
    if user is None:
        raise Forbidden()
    if user.language != language:
        before = user.language
        user.language = language
        session.flush()
        audit.record(
            session,
            actor,
            "accounts.language_changed",
            object_type="user",
            object_id=user.id,
            details={"from": before, "to": language},
        )
    return user


def decrypt_display_name(user: User) -> str | None:
    if user.display_name_enc is None:
        return None
    ref = FieldRef("users", "display_name", str(user.id))
    return get_cipher().decrypt(user.display_name_enc, ref)


def decrypt_phone(user: User) -> str | None:
    if user.phone_enc is None:
        return None
    return get_cipher().decrypt(user.phone_enc, FieldRef("users", "phone", str(user.id)))


def user_read(user: User) -> UserRead:
    """Staff view: personal fields masked."""
    name = decrypt_display_name(user)
    phone = decrypt_phone(user)
    return UserRead(
        id=user.id,
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        display_name_masked=mask_name(name) if name else None,
        phone_masked=mask_phone(phone) if phone else None,
        language=user.language,
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def me_read(user: User) -> MeRead:
    """The owner of the data sees it in full."""
    return MeRead(
        id=user.id,
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        display_name=decrypt_display_name(user),
        phone=decrypt_phone(user),
        language=user.language,
        face=face_of(user.role).value,
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[user.role]),
    )


def ensure_same_organisation(actor: Actor, organisation_id: uuid.UUID | None) -> None:
    """Partner users reach only their own organisation's records."""
    if actor.role in PARTNER_ROLES and actor.organisation_id != organisation_id:
        raise Forbidden()
