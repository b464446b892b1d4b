"""Errors raised by partner use cases."""

from __future__ import annotations

from typing import Any

from carecover.platform.errors import Conflict, NotFound


class PartnerNotFound(NotFound):
    code = "partner_not_found"


class QualificationNotFound(NotFound):
    code = "qualification_not_found"


class StatusChangeRefused(Conflict):
    """The partner's current status does not allow this change (a terminated partner stays so)."""

    code = "partner_status_change_refused"

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(None)
        self.current = current
        self.wanted = wanted

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"current_status": self.current, "wanted_status": self.wanted}


class AdmissionIncomplete(Conflict):
    """Activation needs a business licence, the licence of the partner's trade and a location."""

    code = "partner_admission_incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(None)
        self.missing = missing

    def problem_extra(self, lang: str) -> dict[str, Any]:
        from carecover.platform.i18n import translate

        return {
            "missing": [
                {"requirement": item, "msg": translate(f"admission.{item}", lang)}
                for item in self.missing
            ]
        }
