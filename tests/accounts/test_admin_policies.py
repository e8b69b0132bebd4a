"""The Django admin goes by the same policies as the API, read from the role on every
request; the last active admin survives every way of deleting a user; deletions are audited."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.test.utils import ContextList

from accounts import services
from accounts.errors import LastActiveAdmin
from accounts.models import RoleChange, User
from accounts.roles import Role
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import (
    PASSWORD,
    AdminFactory,
    CustomerFactory,
    RoleChangeFactory,
    TaskFactory,
)
from permissions.registry import policies
from tasks.models import Task

AUDIT = "nexora.audit"
INDEX = "/admin/"
USERS = "/admin/accounts/user/"
ROLE_CHANGES = "/admin/accounts/rolechange/"
TASKS = "/admin/tasks/task/"
LAST_ADMIN = "This is the last active admin: promote another admin first."


def login_redirect(path: str) -> str:
    """Where the admin sends a signed-in user it refuses: its login page, to come back to `path`."""
    return f"/admin/login/?next={path}"


def site_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class AdminPage(Protocol):
    """What these tests read of the test client's answer to an admin page."""

    @property
    def context(self) -> ContextList | dict[str, Any]: ...


def shown_messages(response: AdminPage) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def staff_admin(db: None) -> User:
    """An ADMIN with both of Django's flags, as `createsuperuser` makes one."""
    return AdminFactory.create(staff=True)


@pytest.fixture
def override_roles() -> Iterator[Any]:
    """`override_roles({...})` re-grants policies for one test, as PERMISSIONS_POLICY_ROLES would."""
    try:
        yield policies.override_roles
    finally:
        policies.reset_roles()


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The audit records logged, as the fields the JSON formatter writes out."""
    return [
        {
            "message": record.getMessage(),
            "event": getattr(record, "event", None),
            "actor_id": getattr(record, "actor_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for record in caplog.records
        if record.name == AUDIT
    ]


# --- User.delete() and QuerySet.delete() ------------------------------------------------------


def test_user_delete_method_refuses_last_active_admin(admin: User) -> None:
    AdminFactory.create(is_active=False)  # an inactive admin does not count

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
    other = AdminFactory.create()

    admin.delete()

    assert list(User.objects.values_list("pk", flat=True)) == [other.pk]


def test_queryset_delete_refuses_taking_every_active_admin(admin: User) -> None:
    other = AdminFactory.create()
    customer = CustomerFactory.create()

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
    owned = TaskFactory.create(owner=customer)
    assigned = TaskFactory.create(assignee=customer)
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
    other = AdminFactory.create()

    services.user_delete(actor=other, user=admin)

    assert list(User.objects.values_list("pk", flat=True)) == [other.pk]


# --- entering the admin ---------------------------------------------------------------------


def test_demoted_admin_refused_on_next_request(staff_admin: User) -> None:
    site = site_for(staff_admin)
    assert site.get(INDEX).status_code == 200
    assert site.get(USERS).status_code == 200
    other = AdminFactory.create()

    assert ApiClient(other).put(f"/api/users/{staff_admin.pk}/role/", {"role": "CUSTOMER"}).status_code == 200

    demoted = User.objects.get(pk=staff_admin.pk)
    assert (demoted.role, demoted.is_staff, demoted.is_superuser) == ("CUSTOMER", True, True)
    for path in (INDEX, USERS, f"{USERS}{other.pk}/change/", ROLE_CHANGES, TASKS):
        response = site.get(path)
        assert (response.status_code, response["Location"]) == (302, login_redirect(path)), path


def test_demoted_admin_cannot_change_a_role_through_the_admin(staff_admin: User) -> None:
    site = site_for(staff_admin)
    target = CustomerFactory.create()
    services.user_set_role(actor=AdminFactory.create(), user=staff_admin, role=Role.CUSTOMER)

    response = site.post(USERS, {"action": "set_role_admin", "_selected_action": [target.pk, staff_admin.pk]})

    assert (response.status_code, response["Location"]) == (302, login_redirect(USERS))
    assert User.objects.get(pk=target.pk).role == "CUSTOMER"
    assert User.objects.get(pk=staff_admin.pk).role == "CUSTOMER"
    assert RoleChange.objects.count() == 1  # the demotion only


@pytest.mark.parametrize(
    ("role", "is_superuser"),
    [("CUSTOMER", True), ("SELLER", True), ("SELLER", False), ("CUSTOMER", False)],
    ids=["customer-superuser", "seller-superuser", "seller-staff", "customer-staff"],
)
def test_staff_without_users_view_cannot_enter(db: None, role: str, is_superuser: bool) -> None:
    user = CustomerFactory.create(role=role, is_staff=True, is_superuser=is_superuser)
    site = site_for(user)

    for path in (INDEX, USERS, f"{USERS}{user.pk}/change/", ROLE_CHANGES, TASKS):
        response = site.get(path)
        assert (response.status_code, response["Location"]) == (302, login_redirect(path)), path


@pytest.mark.parametrize(
    ("role", "is_superuser"), [("CUSTOMER", True), ("SELLER", False)], ids=["customer-superuser", "seller-staff"]
)
def test_staff_without_users_view_cannot_log_in_to_the_admin(db: None, role: str, is_superuser: bool) -> None:
    user = CustomerFactory.create(role=role, is_staff=True, is_superuser=is_superuser)
    browser = Client()

    response = browser.post("/admin/login/", {"username": user.email, "password": PASSWORD, "next": INDEX})

    assert response.status_code == 200
    assert "Please enter the correct email address and password for a staff account" in response.content.decode()
    assert SESSION_KEY not in browser.session


def test_admin_logs_in_to_the_admin(staff_admin: User) -> None:
    browser = Client()

    response = browser.post("/admin/login/", {"username": staff_admin.email, "password": PASSWORD, "next": INDEX})

    assert (response.status_code, response["Location"]) == (302, INDEX)
    assert browser.get(INDEX).status_code == 200


def test_admin_without_superuser_flag_uses_the_admin_by_role(db: None) -> None:
    """The role opens our admins, not Django's model permissions: is_superuser is not needed."""
    site = site_for(AdminFactory.create(is_staff=True))
    customer = CustomerFactory.create()

    assert site.get(USERS).status_code == 200
    assert site.get(f"{USERS}{customer.pk}/change/").status_code == 200
    assert site.get(f"{USERS}add/").status_code == 200
    assert site.get(ROLE_CHANGES).status_code == 200
    assert site.get(TASKS).status_code == 200
    assert site.post(USERS, {"action": "set_role_seller", "_selected_action": [customer.pk]}).status_code == 302
    assert User.objects.get(pk=customer.pk).role == "SELLER"


