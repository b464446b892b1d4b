"""Typed application errors. Services raise these; one handler renders them (RFC 9457)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar


class AppError(Exception):
    """Base error: a stable ``code``, an HTTP status and an i18n message key with parameters."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, detail: str | None = None, /, **params: Any) -> None:
        self.detail = detail
        self.params = params
        super().__init__(detail or self.code)

    @property
    def message_key(self) -> str:
        return f"error.{self.code}"

    headers: dict[str, str] | None = None

    def problem_extra(self, lang: str) -> dict[str, Any] | None:
        """Extra members for the problem document (field errors, for example)."""
        return None


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class Unauthenticated(AppError):
    status_code = 401
    code = "unauthenticated"


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, (retry_after_seconds + 59) // 60)
        super().__init__(None, minutes=minutes)
        self.retry_after_seconds = retry_after_seconds
        self.headers = {"Retry-After": str(retry_after_seconds)}


class CsrfFailed(AppError):
    status_code = 403
    code = "csrf_failed"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: where, a stable code (message key ``invalid.<code>``) and parameters."""

    field: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)


class InvalidFields(AppError):
    """Input that is well-formed but wrong (bad check digit, impossible date …): 422 with one
    entry per field, each message in the caller's language."""

    status_code = 422
    code = "validation_failed"

    def __init__(self, *problems: FieldProblem) -> None:
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems

    def problem_extra(self, lang: str) -> dict[str, Any]:
        from carecover.platform.i18n import translate

        return {
            "errors": [
                {
                    "loc": ["body", *p.field.split(".")],
                    "type": p.code,
                    "msg": translate(f"invalid.{p.code}", lang, **p.params),
                }
                for p in self.problems
            ]
        }


class DuplicateField(Conflict):
    """A value that must be unique already exists (a VIN, an ID number …): 409."""

    code = "duplicate"

    def __init__(self, field: str) -> None:
        super().__init__(None, field=field)
        self.field = field

    def problem_extra(self, lang: str) -> dict[str, Any]:
        from carecover.platform.i18n import translate

        return {
            "errors": [
                {
                    "loc": ["body", *self.field.split(".")],
                    "type": "duplicate",
                    "msg": translate("invalid.duplicate", lang),
                }
            ]
        }
