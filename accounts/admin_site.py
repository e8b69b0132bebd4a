"""The Django admin, governed by the same policies as the API.

Whether someone may enter `/admin/`, and what they may do there, is read from their role
on every request through `permissions.registry.policies`: a demoted admin is out on their
next request, whatever their `is_staff` and `is_superuser` flags say. `is_staff` stays
Django's "uses the admin" switch, needed but never enough on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from permissions.registry import Policy, policies

from .policies import USERS_VIEW

if TYPE_CHECKING:
    # Generic only in django-stubs (subscripted at run time it raises TypeError); PolicyAdmin
    # is the base of the admins of any model.
    ModelAdmin: TypeAlias = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin


def may_enter_admin(user: Any) -> bool:
    """An active staff account whose role holds `users.view` now may enter the admin."""
    return bool(user.is_active and user.is_staff and policies.allows(user, USERS_VIEW))


class PolicyAuthenticationForm(AdminAuthenticationForm):
    """Refuses at log-in whoever the site would refuse afterwards, with Django's one message."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not may_enter_admin(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class PolicyAdminSite(admin.AdminSite):
    """Django's admin site, entered by role (`users.view`) rather than by a flag set once.

    Installed as `admin.site` by `project.apps.PolicyAdminConfig`.
    """

    login_form = PolicyAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return may_enter_admin(request.user)


class PolicyAdmin(ModelAdmin):
    """A ModelAdmin whose permissions are policies of the user's role, not Django's model permissions.

    `permission_policies` maps an admin permission (`view`, `add`, `change`, `delete`, or
    an action's own, such as `change_role`) to the policy that grants it. One left out is
    granted to nobody, superusers included.
    """

    permission_policies: ClassVar[Mapping[str, Policy]] = {}

    def allows(self, request: HttpRequest, permission: str) -> bool:
        policy = self.permission_policies.get(permission)
        return policy is not None and policies.allows(request.user, policy)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.allows(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows(request, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allows(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows(request, "delete")
