"""Sign-in, sign-out and the language switch for all three faces."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from carecover.accounts import repository, service
from carecover.accounts.schemas import TeamMemberCreate, UserCreate, UserRead
from carecover.platform.auth.roles import Permission, Role, face_of
from carecover.platform.auth.service import (
    SignInFailed,
    authenticate,
    close_web_session,
    open_web_session,
)
from carecover.platform.errors import AppError, Forbidden, InvalidCredentials
from carecover.platform.i18n import normalise_language
from carecover.platform.pagination import Page
from carecover.platform.web.deps import (
    LANG_COOKIE,
    SESSION_COOKIE,
    CheckedContext,
    PageContext,
    WebContext,
    permission_required,
)

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


# --- Staff console: users -------------------------------------------------------------------

UsersPage = Annotated[WebContext, permission_required(Permission.users_read)]
PAGE_SIZE = 25


def _users_page(
    ctx: WebContext,
    *,
    role: Role | None,
    offset: int,
    form: dict[str, str] | None = None,
    error: str | None = None,
    created: str | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = repository.list_users(ctx.session, role=role, limit=PAGE_SIZE, offset=offset)
    page = Page[UserRead](
        items=[service.user_read(u) for u in rows], total=total, limit=PAGE_SIZE, offset=offset
    )
    organisations, _ = repository.list_organisations(ctx.session, limit=100, offset=0)
    template = "accounts/_user_rows.html" if ctx.is_htmx else "accounts/users.html"
    return ctx.render(
        template,
        status_code=status_code,
        page=page,
        params={"role": role.value if role else ""},
        role=role.value if role else "",
        roles=list(Role),
        organisations=organisations,
        org_names={o.id: o.name for o in organisations},
        form=form or {},
        error=error,
        created=created,
        can_manage=ctx.can(Permission.users_manage),
    )


@router.get("/staff/users", response_model=None)
def users_page(
    ctx: UsersPage,
    role: Annotated[str | None, Query(max_length=30)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    chosen = Role(role) if role in {r.value for r in Role} else None
    return _users_page(ctx, role=chosen, offset=offset)


def _form_error(ctx: WebContext, exc: Exception) -> tuple[str, int]:
    if isinstance(exc, AppError):
        return ctx.t(exc.message_key, **exc.params), exc.status_code
    return ctx.t("error.validation_failed"), 422


@router.post("/staff/users", response_model=None)
async def create_user_submit(ctx: CheckedContext) -> Response:
    if not ctx.can(Permission.users_manage):
        raise Forbidden()
    form = {k: v for k, v in (await ctx.request.form()).items() if isinstance(v, str)}
    try:
        data = UserCreate(
            username=form.get("username", ""),
            password=form.get("password", ""),
            role=Role(form.get("role", "")),
            organisation_id=form.get("organisation_id") or None,  # type: ignore[arg-type]
            display_name=form.get("display_name") or None,
            phone=form.get("phone") or None,
            language="en" if form.get("language") == "en" else "zh-CN",
        )
        user = service.create_user(ctx.session, ctx.actor(), data)
    except (AppError, ValidationError, ValueError) as exc:
        ctx.session.rollback()
        message, status = _form_error(ctx, exc)
        form.pop("password", None)
        return _users_page(ctx, role=None, offset=0, form=form, error=message, status_code=status)
    return _users_page(ctx, role=None, offset=0, created=user.username, status_code=201)


# --- Partner portal: team -------------------------------------------------------------------

TeamPage = Annotated[WebContext, permission_required(Permission.partner_team_read)]


def _team_page(
    ctx: WebContext,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    created: str | None = None,
    status_code: int = 200,
) -> Response:
    assert ctx.principal is not None
    org_id = ctx.principal.organisation_id
    members, _ = repository.list_users(ctx.session, organisation_id=org_id, limit=100, offset=0)
    organisation = repository.get_organisation(ctx.session, org_id) if org_id else None
    return ctx.render(
        "accounts/team.html",
        status_code=status_code,
        organisation=organisation,
        team=[service.user_read(m) for m in members],
        form=form or {},
        error=error,
        created=created,
        can_manage=ctx.can(Permission.partner_team_manage),
    )


@router.get("/partner/team", response_model=None)
def team_page(ctx: TeamPage) -> Response:
    return _team_page(ctx)


@router.post("/partner/team", response_model=None)
async def add_member_submit(ctx: CheckedContext) -> Response:
    if ctx.principal is None or not ctx.can(Permission.partner_team_manage):
        raise Forbidden()
    form = {k: v for k, v in (await ctx.request.form()).items() if isinstance(v, str)}
    try:
        data = TeamMemberCreate(
            username=form.get("username", ""),
            password=form.get("password", ""),
            display_name=form.get("display_name") or None,
            phone=form.get("phone") or None,
        )
        org_id = ctx.principal.organisation_id
        if org_id is None:
            raise Forbidden()
        user = service.add_team_member(ctx.session, ctx.actor(), org_id, data)
    except (AppError, ValidationError) as exc:
        ctx.session.rollback()
        message, status = _form_error(ctx, exc)
        form.pop("password", None)
        return _team_page(ctx, form=form, error=message, status_code=status)
    return _team_page(ctx, created=user.username, status_code=201)
