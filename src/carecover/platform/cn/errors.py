"""The one error every China-specific identifier check raises."""

from __future__ import annotations


class InvalidIdentifier(ValueError):
    """A value that is not a valid identifier; ``code`` says which rule it broke."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params: dict[str, object] = params
        super().__init__(code)

    @property
    def message_key(self) -> str:
        """The i18n key of the message shown to people (``invalid.<code>``)."""
        return f"invalid.{self.code}"

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"InvalidIdentifier({self.code!r}, params={self.params!r})"
