"""Typed builders for accounts records."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from carecover.accounts import service
from carecover.accounts.schemas import OrganisationCreate, UserCreate
from carecover.platform.auth.models import Organisation, OrganisationKind, User
from carecover.platform.auth.roles import Role
from carecover.platform.context import Actor

PASSWORD = "correct-horse-battery-9"


def make_organisation(session: Session, *, name: str | None = None) -> Organisation:
    return service.create_organisation(
        session,
        Actor.system(),
        OrganisationCreate(
            name=name or f"汽修厂 {secrets.token_hex(3)}", kind=OrganisationKind.partner
        ),
    )


def make_user(
    session: Session,
    *,
    role: Role = Role.owner,
    organisation: Organisation | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    phone: str | None = None,
    display_name: str | None = None,
    language: str = "zh-CN",
) -> User:
    if role in (Role.partner_admin, Role.partner_staff) and organisation is None:
        organisation = make_organisation(session)
    return service.create_user(
        session,
        Actor.system(),
        UserCreate(
            username=username or f"{role.value}.{secrets.token_hex(3)}",
            password=password,
            role=role,
            organisation_id=organisation.id if organisation else None,
            phone=phone,
            display_name=display_name,
            language="en" if language == "en" else "zh-CN",
        ),
    )
