"""RFC 9457 problem details: every API error has this shape and a stable ``code``."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from carecover.platform.i18n import translate

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://carecover.dev/problems/"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem_body(
    *,
    status: int,
    code: str,
    lang: str,
    request_id: str | None,
    instance: str | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.replace("_", "-"),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": translate(f"error.{code}", lang, **(params or {})),
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return body


def problem_response(
    *,
    status: int,
    code: str,
    lang: str,
    request_id: str | None,
    instance: str | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(
        status=status,
        code=code,
        lang=lang,
        request_id=request_id,
        instance=instance,
        params=params,
        extra=extra,
    )
    all_headers = {"Content-Language": lang, **(headers or {})}
    if request_id:
        all_headers["X-Request-ID"] = request_id
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=all_headers
    )
