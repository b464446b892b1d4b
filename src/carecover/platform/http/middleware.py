"""ASGI middleware: request ids, body size limit, JSON content type on the API."""

from __future__ import annotations

import json
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carecover.platform.http.problems import problem_body
from carecover.platform.i18n import negotiate
from carecover.platform.ids import new_request_id

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_problem(
    send: Send, scope: Scope, status: int, code: str, params: dict[str, Any]
) -> None:
    lang = negotiate(_header(scope, b"accept-language"))
    request_id = scope.get("state", {}).get("request_id")
    body = json.dumps(
        problem_body(
            status=status,
            code=code,
            lang=lang,
            request_id=request_id,
            instance=scope.get("path"),
            params=params,
        ),
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"content-language", lang.encode()),
    ]
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Gives each request an id (or keeps a sane incoming X-Request-ID) and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        valid = incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        request_id = incoming if valid else new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", str(request_id).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")


class BodyGuardMiddleware:
    """Refuses bodies over the limit (413) and, under /api/, bodies that are not JSON (415),
    before any handler runs — so nothing is half-read or half-written."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        form_paths: tuple[str, ...] = (),
        upload_paths: tuple[str, ...] = (),
        max_upload_bytes: int | None = None,
        binary_paths: tuple[str, ...] = (),
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.form_paths = form_paths
        self.upload_paths = upload_paths
        self.max_upload_bytes = max_upload_bytes or max_body_bytes
        self.binary_paths = binary_paths
        """Where devices may also send MessagePack (application/msgpack)."""

    def _is_upload(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        upload = self._is_upload(scope["path"])
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _send_problem(send, scope, 413, "payload_too_large", {"limit": limit})
            return
        path: str = scope["path"]
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if path.startswith(API_PREFIX) and length not in (None, "0"):
            wants_form = path in self.form_paths
            allowed: tuple[str, ...] = FORM_TYPES if wants_form else ("application/json",)
            if upload:
                allowed = ("multipart/form-data", "application/json")
            elif any(path.startswith(p) for p in self.binary_paths):
                allowed = ("application/json", "application/msgpack", "application/x-msgpack")
            if content_type not in allowed and not content_type.endswith("+json"):
                expected = allowed[0]
                await _send_problem(
                    send, scope, 415, "unsupported_media_type", {"expected": expected}
                )
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            total += len(body)
            if total > limit:
                await _send_problem(send, scope, 413, "payload_too_large", {"limit": limit})
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        buffered = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": buffered, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# Swagger UI boots from an inline script: /docs alone gets a policy that allows exactly that.


class SecurityHeadersMiddleware:
    """Browser hardening on every response: CSP, no framing, no MIME sniffing, HSTS in prod."""

    def __init__(self, app: ASGIApp, *, hsts: bool, image_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.hsts = hsts
        # Map tiles from a configured tile server are images from another origin.
        extra = "".join(f" {origin}" for origin in image_origins)
        self.csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data:{extra}")
        self.docs_csp = self.csp.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.docs_csp if scope["path"] == "/docs" else self.csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
                ]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
