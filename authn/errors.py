"""What can go wrong signing in, named after the fact; `project/errors.py` gives each its status and code."""

from __future__ import annotations

from api.exceptions import DomainError, ObjectNotFound


class LoginFailed(DomainError):
    #: One message for an unknown e-mail, a wrong password and an inactive account.
    default_message = "No active account found with the given email and password."


class InvalidToken(DomainError):
    """Malformed, expired, revoked, or of a user who is gone or deactivated."""

    default_message = "Token is invalid or expired."


class EmailNotVerified(DomainError):
    """REQUIRE_VERIFIED_EMAIL is on and the right password was given for an unverified address."""

    default_message = (
        "Verify your email address first: follow the link we sent, or reset your password to get a new one."
    )


class SessionNotFound(ObjectNotFound):
    """Not a live session of the caller (ended, expired, someone else's, or none)."""
