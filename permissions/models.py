"""Grants changed at run time: which roles hold which policies, as data.

Code declares the policies and their default roles; a stored `RoleGrants` row replaces
one role's whole set. Every change bumps the one `GrantsVersion` row in the same
transaction, so any process can tell from that number alone whether what it holds is
current (`permissions.registry`), and is recorded in a `GrantChange` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

#: The primary key of the one `GrantsVersion` row.
VERSION_ROW = 1


class RoleGrants(models.Model):
    """The policies one role holds, in place of the code's defaults for that role."""

    role = models.CharField(max_length=64, unique=True)
    #: Policy names, sorted.
    policies = models.JSONField(default=list)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role"]
        verbose_name = "role's grants"
        verbose_name_plural = "roles' grants"

    def __str__(self) -> str:
        return self.role


class GrantChange(models.Model):
    """One change of a role's grants: who, which role, the policies it gained and lost, when."""

    #: Null for a change made outside a request (a command), or once the actor is deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=64)
    added = models.JSONField(default=list)
    removed = models.JSONField(default=list)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.role}: +{', '.join(self.added) or '-'} -{', '.join(self.removed) or '-'}"


class GrantsVersion(models.Model):
    """One row: changes with every grant change. 0 (or no row) means no change was ever stored."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
