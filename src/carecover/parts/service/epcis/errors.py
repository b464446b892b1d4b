"""The one error type of the EPCIS package."""

from __future__ import annotations


class EpcisError(ValueError):
    """A rejected EPCIS value, event or document.

    ``code`` is stable (``cbv.unknown_biz_step``, ``epcis.schema``, ``hash.unsupported_field`` …),
    ``message`` is English for logs and developers, ``pointer`` is the RFC 6901 JSON pointer of the
    offending member when there is one (``""`` is the whole document), and ``cause_code`` carries
    the code of an underlying error (for example the ``json.*`` code of a strict-JSON failure).
    """

    def __init__(
        self, code: str, message: str, *, pointer: str | None = None, cause_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pointer = pointer
        self.cause_code = cause_code
