"""Errors raised by the journal: each becomes an RFC 9457 problem document."""

from __future__ import annotations

from typing import Any, ClassVar

from carecover.platform.errors import AppError, Conflict, InvalidFields, NotFound


class JournalInvalid(InvalidFields):
    """Lines or times that cannot be posted (too few lines, a zero or non-integer amount, an
    unknown account, a naive datetime): 422 with one entry per field."""

    code = "journal_invalid"


class Unbalanced(AppError):
    """The lines do not sum to zero; ``difference_fen`` is their sum."""

    status_code: ClassVar[int] = 422
    code = "journal_unbalanced"

    def __init__(self, difference_fen: int) -> None:
        super().__init__(None, difference_fen=difference_fen)
        self.difference_fen = difference_fen

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"difference_fen": self.difference_fen}


class ReferenceConflict(Conflict):
    """An entry with this reference exists with other lines or another kind."""

    code = "journal_reference_conflict"

    def __init__(self, reference: str) -> None:
        super().__init__(None, reference=reference)
        self.reference = reference

    def problem_extra(self, lang: str) -> dict[str, Any]:
        return {"reference": self.reference}


class EntryNotFound(NotFound):
    code = "journal_entry_not_found"


class AlreadyReversed(Conflict):
    """An entry is reversed at most once."""

    code = "journal_already_reversed"


class ReversalNotReversible(Conflict):
    """A reversal is not reversed again: post a new entry instead."""

    code = "journal_reversal_not_reversible"
