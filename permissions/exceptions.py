"""Errors of the permission layer; `permissions.ninja.install(api)` answers PolicyDenied with a 403."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class PolicyDenied(Exception):
    """The caller is authenticated but does not hold `policy` (for this object)."""

    def __init__(self, policy: str) -> None:
        self.policy = policy
        super().__init__(f"You do not have permission to perform this action: requires '{policy}'.")


class AlreadyRegistered(ImproperlyConfigured):
    pass


class UnknownPolicy(ImproperlyConfigured, KeyError):
    def __str__(self) -> str:
        return f"Unknown policy {self.args[0]!r}."


class UnknownRole(ImproperlyConfigured):
    pass
