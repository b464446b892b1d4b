"""Errors raised by customer use cases."""

from __future__ import annotations

from carecover.platform.errors import NotFound


class CustomerNotFound(NotFound):
    code = "customer_not_found"
