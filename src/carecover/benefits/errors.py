"""Errors raised by entitlement use cases."""

from __future__ import annotations

from carecover.platform.errors import AppError, Conflict, NotFound


class UnknownPackage(NotFound):
    code = "unknown_package"


class NotEntitled(Conflict):
    """No active grant covers this service for this vehicle."""

    code = "not_entitled"


class QuotaExhausted(Conflict):
    """The grant covers the service but this period's quota is used up."""

    code = "quota_exhausted"


class DuplicateUse(Conflict):
    """This order reference already used an entitlement (uses are idempotent per reference)."""

    code = "duplicate_use"


class UseNotFound(NotFound):
    """No use was recorded under this reference."""

    code = "use_not_found"


class UseAlreadyReturned(Conflict):
    """This use was given back already; a use goes back once."""

    code = "use_already_returned"


class IncidentRequired(AppError):
    """Per-incident quotas need the incident the use belongs to."""

    status_code = 422
    code = "incident_required"
