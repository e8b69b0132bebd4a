"""Grants in the Django admin, under `permissions.manage`: every write goes through
`permissions.services`, as the API's do, so it is checked against the locks, recorded and
seen by every process; the change log is read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from . import conf, services
from .django_admin import PolicyAdmin
from .exceptions import GrantLocked
from .models import GrantChange, RoleGrants
from .policies import PERMISSIONS_MANAGE
from .registry import policies

if TYPE_CHECKING:
    # Generic only in django-stubs: subscripted at run time it raises TypeError.
    ModelForm: TypeAlias = forms.ModelForm[RoleGrants]
else:
    ModelForm = forms.ModelForm


class RoleGrantsForm(ModelForm):
    """The role and the whole set it holds, checked as the API checks it."""

    role = forms.ChoiceField(choices=[])
    policies = forms.MultipleChoiceField(choices=[], required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = RoleGrants
        fields = ("role", "policies")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "role" in self.fields:
            role_field = self.fields["role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = [(role, role) for role in conf.role_names()]
        policies_field = self.fields["policies"]
        assert isinstance(policies_field, forms.ChoiceField)
        policies_field.choices = [(p.name, f"{p.name}: {p.description}") for p in policies.matrix()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = cleaned.get("role") or self.instance.role
        try:
            services.check_locks(role, cleaned.get("policies", []))
        except GrantLocked as exc:
            raise ValidationError(str(exc), code="grant_locked") from exc
        return cleaned

    def validate_unique(self) -> None:
        """A role with a stored set is changed, not added twice: the service replaces it."""


@admin.register(RoleGrants)
class RoleGrantsAdmin(PolicyAdmin):
    form = RoleGrantsForm
    list_display = ("role", "policies", "changed_at")
    permission_policies = {
        "view": PERMISSIONS_MANAGE,
        "add": PERMISSIONS_MANAGE,
        "change": PERMISSIONS_MANAGE,
        "delete": PERMISSIONS_MANAGE,
    }

    def get_readonly_fields(self, request: HttpRequest, obj: RoleGrants | None = None) -> tuple[str, ...]:
        return ("role",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: RoleGrants, form: Any, change: bool) -> None:
        services.grants_set(actor=_actor(request), role=obj.role, names=form.cleaned_data["policies"])
        obj.pk = RoleGrants.objects.get(role=obj.role).pk  # for the admin's log entry and redirect

    def delete_model(self, request: HttpRequest, obj: RoleGrants) -> None:
        """Back to the defaults, recorded."""
        self._reset(request, obj.role)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrants]) -> None:
        for role in queryset.values_list("role", flat=True):
            self._reset(request, role)

    def _reset(self, request: HttpRequest, role: str) -> None:
        try:
            services.grants_reset(actor=_actor(request), role=role)
        except GrantLocked as exc:
            self.message_user(request, str(exc), messages.ERROR)


@admin.register(GrantChange)
class GrantChangeAdmin(PolicyAdmin):
    list_display = ("at", "role", "added", "removed", "actor")
    list_filter = ("role",)
    permission_policies = {"view": PERMISSIONS_MANAGE}


def _actor(request: HttpRequest) -> Any | None:
    return request.user if request.user.is_authenticated else None
