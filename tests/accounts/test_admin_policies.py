"""The last active admin survives every way of deleting a user, and deletions are audited."""

from __future__ import annotations

import logging

import pytest

from accounts import services
from accounts.errors import LastActiveAdmin
from accounts.models import User
from accounts.roles import Role
from tasks.models import Task
from tests.factories import AdminFactory, CustomerFactory, TaskFactory

AUDIT = "nexora.audit"


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The audit records logged, as the fields the JSON formatter writes out."""
    return [
        {"message": record.getMessage(), "event": getattr(record, "event", None),
         "actor_id": getattr(record, "actor_id", None), "user_id": getattr(record, "user_id", None)}
        for record in caplog.records if record.name == AUDIT
    ]


# --- User.delete() and QuerySet.delete() ------------------------------------------------------


def test_user_delete_method_refuses_last_active_admin(admin: User) -> None:
    AdminFactory(is_active=False)  # an inactive admin does not count

    with pytest.raises(LastActiveAdmin):
        admin.delete()

    assert User.objects.filter(pk=admin.pk, role=Role.ADMIN, is_active=True).exists()


def test_user_delete_method_reads_the_role_as_stored(admin: User) -> None:
    """A stale copy that still says CUSTOMER does not get the last admin deleted."""
    stale = User.objects.get(pk=admin.pk)
    stale.role = Role.CUSTOMER

    with pytest.raises(LastActiveAdmin):
        stale.delete()

    assert User.objects.filter(pk=admin.pk).exists()


def test_user_delete_method_deletes_an_admin_when_another_remains(admin: User) -> None:
    other = AdminFactory()

    admin.delete()

    assert list(User.objects.values_list("pk", flat=True)) == [other.pk]


def test_queryset_delete_refuses_taking_every_active_admin(admin: User) -> None:
    other = AdminFactory()
    customer = CustomerFactory()

    with pytest.raises(LastActiveAdmin):
        User.objects.all().delete()

    assert sorted(User.objects.values_list("pk", flat=True)) == sorted([admin.pk, other.pk, customer.pk])


def test_queryset_delete_of_others_deletes(admin: User) -> None:
    CustomerFactory.create_batch(2)

    deleted, _ = User.objects.exclude(pk=admin.pk).delete()

    assert deleted == 2
    assert list(User.objects.values_list("pk", flat=True)) == [admin.pk]


# --- accounts.services.user_delete ------------------------------------------------------------


def test_user_delete_service_refuses_last_active_admin(admin: User, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(LastActiveAdmin):
        services.user_delete(actor=admin, user=admin)

    assert User.objects.filter(pk=admin.pk).exists()
    assert audit_lines(caplog) == []


def test_user_delete_service_deletes_and_audits_ids_only(
    admin: User, customer: User, caplog: pytest.LogCaptureFixture
) -> None:
    customer_id = customer.pk
    owned = TaskFactory(owner=customer)
    assigned = TaskFactory(assignee=customer)
    caplog.set_level(logging.INFO, logger=AUDIT)

    services.user_delete(actor=admin, user=customer)

    assert not User.objects.filter(pk=customer_id).exists()
    assert not Task.objects.filter(pk=owned.pk).exists()
    assert Task.objects.get(pk=assigned.pk).assignee_id is None
    assert audit_lines(caplog) == [
        {"message": "user deleted", "event": "user_deleted", "actor_id": admin.pk, "user_id": customer_id}
    ]
    assert customer.email not in caplog.text


def test_user_delete_service_deletes_an_admin_when_another_remains(admin: User) -> None:
    other = AdminFactory()

    services.user_delete(actor=other, user=admin)

    assert list(User.objects.values_list("pk", flat=True)) == [other.pk]
