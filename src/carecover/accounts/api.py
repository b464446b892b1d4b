"""Accounts API: sign-in (OAuth2 password flow), the current user, users and organisations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form

from carecover.accounts import repository, service
from carecover.accounts.schemas import (
    MeRead,
    MeUpdate,
    NotificationRead,
    OrganisationCreate,
    OrganisationRead,
    TeamMemberCreate,
    TokenResponse,
    UserCreate,
    UserRead,
)
from carecover.platform.auth.roles import Permission, Role
from carecover.platform.auth.service import Principal, SignInFailed, authenticate
from carecover.platform.auth.tokens import issue_access_token
from carecover.platform.context import Actor
from carecover.platform.errors import NotFound
from carecover.platform.http.deps import (
    ApiPrincipal,
    AppSettings,
    DbSession,
    ReqInfo,
    actor_of,
    require,
)
from carecover.platform.i18n import translate
from carecover.platform.pagination import Limit, Offset, Page

router = APIRouter(tags=["accounts"])

TOKEN_PATH = "/api/v1/auth/token"  # noqa: S105 - a URL path, not a secret


UsersReader = Annotated[Principal, Depends(require(Permission.users_read), scope="function")]
UsersManager = Annotated[Principal, Depends(require(Permission.users_manage), scope="function")]
OrgManager = Annotated[
    Principal, Depends(require(Permission.organisations_manage), scope="function")
]
TeamReader = Annotated[Principal, Depends(require(Permission.partner_team_read), scope="function")]
TeamManager = Annotated[
    Principal, Depends(require(Permission.partner_team_manage), scope="function")
]


@router.post("/auth/token", response_model=TokenResponse, summary="Sign in (OAuth2 password)")
def token(
    session: DbSession,
    settings: AppSettings,
    info: ReqInfo,
    username: Annotated[str, Form(min_length=1, max_length=120)],
    password: Annotated[str, Form(min_length=1, max_length=256)],
) -> TokenResponse:
    actor = Actor(None, None, None, info.request_id, info.source_ip)
    try:
        user = authenticate(session, username, password, settings=settings, actor=actor)
    except SignInFailed as failed:
        session.commit()  # keep the failure count and its audit entry, then answer
        raise failed.error from None
    access, expires_at = issue_access_token(
        secret=settings.jwt_secret.get_secret_value(),
        user_id=user.id,
        role=user.role,
        organisation_id=user.organisation_id,
        ttl_seconds=settings.jwt_ttl_seconds,
    )
    return TokenResponse(
        access_token=access, expires_in=settings.jwt_ttl_seconds, expires_at=expires_at
    )


@router.get("/me", response_model=MeRead)
def me(session: DbSession, principal: ApiPrincipal) -> MeRead:
    user = repository.get_user(session, principal.user_id)
    if user is None:
        raise NotFound()
    return service.me_read(user)


@router.patch("/me", response_model=MeRead)
def update_me(session: DbSession, principal: ApiPrincipal, info: ReqInfo, body: MeUpdate) -> MeRead:
    user = service.set_language(
        session, actor_of(principal, info), principal.user_id, body.language
    )
    return service.me_read(user)


@router.get("/me/notifications", response_model=list[NotificationRead])
def my_notifications(
    session: DbSession, principal: ApiPrincipal, info: ReqInfo
) -> list[NotificationRead]:
    return [
        NotificationRead(
            id=n.id,
            message=translate(n.message_key, info.language, **n.params),
            created_at=n.created_at,
            read=n.read_at is not None,
        )
        for n in repository.list_notifications(session, principal.user_id)
    ]


@router.get("/users", response_model=Page[UserRead])
def list_users(
    session: DbSession,
    _principal: UsersReader,
    role: Role | None = None,
    organisation_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[UserRead]:
    rows, total = repository.list_users(
        session, role=role, organisation_id=organisation_id, limit=limit, offset=offset
    )
    return Page[UserRead](
        items=[service.user_read(u) for u in rows], total=total, limit=limit, offset=offset
    )


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(
    session: DbSession, principal: UsersManager, info: ReqInfo, body: UserCreate
) -> UserRead:
    user = service.create_user(session, actor_of(principal, info), body)
    return service.user_read(user)


@router.get("/organisations", response_model=Page[OrganisationRead])
def list_organisations(
    session: DbSession, _principal: UsersReader, limit: Limit = 50, offset: Offset = 0
) -> Page[OrganisationRead]:
    rows, total = repository.list_organisations(session, limit=limit, offset=offset)
    return Page[OrganisationRead](
        items=[OrganisationRead.model_validate(o) for o in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/organisations", response_model=OrganisationRead, status_code=201)
def create_organisation(
    session: DbSession, principal: OrgManager, info: ReqInfo, body: OrganisationCreate
) -> OrganisationRead:
    org = service.create_organisation(session, actor_of(principal, info), body)
    return OrganisationRead.model_validate(org)


@router.get("/organisations/{organisation_id}/members", response_model=Page[UserRead])
def organisation_members(
    organisation_id: uuid.UUID,
    session: DbSession,
    principal: TeamReader,
    info: ReqInfo,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[UserRead]:
    service.ensure_same_organisation(actor_of(principal, info), organisation_id)
    rows, total = repository.list_users(
        session, organisation_id=organisation_id, limit=limit, offset=offset
    )
    return Page[UserRead](
        items=[service.user_read(u) for u in rows], total=total, limit=limit, offset=offset
    )


@router.post("/organisations/{organisation_id}/members", response_model=UserRead, status_code=201)
def add_member(
    organisation_id: uuid.UUID,
    session: DbSession,
    principal: TeamManager,
    info: ReqInfo,
    body: TeamMemberCreate,
) -> UserRead:
    """A partner admin adds a staff account to their own organisation."""
    user = service.add_team_member(session, actor_of(principal, info), organisation_id, body)
    return service.user_read(user)
