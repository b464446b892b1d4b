"""Errors of the parts domain. Each names the rule it enforces (``rule``) with an English reason."""

from __future__ import annotations

from typing import Any

from carecover.platform.errors import AppError, Conflict, Forbidden, NotFound


class _RuleError(AppError):
    """A refusal that names the broken rule; the message is localised, the reason is English."""

    def __init__(self, rule: str, reason: str, *, pointer: str | None = None, **extra: Any) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason
        self.pointer = pointer
        self.extra = extra

    def problem_extra(self, lang: str) -> dict[str, Any]:
        from carecover.platform.i18n import translate

        key = f"rule.{self.rule}"
        text = translate(key, lang)
        body: dict[str, Any] = {
            "rule": self.rule,
            "reason": self.reason,
            "rule_text": text if text != key else self.reason,
        }
        if self.pointer is not None:
            body["pointer"] = self.pointer
        return body | self.extra


class PartInputInvalid(_RuleError):
    """A GTIN, serial, Digital Link or label input that breaks a GS1 rule."""

    status_code = 422
    code = "part_input_invalid"


class EpcisInvalid(_RuleError):
    """An EPCIS document or event that is malformed or breaks the schema or a CBV rule."""

    status_code = 422
    code = "epcis_invalid"


class CustodyRefused(_RuleError, Conflict):
    """An impossible custody history (installed twice, shipped after destruction, …)."""

    status_code = 409
    code = "custody_violation"


class PartNotFound(NotFound):
    code = "part_not_found"


class NotPartsHolder(Forbidden):
    """Only the organisation that holds a part (or is receiving it) may record its next step."""

    code = "part_not_held"


class NotASupplier(Forbidden):
    """Only an admitted parts supplier commissions serialised parts."""

    code = "part_supplier_required"
