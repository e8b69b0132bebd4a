"""Helpers of the tasks tests."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import Role
from tasks.models import Task

#: The keys of a Task in every answer, as the contract lists them.
TASK_KEYS = {
    "id",
    "title",
    "description",
    "status",
    "due_date",
    "owner_id",
    "assignee_id",
    "created_at",
    "updated_at",
    "can",
}


def contract_can(user: User, task: Task) -> dict[str, bool]:
    """A task's `can` for `user` as the contract words it, under the default grants: written
    out here, not read from tasks.policies, so that the API's answer is checked against it.
    The owner may change, change the status and delete; the assignee change the status;
    tasks.change_any (ADMIN) change and change the status of any task, tasks.delete_any
    (ADMIN) delete any; assigning also takes tasks.assign (ADMIN, SELLER)."""
    owner, assignee, admin = task.owner_id == user.pk, task.assignee_id == user.pk, user.role == Role.ADMIN
    change = owner or admin
    return {
        "change": change,
        "change_status": change or assignee,
        "delete": owner or admin,
        "assign": change and user.role in (Role.ADMIN, Role.SELLER),
    }
