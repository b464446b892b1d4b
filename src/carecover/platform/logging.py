"""Structured logging (structlog) that never writes personal data in clear."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

SENSITIVE_KEYS = frozenset(
    {
        "password",
        "new_password",
        "token",
        "access_token",
        "authorization",
        "cookie",
        "phone",
        "mobile",
        "id_number",
        "name",
        "display_name",
        "address",
        "email",
        "vin",
        "plate",
        "secret",
    }
)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def scrub_text(value: str) -> str:
    """Mask mainland mobile and resident-ID numbers that slipped into free text."""
    value = _ID_NUMBER.sub(r"\1********\2", value)
    return _PHONE.sub(r"\1****\2", value)


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """structlog processor: drop sensitive keys, scrub strings."""
    for key in list(event_dict):
        if key.casefold() in SENSITIVE_KEYS:
            event_dict[key] = "[redacted]"
        elif isinstance(event_dict[key], str):
            event_dict[key] = scrub_text(event_dict[key])
    return event_dict


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=False,
            # plain tracebacks: the rich formatter would print every local variable, which can
            # hold bearer tokens, passwords and decrypted personal data
            exception_formatter=structlog.dev.plain_traceback,
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
