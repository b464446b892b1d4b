"""Errors raised by the evidence log."""

from __future__ import annotations

from typing import Any

from carecover.platform.errors import AppError, BadRequest, NotFound


class _Reasoned(AppError):
    """Adds the technical reason (English, stable wording) to the problem document."""

    def problem_extra(self, lang: str) -> dict[str, Any] | None:
        return {"reason": self.detail} if self.detail else None


class LedgerUnavailable(_Reasoned):
    """The log's state row is missing or its nodes are incomplete: refuse rather than guess."""

    status_code = 503
    code = "ledger_unavailable"


class EntryNotFound(NotFound):
    code = "ledger_entry_not_found"


class CheckpointMissing(NotFound):
    code = "ledger_checkpoint_missing"


class RecordNotFound(NotFound):
    code = "evidence_record_not_found"


class ProofRangeInvalid(_Reasoned, BadRequest):
    """A proof asked for outside the log (index ≥ size, size beyond the log, size1 > size2)."""

    status_code = 422
    code = "ledger_proof_range"


class SubjectUnknown(NotFound):
    """No evidence is kept for this kind of subject, or none exists for this one."""

    code = "evidence_subject_unknown"


class EvidencePending(AppError):
    """Every record of the subject still waits to be sequenced: no proof exists yet."""

    status_code = 409
    code = "evidence_pending"

    def __init__(self) -> None:
        super().__init__(None)
        self.headers = {"Retry-After": "2"}


class EvidenceContentInvalid(_Reasoned, BadRequest):
    """Content that cannot be committed to (not canonical JSON: NaN, huge numbers, …)."""

    status_code = 422
    code = "evidence_content_invalid"
