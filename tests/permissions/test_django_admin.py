"""PolicyAdmin: the admin asks the policy's object rule about each object, as the API does."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import User
from nexora_testkit.factories import CustomerFactory, TaskFactory
from permissions.django_admin import PolicyAdmin
from tasks.models import Task
from tasks.policies import TASKS_CHANGE_OWN, TASKS_DELETE_OWN, TASKS_VIEW_OWN


class OwnTasksAdmin(PolicyAdmin):
    """Grants by policies whose object rules look at the task (owner, assignee)."""

    permission_policies = {"view": TASKS_VIEW_OWN, "change": TASKS_CHANGE_OWN, "delete": TASKS_DELETE_OWN}


def asked_by(user: User) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.fixture
def model_admin() -> OwnTasksAdmin:
    return OwnTasksAdmin(Task, admin.AdminSite(name="object-rules"))


@pytest.mark.django_db
def test_each_permission_follows_the_role_without_an_object_and_the_rule_with_one(model_admin: OwnTasksAdmin) -> None:
    owner, assignee, other = CustomerFactory.create_batch(3)
    task = TaskFactory.create(owner=owner, assignee=assignee)

    answers = {
        user: [
            check(asked_by(user), obj)
            for check in (
                model_admin.has_view_permission,
                model_admin.has_change_permission,
                model_admin.has_delete_permission,
            )
            for obj in (None, task)
        ]
        for user in (owner, assignee, other)
    }

    # (view, view task, change, change task, delete, delete task): every CUSTOMER holds the
    # three policies; only the rules tell the owner, the assignee and a stranger apart.
    assert answers == {
        owner: [True, True, True, True, True, True],
        assignee: [True, True, True, True, True, False],
        other: [True, False, True, False, True, False],
    }
