"""Typed domain errors raised by services; one app-level handler turns them into responses."""
from __future__ import annotations

from typing import Any

from kb.i18n import N_


class DomainError(Exception):
    """Base class: an HTTP status, a message and optional field errors."""

    status = 400

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class BadRequest(DomainError):
    """The request cannot be understood."""

    status = 400


class Unauthorized(DomainError):
    """No or invalid credentials."""

    status = 401


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403


class NotFound(DomainError):
    """No such record (or not visible to the caller)."""

    status = 404


def unknown_reference(field: str, message: Any) -> NotFound:
    """A body that refers (field) to a record that does not exist or that the caller may not see: 404, as for
    an unknown id in the path, with the field named. (What the schema can check, a code list say, is a 422.)"""
    return NotFound(message, {field: [message]})


class Conflict(DomainError):
    """The record changed meanwhile, or the change clashes with existing data."""

    status = 409


class InvalidTransition(Conflict):
    """The action is not possible in the record's current state."""


class UnsupportedMediaType(DomainError):
    """The body is not JSON."""

    status = 415


class ValidationFailed(DomainError):
    """Input is well-formed but invalid; errors maps field names to messages."""

    status = 422

    def __init__(self, errors: dict[str, Any], message: str = N_("Invalid input.")) -> None:
        super().__init__(message, errors)


class Throttled(DomainError):
    """Too many attempts; retry later."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Starting(DomainError):
    """The server is still loading what the call needs (the search index); retry after a few seconds."""

    status = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
