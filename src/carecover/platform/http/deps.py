"""FastAPI dependencies: the request's unit of work, its context, and the API principal.

The session dependency runs with ``scope="function"``: it commits when the route returns, before
the response is sent, and rolls back if the route raised. Routes and services never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from carecover.platform.auth.models import User
from carecover.platform.auth.roles import Permission, has_permission
from carecover.platform.auth.service import Principal
from carecover.platform.auth.tokens import decode_access_token
from carecover.platform.config import Settings
from carecover.platform.context import Actor
from carecover.platform.db.session import Database, session_scope
from carecover.platform.errors import Forbidden, InvalidToken, Unauthenticated
from carecover.platform.i18n import negotiate, normalise_language


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database_dep(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_db_session(request: Request) -> Iterator[Session]:
    with session_scope(get_database_dep(request)) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    request_id: str | None
    source_ip: str | None
    language: str


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_language(request: Request) -> str:
    """The language to answer in.

    API callers choose per request with Accept-Language; then the signed-in user's preference.
    Browsers always send Accept-Language, so on web pages the explicit choice (cookie) and the
    stored preference come first and the header is only the fallback.
    """
    settings: Settings = request.app.state.settings
    header = request.headers.get("accept-language")
    if request.url.path.startswith("/api/") and header:
        return negotiate(header, settings.default_language)
    chosen = normalise_language(request.cookies.get("cc_lang"))
    if chosen:
        return chosen
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.language
    return negotiate(header, settings.default_language)


def get_request_info(request: Request) -> RequestInfo:
    return RequestInfo(
        request_id=getattr(request.state, "request_id", None),
        source_ip=client_ip(request),
        language=request_language(request),
    )


ReqInfo = Annotated[RequestInfo, Depends(get_request_info)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_api_principal(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The bearer token's user, re-checked against the database (disabled users lose access)."""
    if not token:
        raise Unauthenticated()
    claims = decode_access_token(token, secret=settings.jwt_secret.get_secret_value())
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.role is not claims.role:
        raise InvalidToken("user no longer matches the token")
    principal = Principal.of(user)
    request.state.principal = principal
    return principal


ApiPrincipal = Annotated[Principal, Depends(get_api_principal, scope="function")]


def get_optional_api_principal(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal | None:
    """For public endpoints that show more to signed-in callers; a bad token is still refused."""
    if not token:
        return None
    return get_api_principal(request, session, settings, token)


OptionalPrincipal = Annotated[
    Principal | None, Depends(get_optional_api_principal, scope="function")
]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that admits only principals whose role holds ``permission``."""

    def check(principal: ApiPrincipal) -> Principal:
        if not has_permission(principal.role, permission):
            raise Forbidden()
        return principal

    return check


def actor_of(principal: Principal, info: RequestInfo) -> Actor:
    return principal.actor(info.request_id, info.source_ip)
