"""Domain errors raised by services and translated into messages by views."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused an action; `message` is safe to show to the person who asked."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist, or is not this person's to see."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class NotAllowed(DomainError):
    """The action is not allowed right now."""
