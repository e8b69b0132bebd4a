"""Domain errors: facts a client can cause and be told about, with no HTTP in them.

Apps subclass these (or DomainError) with names that say what happened (`EmailTaken`,
`TaskNotFound`); the composition root's table (`project/errors.py`) gives each its status
and stable `code`, in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a client can cause and be told about."""

    default_message = "Request refused."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class ObjectNotFound(DomainError):
    """The object does not exist, or the caller may not know that it does (one answer for both)."""

    default_message = "Not found"


class RejectedValue(DomainError):
    """An input the API refuses, answered like a schema failure (a 422 naming the field):
    a value that passed the schema but breaks a rule that needs the database or a
    validator, or a body that is not even readable (`field` None: the whole body)."""

    kind = "value_error"
    #: Where the value came from, as a 422's `loc` names it: "body", "header", ...
    source = "body"

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        super().__init__(message)
