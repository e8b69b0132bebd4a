"""Domain errors shared by the apps.

Services raise these; they carry no HTTP. `api/errors.py` maps each kind to a status
code in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a client can cause and be told about."""

    default_message = "Request refused."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    default_message = "Not found"


class Conflict(DomainError):
    default_message = "Conflict."


class InvalidField(DomainError):
    """A value that passed the schema but breaks a rule that needs the database."""

    def __init__(self, field: str, message: str, kind: str = "value_error") -> None:
        self.field = field
        self.kind = kind
        super().__init__(message)


class InvalidCredentials(DomainError):
    """The caller could not be authenticated (bad token, bad password at login)."""

    default_message = "Invalid credentials."


class BadRequest(DomainError):
    default_message = "Bad request."


class Forbidden(DomainError):
    """Authenticated, and allowed the operation, but not this particular change."""

    default_message = "You do not have permission to perform this action."
