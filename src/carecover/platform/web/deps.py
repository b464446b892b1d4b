"""Dependencies for web pages: the cookie session, the page context, CSRF, face checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from carecover.platform.auth.roles import Face, Permission, face_of, has_permission
from carecover.platform.auth.service import Principal, resolve_web_session
from carecover.platform.config import Settings
from carecover.platform.context import Actor
from carecover.platform.errors import AppError, CsrfFailed, Forbidden
from carecover.platform.http.deps import DbSession, client_ip, request_language
from carecover.platform.i18n import translate
from carecover.platform.web import csrf
from carecover.platform.web.templating import templates

SESSION_COOKIE = "cc_session"
LANG_COOKIE = "cc_lang"


class LoginRequired(AppError):
    """No valid session: the web handler redirects to the sign-in page."""

    status_code = 401
    code = "unauthenticated"

    def __init__(self, next_path: str) -> None:
        super().__init__(None)
        self.next_path = next_path


@dataclass
class WebContext:
    """Everything a page template needs about the current request."""

    request: Request
    session: Session
    settings: Settings
    principal: Principal | None
    lang: str
    csrf_seed: str
    csrf_seed_is_new: bool
    request_id: str | None
    cookies_to_set: dict[str, tuple[str, int | None, bool]] = field(default_factory=dict)

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self.csrf_seed, self.settings.secret_key.get_secret_value())

    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def actor(self) -> Actor:
        ip = client_ip(self.request)
        if self.principal is None:
            return Actor(None, None, None, self.request_id, ip)
        return self.principal.actor(self.request_id, ip)

    @property
    def is_htmx(self) -> bool:
        """An HTMX request wants a fragment, not a whole page."""
        return self.request.headers.get("hx-request") == "true"

    def can(self, permission: Permission) -> bool:
        return self.principal is not None and has_permission(self.principal.role, permission)

    def set_cookie(self, name: str, value: str, *, max_age: int | None, http_only: bool) -> None:
        self.cookies_to_set[name] = (value, max_age, http_only)

    def apply_cookies(self, response: Response) -> Response:
        secure = self.settings.is_production
        if self.csrf_seed_is_new:
            response.set_cookie(
                csrf.CSRF_COOKIE, self.csrf_seed, httponly=True, samesite="lax", secure=secure
            )
        for name, (value, max_age, http_only) in self.cookies_to_set.items():
            if value == "":
                response.delete_cookie(name, samesite="lax", secure=secure, httponly=http_only)
            else:
                response.set_cookie(
                    name, value, max_age=max_age, httponly=http_only, samesite="lax", secure=secure
                )
        return response

    def render(
        self,
        template: str,
        extra: Mapping[str, Any] | None = None,
        /,
        *,
        status_code: int = 200,
        **values: Any,
    ) -> Response:
        context = {
            **(extra or {}),
            "ctx": self,
            "t": self.t,
            "lang": self.lang,
            "principal": self.principal,
            "face": face_of(self.principal.role).value if self.principal else None,
            "csrf_token": self.csrf_token,
            "Permission": Permission,
            **values,
        }
        response = templates().TemplateResponse(
            self.request, template, context, status_code=status_code
        )
        response.headers["Content-Language"] = self.lang
        return self.apply_cookies(response)


def get_web_context(request: Request, session: DbSession) -> WebContext:
    settings: Settings = request.app.state.settings
    principal: Principal | None = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        user = resolve_web_session(session, token)
        if user is not None:
            principal = Principal.of(user)
            request.state.principal = principal
    seed = request.cookies.get(csrf.CSRF_COOKIE)
    is_new = not seed or len(seed) > 64
    return WebContext(
        request=request,
        session=session,
        settings=settings,
        principal=principal,
        lang=request_language(request),
        csrf_seed=csrf.new_csrf_seed() if is_new or seed is None else seed,
        csrf_seed_is_new=is_new,
        request_id=getattr(request.state, "request_id", None),
    )


PageContext = Annotated[WebContext, Depends(get_web_context, scope="function")]


async def verify_csrf(request: Request, ctx: PageContext) -> WebContext:
    """Every state-changing web request must carry the page's CSRF token."""
    presented = request.headers.get(csrf.CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(csrf.CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if ctx.csrf_seed_is_new or not csrf.is_valid(
        ctx.csrf_seed, presented, ctx.settings.secret_key.get_secret_value()
    ):
        raise CsrfFailed()
    return ctx


CheckedContext = Annotated[WebContext, Depends(verify_csrf, scope="function")]


def signed_in(ctx: PageContext) -> WebContext:
    if ctx.principal is None:
        path = ctx.request.url.path
        if ctx.request.url.query:
            path += "?" + ctx.request.url.query
        raise LoginRequired(quote(path, safe="/"))
    return ctx


SignedIn = Annotated[WebContext, Depends(signed_in, scope="function")]


def face_required(face: Face) -> Any:
    """A dependency admitting only users whose role belongs to ``face``."""

    def check(ctx: SignedIn) -> WebContext:
        assert ctx.principal is not None  # signed_in guarantees it
        if face_of(ctx.principal.role) is not face:
            raise Forbidden()
        return ctx

    return Depends(check, scope="function")


OwnerPage = Annotated[WebContext, face_required(Face.owner)]
PartnerPage = Annotated[WebContext, face_required(Face.partner)]
StaffPage = Annotated[WebContext, face_required(Face.staff)]


def permission_required(permission: Permission) -> Any:
    def check(ctx: SignedIn) -> WebContext:
        if not ctx.can(permission):
            raise Forbidden()
        return ctx

    return Depends(check, scope="function")
