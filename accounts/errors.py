"""What can go wrong with accounts, named after the fact; `project/errors.py` gives each its status and code."""

from __future__ import annotations

from api.exceptions import DomainError, ObjectNotFound, RejectedValue


class UserNotFound(ObjectNotFound):
    pass


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


class WeakPassword(RejectedValue):
    kind = "password_too_weak"


class InvalidLink(DomainError):
    """A mailed link that is wrong, expired or already used: one answer for all three."""

    default_message = "This link is invalid or has expired."
