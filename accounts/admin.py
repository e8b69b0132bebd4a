"""Django admin for users and their role-change audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from api.exceptions import DomainError

from . import services
from .errors import LastActiveAdmin
from .models import RoleChange, User
from .roles import Role


def _set_role_action(role: Role):  # type: ignore[no-untyped-def]
    @admin.action(description=f"Set the role of the selected users to {role.label}", permissions=["change"])
    def action(modeladmin: UserAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        changed = 0
        for user in queryset:
            try:
                services.user_set_role(actor=request.user, user=user, role=role)  # audited like the API
                changed += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
        modeladmin.message_user(request, f"{changed} user(s) now have the role {role.label}.", messages.SUCCESS)

    action.__name__ = f"set_role_{role.value.lower()}"
    return action


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(DjangoUserChangeForm):
    """Unticking "active" goes through the same rules as the API."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_is_active(self) -> bool:
        active: bool = self.cleaned_data["is_active"]
        if not active and self.instance.pk and User.objects.lock_admins_and_check_last(self.instance.pk):
            raise ValidationError(LastActiveAdmin.default_message)
        return active


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_staff", "date_joined"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    # The role is changed only through the actions, so every change is audited.
    readonly_fields = ["role", "last_login", "date_joined"]
    actions = [_set_role_action(role) for role in Role]
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        ("Personal info", {"fields": ("first_name", "last_name", "phone", "address")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.revoke_after_deactivation(actor=request.user, user=obj)


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The audit trail: read-only, even for superusers."""

    list_display = ["at", "user", "old_role", "new_role", "actor"]
    list_filter = ["new_role", "old_role"]
    search_fields = ["user__email", "actor__email"]
    list_select_related = ["user", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
