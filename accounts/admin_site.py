"""The Django admin, governed by the same policies as the API.

Whether someone may enter `/admin/`, and what they may do there, is read from their role
on every request through `permissions.registry.policies`: a demoted admin is out on their
next request, whatever their `is_staff` and `is_superuser` flags say. `is_staff` stays
Django's "uses the admin" switch, needed but never enough on its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from permissions.django_admin import observe_grants
from permissions.registry import policies

from .policies import USERS_VIEW


def may_enter_admin(user: Any) -> bool:
    """An active staff account whose role holds `users.view` now may enter the admin."""
    return bool(user.is_active and user.is_staff and policies.allows(user, USERS_VIEW))


class PolicyAuthenticationForm(AdminAuthenticationForm):
    """Refuses at log-in whoever the site would refuse afterwards, with Django's one message."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        policies.refresh()
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
        observe_grants(request)
        return may_enter_admin(request.user)
