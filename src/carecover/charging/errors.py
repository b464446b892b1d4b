"""Errors of the charging domain. Those an operator's OCPI call can meet also carry OCPI's
``status_code``, ``status_message`` and ``timestamp`` in the problem document, so an OCPI client
reads its usual fields (2001 invalid, 2003 unknown location …) next to RFC 9457's."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from carecover.platform.clock import utc_now
from carecover.platform.errors import Conflict, FieldProblem, Forbidden, InvalidFields, NotFound

OCPI_SUCCESS = 1000
OCPI_CLIENT_ERROR = 2000
OCPI_INVALID = 2001
OCPI_UNKNOWN_LOCATION = 2003


def ocpi_timestamp(at: datetime | None = None) -> str:
    """OCPI's DateTime form: UTC, seconds, ``Z``."""
    return (at or utc_now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def ocpi_members(status_code: int, message: str) -> dict[str, Any]:
    return {"status_code": status_code, "status_message": message, "timestamp": ocpi_timestamp()}


class _Ocpi:
    ocpi_status: ClassVar[int] = OCPI_CLIENT_ERROR
    code: ClassVar[str]

    def ocpi(self, lang: str) -> dict[str, Any]:
        from carecover.platform.i18n import translate

        return ocpi_members(self.ocpi_status, translate(f"error.{self.code}", "en"))


class OcpiInvalid(_Ocpi, InvalidFields):
    """The OCPI object is malformed or breaks a rule (422, OCPI 2001), one entry per field."""

    code = "charging_ocpi_invalid"
    ocpi_status = OCPI_INVALID

    def __init__(self, *problems: FieldProblem) -> None:
        super().__init__(*problems)

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {**super().problem_extra(lang), **self.ocpi(lang)}


class StaleUpdate(_Ocpi, Conflict):
    """An update older than what is stored: it would overwrite newer data (409)."""

    code = "charging_stale_update"

    def __init__(self, stored: datetime, sent: datetime) -> None:
        super().__init__(None)
        self.stored = stored
        self.sent = sent

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {
            "stored_last_updated": ocpi_timestamp(self.stored),
            "sent_last_updated": ocpi_timestamp(self.sent),
            **self.ocpi(lang),
        }


class PartyNotYours(_Ocpi, Forbidden):
    """The caller does not operate this OCPI party (another operator's locations)."""

    code = "charging_party_not_yours"

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return self.ocpi(lang)


class UnknownOcpiObject(_Ocpi, NotFound):
    """No such location, EVSE or connector of this party (OCPI 2003)."""

    code = "charging_unknown_object"
    ocpi_status = OCPI_UNKNOWN_LOCATION

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return self.ocpi(lang)


class PartyTaken(Conflict):
    """The OCPI party is already registered to another operator."""

    code = "charging_party_taken"


class ChargerNotFound(NotFound):
    """No published charging location with this id."""

    code = "charging_location_not_found"
