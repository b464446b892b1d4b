"""Errors raised by operations use cases."""

from __future__ import annotations

from carecover.platform.errors import Conflict


class NotRetryable(Conflict):
    """Only dead messages and jobs can be sent round again."""

    code = "not_retryable"
