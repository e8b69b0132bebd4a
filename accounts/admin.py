"""Django admin for users and their role-change audit trail, by the same policies as the API.

Every write goes through `accounts.services`, as the API's do: role changes, deactivation
and deletion are audited, and none of them can remove the last active admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.contrib import admin, messages
from django.contrib.admin import actions as django_actions
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from api.exceptions import DomainError
from permissions.django_admin import PolicyAdmin

from . import services
from .errors import LastActiveAdmin
from .models import RoleChange, User
from .policies import USERS_CHANGE, USERS_CHANGE_ROLE, USERS_CREATE, USERS_DELETE, USERS_VIEW
from .roles import Role

#: Flags that open the Django admin or Django's model permissions: setting them is a
#: promotion, so it takes `users.change_role` like a role change does.
ADMIN_RIGHTS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

if TYPE_CHECKING:
    # Generic only in django-stubs: subscripted at run time they raise TypeError.
    DjangoUserAdminBase: TypeAlias = DjangoUserAdmin[User]
    CreationFormBase: TypeAlias = BaseUserCreationForm[User]
    ChangeFormBase: TypeAlias = DjangoUserChangeForm[User]
else:
    DjangoUserAdminBase, CreationFormBase, ChangeFormBase = DjangoUserAdmin, BaseUserCreationForm, DjangoUserChangeForm


def signed_in(request: HttpRequest) -> User:
    """The user behind an admin request. The site lets only signed-in users in
    (`PolicyAdminSite.has_permission`), so `request.user` is a User here, never anonymous."""
    return cast(User, request.user)


def _set_role_action(role: Role) -> Callable[[UserAdmin, HttpRequest, QuerySet[User]], None]:
    @admin.action(description=f"Set the role of the selected users to {role.label}", permissions=["change_role"])
    def action(modeladmin: UserAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        changed = 0
        for user in queryset:
            try:
                services.user_set_role(actor=signed_in(request), user=user, role=role)  # audited like the API
                changed += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
        modeladmin.message_user(request, f"{changed} user(s) now have the role {role.label}.", messages.SUCCESS)

    action.__name__ = f"set_role_{role.value.lower()}"
    return action


class UserCreationForm(CreationFormBase):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(ChangeFormBase):
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
class UserAdmin(PolicyAdmin, DjangoUserAdminBase):
    """Creating an account takes `users.create`, as in the API: the add form sets only the
    email and the password, so the new account gets the default role (CUSTOMER) and no
    admin rights."""

    permission_policies = {
        "view": USERS_VIEW,
        "add": USERS_CREATE,
        "change": USERS_CHANGE,
        "delete": USERS_DELETE,
        "change_role": USERS_CHANGE_ROLE,
    }
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "email_verified",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["role", "is_active", "email_verified", "is_staff", "is_superuser"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    # The role is changed only through the actions, so every change is audited.
    readonly_fields = ["role", "last_login", "date_joined"]
    actions = ["delete_selected", *(_set_role_action(role) for role in Role)]
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        ("Personal info", {"fields": ("first_name", "last_name", "phone", "address")}),
        (
            "Permissions",
            {"fields": ("is_active", "email_verified", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def has_change_role_permission(self, request: HttpRequest) -> bool:
        """The role actions' permission (`@admin.action(permissions=["change_role"])`)."""
        return self.allows(request, "change_role")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if self.has_change_role_permission(request) else [*readonly, *ADMIN_RIGHTS_FIELDS]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.revoke_after_deactivation(actor=signed_in(request), user=obj)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(actor=signed_in(request), user=obj)  # audited; refuses the last active admin

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """One audited `user_delete` per user, all or none (Django's deletes the queryset at once)."""
        with transaction.atomic():
            for user in queryset:
                self.delete_model(request, user)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's delete view; the last active admin is refused with a message, not an error page."""
        try:
            return super().delete_view(request, object_id, extra_context)
        except LastActiveAdmin as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:accounts_user_change", args=[object_id], current_app=self.admin_site.name)
            )

    @admin.action(description="Delete selected users", permissions=["delete"])
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """Replaces Django's action of the same name, which deletes the whole queryset at once:
        Django's confirmation page, then one audited `user_delete` per user, so the last active
        admin stays and the message counts only the users deleted."""
        *_, perms_needed, protected = self.get_deleted_objects(queryset, request)
        if not request.POST.get("post") or perms_needed or protected:
            return django_actions.delete_selected(self, request, queryset)  # the page, or Django's refusal
        deleted = 0
        # The caller's own account last: once it is gone, no further deletion can be logged in its name.
        for user in sorted(queryset, key=lambda user: user.pk == request.user.pk):
            try:
                with transaction.atomic():
                    self.log_deletions(request, [user])  # type: ignore[arg-type]  # Django iterates it: a list will do
                    self.delete_model(request, user)
            except LastActiveAdmin as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
            else:
                deleted += 1
        self.message_user(request, f"{deleted} user(s) deleted.", messages.SUCCESS)
        return None


@admin.register(RoleChange)
class RoleChangeAdmin(PolicyAdmin):
    """The audit trail: readable with `users.view`; nobody adds, changes or deletes a row."""

    permission_policies = {"view": USERS_VIEW}
    list_display = ["at", "user", "old_role", "new_role", "actor"]
    list_filter = ["new_role", "old_role"]
    search_fields = ["user__email", "actor__email"]
    list_select_related = ["user", "actor"]
