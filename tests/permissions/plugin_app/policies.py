"""Policies of the plugin app, declared exactly as a real app declares its own."""

from accounts.roles import Role
from permissions.registry import policies

REPORTS_EXPORT = policies.register("reports.export", "Export reports.", [Role.ADMIN, Role.SELLER])
REPORTS_VIEW = policies.register("reports.view", "Read reports.", list(Role))
