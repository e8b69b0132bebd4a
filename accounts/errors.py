"""What can go wrong with accounts, named after the fact; `project/errors.py` gives each its status and code."""

from __future__ import annotations

from api.exceptions import DomainError, ObjectNotFound, RejectedValue


class UserNotFound(ObjectNotFound):
    pass


class SessionNotFound(ObjectNotFound):
    """Not a live session of the caller (ended, expired, someone else's, or none)."""


class EmailTaken(DomainError):
    default_message = "A user with this email already exists."


class LastActiveAdmin(DomainError):
    """Nobody may demote, deactivate or delete the last active admin: the deployment would be locked."""

    default_message = "This is the last active admin: promote another admin first."


class AdminSignupRefused(DomainError):
    default_message = "The ADMIN role cannot be chosen at sign-up."


class OwnRoleRaiseRefused(DomainError):
    default_message = "You cannot raise your own role."


class WrongPassword(DomainError):
    default_message = "The current password is wrong."


class LoginFailed(DomainError):
    #: One message for an unknown e-mail, a wrong password and an inactive account.
    default_message = "No active account found with the given email and password."


class InvalidToken(DomainError):
    """Malformed, expired, revoked, or of a user who is gone or deactivated."""

    default_message = "Token is invalid or expired."


class WeakPassword(RejectedValue):
    kind = "password_too_weak"


class InvalidLink(DomainError):
    """A mailed link that is wrong, expired or already used: one answer for all three."""

    default_message = "This link is invalid or has expired."


class EmailNotVerified(DomainError):
    """REQUIRE_VERIFIED_EMAIL is on and the right password was given for an unverified address."""

    default_message = (
        "Verify your email address first: follow the link we sent, or reset your password to get a new one."
    )


class ThrottleStoreUnavailable(DomainError):
    """Redis (REDIS_URL), where the login throttle counts, did not answer: no attempt goes uncounted."""

    default_message = "The service is temporarily unavailable."