def test_task_admin_follows_the_tasks_policies(staff_admin: User, override_roles: Any) -> None:
    task = TaskFactory.create()
    override_roles({"tasks.view_any": [], "tasks.change_any": [], "tasks.delete_any": []})
    site = site_for(staff_admin)

    assert site.get(TASKS).status_code == 403
    assert site.get(f"{TASKS}{task.pk}/change/").status_code == 403
    assert site.post(f"{TASKS}{task.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Task.objects.filter(pk=task.pk).exists()


def test_role_history_admin_stays_read_only_for_superusers(staff_admin: User) -> None:
    change = RoleChangeFactory.create()
    site = site_for(staff_admin)

    assert site.get(ROLE_CHANGES).status_code == 200
    assert site.get(f"{ROLE_CHANGES}add/").status_code == 403
    assert site.post(f"{ROLE_CHANGES}{change.pk}/change/", {"new_role": "ADMIN"}).status_code == 403
    assert site.post(f"{ROLE_CHANGES}{change.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RoleChange.objects.get().new_role == "SELLER"


def test_admin_without_users_change_role_has_no_role_actions_nor_admin_flags(
    staff_admin: User, override_roles: Any
) -> None:
    override_roles({"users.change_role": []})
    customer = CustomerFactory.create()
    site = site_for(staff_admin)

    refused = site.post(USERS, {"action": "set_role_admin", "_selected_action": [customer.pk]}, follow=True)
    assert refused.status_code == 200
    assert shown_messages(refused) == ["No action selected."]
    form = {
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "address": customer.address,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }
    assert site.post(f"{USERS}{customer.pk}/change/", form).status_code == 302
    stored = User.objects.get(pk=customer.pk)
    assert (stored.role, stored.is_staff, stored.is_superuser) == ("CUSTOMER", False, False)


# --- deleting users in the admin ---------------------------------------------------------------


def test_delete_selected_shows_the_confirmation_page_first(staff_admin: User) -> None:
    customers = CustomerFactory.create_batch(2)

    response = site_for(staff_admin).post(
        USERS, {"action": "delete_selected", "_selected_action": [user.pk for user in customers]}
    )

    assert response.status_code == 200
    assert "admin/delete_selected_confirmation.html" in [template.name for template in response.templates]
    assert User.objects.count() == 3


def test_delete_selected_keeps_the_last_active_admin(staff_admin: User, caplog: pytest.LogCaptureFixture) -> None:
    customers = CustomerFactory.create_batch(2)
    customer_ids = [user.pk for user in customers]
    caplog.set_level(logging.INFO, logger=AUDIT)

    response = site_for(staff_admin).post(
        USERS,
        {"action": "delete_selected", "post": "yes", "_selected_action": [staff_admin.pk, *customer_ids]},
        follow=True,
    )

    assert response.status_code == 200
    assert list(User.objects.values_list("pk", flat=True)) == [staff_admin.pk]
    assert shown_messages(response) == [f"{staff_admin.email}: {LAST_ADMIN}", "2 user(s) deleted."]
    assert sorted(int(entry.object_id) for entry in LogEntry.objects.filter(action_flag=DELETION)) == customer_ids
    assert [(line["event"], line["actor_id"], line["user_id"]) for line in audit_lines(caplog)] == [
        ("user_deleted", staff_admin.pk, user_id) for user_id in customer_ids
    ]


def test_delete_selected_of_two_admins_keeps_the_caller_last(staff_admin: User) -> None:
    """The caller's own account comes last, so what is logged before is logged in its name."""
    other = AdminFactory.create()
    other_id = other.pk

    response = site_for(staff_admin).post(
        USERS,
        {"action": "delete_selected", "post": "yes", "_selected_action": [staff_admin.pk, other_id]},
        follow=True,
    )

    assert response.status_code == 200
    assert list(User.objects.values_list("pk", flat=True)) == [staff_admin.pk]
    assert shown_messages(response) == [f"{staff_admin.email}: {LAST_ADMIN}", "1 user(s) deleted."]
    entry = LogEntry.objects.get(action_flag=DELETION)
    assert (entry.user_id, int(entry.object_id)) == (staff_admin.pk, other_id)


def test_delete_view_refuses_the_last_active_admin(staff_admin: User) -> None:
    site = site_for(staff_admin)
    delete_url = f"{USERS}{staff_admin.pk}/delete/"
    assert site.get(delete_url).status_code == 200  # the confirmation page

    response = site.post(delete_url, {"post": "yes"})

    assert (response.status_code, response["Location"]) == (302, f"{USERS}{staff_admin.pk}/change/")
    assert User.objects.filter(pk=staff_admin.pk, role=Role.ADMIN, is_active=True).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
    assert shown_messages(site.get(response["Location"])) == [LAST_ADMIN]


def test_admin_deletes_a_user_through_the_delete_view_with_audit(
    staff_admin: User, customer: User, caplog: pytest.LogCaptureFixture
) -> None:
    customer_id = customer.pk
    caplog.set_level(logging.INFO, logger=AUDIT)

    response = site_for(staff_admin).post(f"{USERS}{customer_id}/delete/", {"post": "yes"})

    assert (response.status_code, response["Location"]) == (302, USERS)
    assert not User.objects.filter(pk=customer_id).exists()
    assert [int(entry.object_id) for entry in LogEntry.objects.filter(action_flag=DELETION)] == [customer_id]
    assert audit_lines(caplog) == [
        {"message": "user deleted", "event": "user_deleted", "actor_id": staff_admin.pk, "user_id": customer_id}
    ]
    assert customer.email not in caplog.text


def test_delete_queryset_goes_through_the_service_all_or_none(staff_admin: User, rf: Any) -> None:
    CustomerFactory.create()
    request = rf.post(USERS)
    request.user = staff_admin
    user_admin = django_admin.site.get_model_admin(User)

    with pytest.raises(LastActiveAdmin):
        user_admin.delete_queryset(request, User.objects.order_by("-pk"))

    assert User.objects.count() == 2


def test_admin_without_users_delete_cannot_delete(staff_admin: User, customer: User, override_roles: Any) -> None:
    override_roles({"users.delete": []})
    site = site_for(staff_admin)

    assert site.post(f"{USERS}{customer.pk}/delete/", {"post": "yes"}).status_code == 403
    refused = site.post(
        USERS, {"action": "delete_selected", "post": "yes", "_selected_action": [customer.pk]}, follow=True
    )
    assert shown_messages(refused) == ["No action selected."]
    assert User.objects.filter(pk=customer.pk).exists()


# --- an ADMIN can still do everything ------------------------------------------------------------


def test_admin_lists_changes_sets_roles_and_adds(staff_admin: User) -> None:
    site = site_for(staff_admin)
    customer = CustomerFactory.create()

    assert site.get(INDEX).status_code == 200
    listed = site.get(USERS)
    assert listed.status_code == 200
    assert {user.pk for user in listed.context["cl"].result_list} == {staff_admin.pk, customer.pk}
    assert set(listed.context["action_form"].fields["action"].choices[1:]) >= {
        ("delete_selected", "Delete selected users"),
        ("set_role_seller", "Set the role of the selected users to Seller"),
    }
    form = {
        "email": customer.email,
        "first_name": "Renamed",
        "last_name": customer.last_name,
        "phone": customer.phone,
        "address": customer.address,
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }
    assert site.post(f"{USERS}{customer.pk}/change/", form).status_code == 302
    assert User.objects.get(pk=customer.pk).first_name == "Renamed"
    assert site.post(USERS, {"action": "set_role_seller", "_selected_action": [customer.pk]}).status_code == 302
    assert User.objects.get(pk=customer.pk).role == "SELLER"
    added = site.post(
        f"{USERS}add/",
        {
            "email": "New.Member@Example.COM",
            "password1": "Correct-Horse-9-staple",
            "password2": "Correct-Horse-9-staple",
            "usable_password": "true",
        },
    )
    assert added.status_code == 302
    new = User.objects.get(email="new.member@example.com")
    assert (new.role, new.is_staff, new.is_superuser) == ("CUSTOMER", False, False)
