"""What the layer needs from the project, named in settings (as `AUTH_USER_MODEL` names the user model).

- `PERMISSIONS_ROLES`: dotted path to the enum of roles (its values are the role names,
  in the order the matrix lists them), e.g. `"accounts.roles.Role"`.
- `PERMISSIONS_ROLE_ATTRIBUTE`: the attribute of an authenticated user that holds its role
  (default `"role"`), read on every check from the user that authentication loaded.
- `PERMISSIONS_POLICY_ROLES`: per-deployment re-grants, `{"tasks.assign": ["ADMIN"]}`.
- `PERMISSIONS_APIS`: dotted paths of the NinjaAPI objects whose operations must all declare a policy.
- `PERMISSIONS_MANAGE_ROLES`: the roles holding `permissions.manage` (changing grants at run
  time) by default, e.g. `["ADMIN"]`; default none.
- `PERMISSIONS_LOCKED_GRANTS`: grants no run-time change may take away, per role,
  `{"ADMIN": ["permissions.manage"]}`, so that nobody locks every role out of changing them back.

Resolved lazily and cached; `permissions.checks` reports a bad value at start-up.
"""

from __future__ import annotations

import enum
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

ROLE_SETTINGS = ("PERMISSIONS_ROLES", "PERMISSIONS_ROLE_ATTRIBUTE")


@cache
def role_enum() -> type[enum.Enum]:
    dotted = getattr(settings, "PERMISSIONS_ROLES", None)
    if not dotted:
        raise ImproperlyConfigured(
            "PERMISSIONS_ROLES is not set: name the enum of your roles, e.g. 'accounts.roles.Role'."
        )
    try:
        roles = import_string(dotted)
    except ImportError as exc:
        raise ImproperlyConfigured(f"PERMISSIONS_ROLES {dotted!r} cannot be imported: {exc}") from exc
    if not (isinstance(roles, type) and issubclass(roles, enum.Enum)) or not len(roles):
        raise ImproperlyConfigured(f"PERMISSIONS_ROLES {dotted!r} must name an Enum with at least one role.")
    if not all(isinstance(member.value, str) for member in roles):
        raise ImproperlyConfigured(f"PERMISSIONS_ROLES {dotted!r}: every role's value must be a string.")
    return roles


@cache
def role_names() -> tuple[str, ...]:
    """Every role's name (the enum's values), in declaration order."""
    return tuple(str(member.value) for member in role_enum())


@cache
def role_attribute() -> str:
    return str(getattr(settings, "PERMISSIONS_ROLE_ATTRIBUTE", "role"))


def role_of(user: Any) -> str | None:
    """The role of an authenticated user, as a role name; None when it has none."""
    role = getattr(user, role_attribute(), None)
    if isinstance(role, enum.Enum):
        role = role.value
    return role if isinstance(role, str) else None


def policy_role_overrides() -> dict[str, list[str]]:
    return dict(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}) or {})


def api_paths() -> list[str]:
    return list(getattr(settings, "PERMISSIONS_APIS", []))


def manage_roles() -> list[str]:
    return list(getattr(settings, "PERMISSIONS_MANAGE_ROLES", []) or [])


def locked_grants() -> dict[str, list[str]]:
    """role -> the policies it keeps whatever a run-time change says."""
    return {
        str(role): list(names) for role, names in (getattr(settings, "PERMISSIONS_LOCKED_GRANTS", {}) or {}).items()
    }


@receiver(setting_changed)
def _forget_cached_settings(*, setting: str, **kwargs: Any) -> None:
    if setting in ROLE_SETTINGS:
        for cached in (role_enum, role_names, role_attribute):
            cached.cache_clear()
