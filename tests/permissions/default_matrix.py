"""The contract's "Default policy matrix", written once for every test that needs it."""

from __future__ import annotations

from accounts.roles import Role

_ALL = {Role.ADMIN: True, Role.SELLER: True, Role.CUSTOMER: True}
_STAFF = {Role.ADMIN: True, Role.SELLER: True, Role.CUSTOMER: False}
_ADMIN = {Role.ADMIN: True, Role.SELLER: False, Role.CUSTOMER: False}

#: policy name -> role -> granted by default
DEFAULT_MATRIX: dict[str, dict[Role, bool]] = {
    "tasks.view_own": _ALL,
    "tasks.create": _ALL,
    "tasks.change_own": _ALL,
    "tasks.delete_own": _ALL,
    "tasks.assign": _STAFF,
    "tasks.view_any": _ADMIN,
    "tasks.change_any": _ADMIN,
    "tasks.delete_any": _ADMIN,
    "users.view": _ADMIN,
    "users.create": _ADMIN,
    "users.change": _ADMIN,
    "users.change_role": _ADMIN,
    "users.delete": _ADMIN,
    "permissions.view": _ALL,
    "permissions.manage": _ADMIN,
}


def default_permissions(role: Role) -> list[str]:
    """The policies the contract grants `role` by default, sorted by name."""
    return sorted(name for name, grants in DEFAULT_MATRIX.items() if grants[role])
