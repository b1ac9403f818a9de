"""The base of every error the domain raises on purpose.

A `DomainError` is bad input or a broken business rule, never a bug: the web layer shows `message` (Spanish, for the
screen) and answers the JSON API with `code` (short, stable, for machines).
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """An expected failure whose message can be shown to the cashier as is."""

    # Subclasses set their own; a caller can still pass a more precise one.
    default_code: ClassVar[str] = "domain_error"

    message: str
    code: str

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"
