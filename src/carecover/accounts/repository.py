"""Queries for accounts (SELECTs only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carecover.accounts.models import Notification
from carecover.platform.auth.models import Organisation, User
from carecover.platform.auth.roles import Role
from carecover.platform.db.paging import fetch_page


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.casefold())).first()


def get_user_by_phone_index(session: Session, phone_bidx: str) -> User | None:
    return session.scalars(select(User).where(User.phone_bidx == phone_bidx)).first()


def list_users(
    session: Session,
    *,
    role: Role | None = None,
    organisation_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[Sequence[User], int]:
    query = select(User)
    if role is not None:
        query = query.where(User.role == role)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return fetch_page(session, query.order_by(User.created_at, User.id), limit=limit, offset=offset)


def count_users_by_role(session: Session) -> dict[Role, int]:
    rows = session.execute(select(User.role, func.count()).group_by(User.role)).all()
    return {role: int(count) for role, count in rows}


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.name == name)).first()


def list_organisations(
    session: Session, *, limit: int, offset: int
) -> tuple[Sequence[Organisation], int]:
    query = select(Organisation).order_by(Organisation.name)
    return fetch_page(session, query, limit=limit, offset=offset)


def list_notifications(
    session: Session, user_id: uuid.UUID, *, limit: int = 20
) -> Sequence[Notification]:
    return session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc())
        .limit(limit)
    ).all()
