"""The policy layer in the Django admin: a ModelAdmin granted by policies, not model permissions.

Optional: import it only in a project that uses `django.contrib.admin`.

The admin authenticates with Django's session, whose user row carries no grants version:
`observe_grants(request)` reads it (one query per request) before the first check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from django.contrib import admin
from django.http import HttpRequest

from .registry import Policy, policies

_OBSERVED = "permissions_grants_observed"


def observe_grants(request: HttpRequest) -> None:
    """Make the grants current for this request's checks, once per request."""
    if not getattr(request, _OBSERVED, False):
        policies.observe(request.user)
        setattr(request, _OBSERVED, True)


if TYPE_CHECKING:
    # Generic only in django-stubs (subscripted at run time it raises TypeError); PolicyAdmin
    # is the base of the admins of any model.
    ModelAdmin: TypeAlias = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin


class PolicyAdmin(ModelAdmin):
    """A ModelAdmin whose permissions are policies of the user's role, not Django's model permissions.

    `permission_policies` maps an admin permission (`view`, `add`, `change`, `delete`, or
    an action's own, such as `change_role`) to the policy that grants it. One left out is
    granted to nobody, superusers included.
    """

    permission_policies: ClassVar[Mapping[str, Policy]] = {}

    def allows(self, request: HttpRequest, permission: str, obj: Any = None) -> bool:
        """The user's role holds the permission's policy and, for an object, its object rule
        passes on it: the admin decides as the API does, with the same rules."""
        policy = self.permission_policies.get(permission)
        if policy is None:
            return False
        observe_grants(request)
        if obj is None:
            return policies.allows(request.user, policy)
        return policies.allows(request.user, policy, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.allows(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows(request, "view", obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allows(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows(request, "delete", obj)
