"""One place that turns exceptions into responses: problem+json under /api, pages elsewhere."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from carecover.platform.errors import AppError
from carecover.platform.http.deps import request_language
from carecover.platform.http.problems import problem_response
from carecover.platform.i18n import translate
from carecover.platform.web.deps import LoginRequired
from carecover.platform.web.templating import templates

log = structlog.get_logger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_attempts",
    503: "database_unavailable",
}


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/readyz", "/openapi.json")


def _respond(
    request: Request,
    status: int,
    code: str,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    lang = request_language(request)
    request_id = getattr(request.state, "request_id", None)
    if _is_api(request):
        return problem_response(
            status=status,
            code=code,
            lang=lang,
            request_id=request_id,
            instance=request.url.path,
            params=params,
            extra=extra,
            headers=headers,
        )
    message = translate(f"error.{code}", lang, **(params or {}))
    principal = getattr(request.state, "principal", None)
    response = templates().TemplateResponse(
        request,
        "errors/error.html",
        {
            "t": lambda key, **p: translate(key, lang, **p),
            "lang": lang,
            "status": status,
            "message": message,
            "request_id": request_id,
            "principal": principal,
            "csrf_token": None,
            "face": None,
        },
        status_code=status,
        headers=headers,
    )
    response.headers["Content-Language"] = lang
    return response


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return _respond(request, 401, "unauthenticated")
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 401 and _is_api(request):
            headers.setdefault("WWW-Authenticate", "Bearer")
        return _respond(
            request,
            exc.status_code,
            exc.code,
            exc.params,
            extra=exc.problem_extra(request_language(request)),
            headers=headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        code = "validation_failed"
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                code = "malformed_json"
            errors.append(
                {
                    "loc": [str(part) for part in err.get("loc", ())],
                    "type": err.get("type"),
                    "msg": err.get("msg"),
                }
            )
        status = 400 if code == "malformed_json" else 422
        return _respond(request, status, code, extra={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "bad_request")
        return _respond(request, exc.status_code, code, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database_error", error_type=type(exc).__name__)
        return _respond(request, 503, "database_unavailable")

    @app.exception_handler(Exception)
    async def unhandled(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        return _respond(request, 500, "internal")
