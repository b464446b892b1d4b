"""Sign-in, sign-out and the language switch for all three faces."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from carecover.accounts import service
from carecover.platform.auth.roles import face_of
from carecover.platform.auth.service import (
    SignInFailed,
    authenticate,
    close_web_session,
    open_web_session,
)
from carecover.platform.errors import AppError, InvalidCredentials
from carecover.platform.i18n import normalise_language
from carecover.platform.web.deps import LANG_COOKIE, SESSION_COOKIE, CheckedContext, PageContext

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


def safe_next(value: str | None) -> str | None:
    """Only same-site absolute paths are followed after sign-in (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def home_path(role_face: str) -> str:
    return f"/{role_face}"


@router.get("/", response_model=None)
def root(ctx: PageContext) -> Response:
    if ctx.principal is None:
        return ctx.apply_cookies(RedirectResponse("/login", status_code=303))
    return RedirectResponse(home_path(face_of(ctx.principal.role).value), status_code=303)


@router.get("/login", response_model=None)
def login_page(ctx: PageContext, next: str | None = None) -> Response:
    if ctx.principal is not None:
        return RedirectResponse(home_path(face_of(ctx.principal.role).value), status_code=303)
    return ctx.render("accounts/login.html", next=safe_next(next), error=None, username="")


@router.post("/login", response_model=None)
def login_submit(
    ctx: CheckedContext,
    username: Annotated[str, Form(max_length=120)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    target = safe_next(next)

    def failed_page(error: AppError) -> Response:
        response = ctx.render(
            "accounts/login.html",
            status_code=error.status_code,
            next=target,
            error=ctx.t(error.message_key, **error.params),
            username=username,
        )
        response.headers.update(error.headers or {})
        return response

    if not username.strip() or not password:
        return failed_page(InvalidCredentials())
    try:
        user = authenticate(
            ctx.session, username, password, settings=ctx.settings, actor=ctx.actor()
        )
    except SignInFailed as failed:
        ctx.session.commit()  # keep the failure count and its audit entry
        return failed_page(failed.error)
    except AppError as error:  # locked out before the password was checked
        return failed_page(error)
    token = open_web_session(ctx.session, user, settings=ctx.settings)
    ctx.set_cookie(SESSION_COOKIE, token, max_age=ctx.settings.session_ttl_seconds, http_only=True)
    ctx.set_cookie(LANG_COOKIE, user.language, max_age=ONE_YEAR, http_only=False)
    destination = target or home_path(face_of(user.role).value)
    return ctx.apply_cookies(RedirectResponse(destination, status_code=303))


@router.post("/logout", response_model=None)
def logout(ctx: CheckedContext) -> Response:
    token = ctx.request.cookies.get(SESSION_COOKIE)
    if token and ctx.principal is not None:
        close_web_session(ctx.session, token, actor=ctx.actor())
    ctx.set_cookie(SESSION_COOKIE, "", max_age=None, http_only=True)
    return ctx.apply_cookies(RedirectResponse("/login", status_code=303))


@router.post("/lang", response_model=None)
def switch_language(
    ctx: CheckedContext,
    lang: Annotated[str, Form(max_length=10)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    chosen = normalise_language(lang) or ctx.settings.default_language
    if ctx.principal is not None:
        service.set_language(ctx.session, ctx.actor(), ctx.principal.user_id, chosen)
    ctx.set_cookie(LANG_COOKIE, chosen, max_age=ONE_YEAR, http_only=False)
    destination = safe_next(next) or "/"
    return ctx.apply_cookies(RedirectResponse(destination, status_code=303))
