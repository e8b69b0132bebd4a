"""Errors of the permission layer; `permissions.ninja.install(api)` answers PolicyDenied with a 403."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ImproperlyConfigured

#: Why a check refused: the user's role does not hold the policy (`role`), the role holds
#: it but the policy's object rule refused this object (`object`), or the user is not
#: active (`inactive`: never a 403, the guard treats such a user as not authenticated).
Reason = Literal["role", "object", "inactive"]


class PolicyDenied(Exception):
    """The caller is authenticated but does not hold `policy` (for this object), for `reason`."""

    def __init__(self, policy: str, reason: Reason = "role") -> None:
        self.policy = policy
        self.reason = reason
        super().__init__(f"You do not have permission to perform this action: requires '{policy}'.")


class AlreadyRegistered(ImproperlyConfigured):
    pass


class UnknownPolicy(ImproperlyConfigured, KeyError):
    def __str__(self) -> str:
        return f"Unknown policy {self.args[0]!r}."


class UnknownRole(ImproperlyConfigured):
    pass


class RoleNotFound(Exception):
    """A run-time grant names a role that `PERMISSIONS_ROLES` does not have."""

    def __init__(self, role: str) -> None:
        self.role = role
        super().__init__("Not found")


class GrantLocked(Exception):
    """A run-time change would take from a role a policy it must keep (`PERMISSIONS_LOCKED_GRANTS`)."""

    def __init__(self, role: str, policies: list[str]) -> None:
        self.role = role
        self.policies = policies
        super().__init__(f"{role} must keep {', '.join(policies)}: these grants are locked.")
