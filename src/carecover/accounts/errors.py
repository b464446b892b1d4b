"""Errors raised by accounts use cases."""

from __future__ import annotations

from carecover.platform.errors import AppError, BadRequest, Conflict, NotFound


class UserExists(Conflict):
    code = "user_exists"


class WeakPassword(AppError):
    status_code = 422
    code = "weak_password"


class OrganisationRequired(BadRequest):
    code = "organisation_required"


class OrganisationNotAllowed(BadRequest):
    code = "organisation_not_allowed"


class UnknownOrganisation(NotFound):
    code = "unknown_organisation"
