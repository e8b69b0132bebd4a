"""PolicyAdmin asks a policy with the object when Django gives one, so the policy's object
rule decides that object's pages; without one (list pages) the role's grant decides."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpRequest
from django.test import Client, RequestFactory

from accounts.models import User
from nexora_testkit.factories import CustomerFactory, TaskFactory
from permissions.registry import policies
from tasks.models import Task
from tests.permissions.own_tasks_admin import OwnTaskAdmin, site

TASKS = "/own/tasks/task/"


@pytest.fixture
def staff_customer(db: None) -> User:
    """A CUSTOMER allowed into a plain AdminSite (`is_staff`), and nothing more."""
    return CustomerFactory.create(is_staff=True)


def request_by(user: User) -> HttpRequest:
    request = RequestFactory().get(TASKS)
    request.user = user
    return request


def asks(permission: str) -> Callable[..., bool]:
    """The admin's `has_<permission>_permission`, bound."""
    check: Callable[..., bool] = getattr(OwnTaskAdmin(Task, site), f"has_{permission}_permission")
    return check


POLICY_OF = {"view": "tasks.view_own", "change": "tasks.change_own", "delete": "tasks.delete_own"}


@pytest.mark.parametrize("permission", ["view", "change", "delete"])
def test_the_object_rule_decides_with_an_object_the_role_without(staff_customer: User, permission: str) -> None:
    request = request_by(staff_customer)
    own = TaskFactory.create(owner=staff_customer)
    another_owners = TaskFactory.create()

    assert asks(permission)(request, own) is True
    assert asks(permission)(request, another_owners) is False
    assert asks(permission)(request) is True
    assert asks(permission)(request, None) is True


@pytest.mark.parametrize(("permission", "allowed"), [("view", True), ("change", True), ("delete", False)])
def test_each_permission_has_its_own_policys_rule(staff_customer: User, permission: str, allowed: bool) -> None:
    """An assignee may read and change a task (owner | assignee), not delete it (owner only)."""
    assigned = TaskFactory.create(assignee=staff_customer)
    assert asks(permission)(request_by(staff_customer), assigned) is allowed


@pytest.mark.parametrize("permission", ["view", "change", "delete"])
def test_a_role_without_the_policy_is_refused_even_its_own_objects(
    staff_customer: User, restore_roles: None, permission: str
) -> None:
    own = TaskFactory.create(owner=staff_customer)
    policies.override_roles({POLICY_OF[permission]: ["ADMIN"]})
    request = request_by(staff_customer)

    assert asks(permission)(request) is False
    assert asks(permission)(request, own) is False


@pytest.mark.urls("tests.permissions.own_tasks_admin")
def test_the_admins_pages_follow_the_object_rule(staff_customer: User) -> None:
    own = TaskFactory.create(owner=staff_customer, title="Mine")
    another_owners = TaskFactory.create(title="Theirs")
    browser = Client()
    browser.force_login(staff_customer)

    assert browser.get(TASKS).status_code == 200
    assert browser.get(f"{TASKS}{own.pk}/change/").status_code == 200
    assert browser.get(f"{TASKS}{another_owners.pk}/change/").status_code == 403
    refused = browser.post(f"{TASKS}{another_owners.pk}/change/", {"title": "Taken", "status": "done"})
    assert refused.status_code == 403
    assert browser.post(f"{TASKS}{another_owners.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Task.objects.get(pk=another_owners.pk).title == "Theirs"
    # Deleting a selection asks about every task it would take: one refused, none deleted.
    both = {"action": "delete_selected", "_selected_action": [own.pk, another_owners.pk], "post": "yes"}
    assert browser.post(TASKS, both).status_code == 403
    assert Task.objects.filter(pk__in=[own.pk, another_owners.pk]).count() == 2

    assert browser.post(f"{TASKS}{own.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Task.objects.filter(pk=own.pk).exists()
    assert Task.objects.filter(pk=another_owners.pk).exists()
