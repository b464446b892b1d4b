"""Errors of the claims domain."""

from __future__ import annotations

from typing import Any

from carecover.platform.errors import Conflict


class ClaimConflict(Conflict):
    """The claim (or repair order) is not in a state that allows this step. ``reason`` is a
    stable code; its message key is ``claim.conflict.<reason>``."""

    code = "claim_conflict"

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason, **params)
        self.reason = reason

    @property
    def message_key(self) -> str:
        return f"claim.conflict.{self.reason}"

    def problem_extra(self, lang: str) -> dict[str, Any]:
        from carecover.platform.i18n import translate

        return {
            "reason": self.reason,
            "reason_text": translate(self.message_key, lang, **self.params),
        }
