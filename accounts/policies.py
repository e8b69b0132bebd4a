"""Policies of the users administration."""

from accounts.roles import Role
from permissions.registry import policies

USERS_VIEW = policies.register("users.view", "List and read user accounts and their role history.", [Role.ADMIN])
USERS_CREATE = policies.register(
    "users.create",
    "Create user accounts; each gets a link to set its password (an ADMIN also takes users.change_role).",
    [Role.ADMIN],
)
USERS_CHANGE = policies.register("users.change", "Change user accounts, activate and deactivate them.", [Role.ADMIN])
USERS_CHANGE_ROLE = policies.register("users.change_role", "Promote and demote users.", [Role.ADMIN])
USERS_DELETE = policies.register("users.delete", "Delete user accounts (never the last active admin).", [Role.ADMIN])
