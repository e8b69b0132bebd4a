"""Changing grants at run time: the one way a role's stored set is written, by the API, the
admin and the test kit alike, so every change is checked against the locks, recorded and
seen by every process (the version moves in the same transaction)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction
from django.db.models import QuerySet

from . import conf
from .exceptions import GrantLocked, RoleNotFound, UnknownPolicy
from .models import VERSION_ROW, GrantChange, GrantsVersion, RoleGrants
from .registry import policies


@dataclass(frozen=True)
class RoleGrantsState:
    role: str
    policies: list[str]
    #: No set is stored for the role: it holds the code's defaults.
    default: bool


def known_role(role: str) -> str:
    if role not in conf.role_names():
        raise RoleNotFound(role)
    return role


def grantable_names() -> frozenset[str]:
    """The policies a role can be granted: every one but the access levels."""
    return frozenset(policy.name for policy in policies.matrix())


def grantable(names: Iterable[str]) -> list[str]:
    """Sorted, without repeats; a name that is no role-granted policy raises UnknownPolicy."""
    chosen = set(names)
    for name in sorted(chosen - grantable_names()):
        raise UnknownPolicy(name)
    return sorted(chosen)


def check_locks(role: str, names: Iterable[str]) -> None:
    """Raise GrantLocked when the set leaves out a grant `role` must keep."""
    held = set(names)
    missing = [name for name in conf.locked_grants().get(role, []) if name not in held]
    if missing:
        raise GrantLocked(role, missing)


def role_grants_get(*, role: str) -> RoleGrantsState:
    """What `role` holds according to the database (the registry may be a request behind)."""
    row = RoleGrants.objects.using(_alias()).filter(role=known_role(role)).first()
    if row is None:
        return RoleGrantsState(role, sorted(policies.defaults_of(role)), default=True)
    # A policy since removed from the code is no longer held: left out.
    return RoleGrantsState(role, sorted(set(row.policies) & grantable_names()), default=False)


def grants_set(*, actor: Any | None, role: str, names: Iterable[str]) -> RoleGrantsState:
    """`role` holds exactly `names` from now on, in place of its defaults."""
    known_role(role)
    chosen = grantable(names)
    check_locks(role, chosen)
    return _change(actor, role, chosen)


def grants_reset(*, actor: Any | None, role: str) -> RoleGrantsState:
    """`role` holds the code's defaults again."""
    known_role(role)
    check_locks(role, policies.defaults_of(role))
    return _change(actor, role, None)


def grant_changes() -> QuerySet[GrantChange]:
    """Every recorded change, newest first."""
    return GrantChange.objects.using(_alias()).order_by("-at", "-id")


def _alias() -> str:
    return router.db_for_write(RoleGrants)


def _change(actor: Any | None, role: str, chosen: list[str] | None) -> RoleGrantsState:
    """Store (or, for None, drop) the role's set; record it and move the version when the
    stored state changed, all in one transaction serialized on the version row."""
    alias = _alias()
    with transaction.atomic(using=alias):
        version, _ = GrantsVersion.objects.using(alias).select_for_update().get_or_create(pk=VERSION_ROW)
        before = role_grants_get(role=role)
        if chosen is None:
            changed = RoleGrants.objects.using(alias).filter(role=role).delete()[0] > 0
            after = RoleGrantsState(role, sorted(policies.defaults_of(role)), default=True)
        else:
            changed = before.default or before.policies != chosen
            RoleGrants.objects.using(alias).update_or_create(role=role, defaults={"policies": chosen})
            after = RoleGrantsState(role, chosen, default=False)
        if changed:
            GrantChange.objects.using(alias).create(
                actor=actor,
                role=role,
                added=sorted(set(after.policies) - set(before.policies)),
                removed=sorted(set(before.policies) - set(after.policies)),
            )
            # Never the same number twice, not even after a change that was rolled back: a
            # process that read the rolled-back sets must not take other sets for them.
            version.value = max(version.value + 1, time.time_ns() // 1000)
            version.save(update_fields=["value"])
            transaction.on_commit(policies.refresh, using=alias)
    return after
