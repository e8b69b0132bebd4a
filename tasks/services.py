"""Writes about tasks; what each actor may change is decided by the task policies."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from accounts.models import User
from permissions.registry import policies

from .errors import AssigneeUnavailable
from .models import Task
from .policies import (
    TASKS_ASSIGN,
    TASKS_CHANGE_ANY,
    TASKS_DELETE_OWN,
    can_change_all_fields,
    can_change_status,
    can_delete,
)


def authorize_assignment(*, actor: User, assignee_id: object, current_id: int | None = None) -> None:
    """Assigning anyone but yourself (or the current assignee again) needs tasks.assign."""
    if assignee_id is not None and assignee_id not in (actor.pk, current_id):
        policies.require(actor, TASKS_ASSIGN)


def authorize_update(*, actor: User, task: Task, fields: set[str], assignee_id: object = None) -> None:
    """The owner (or tasks.change_any) may change any field, the assignee only `status`;
    anyone else is refused in the name of tasks.change_any, which would let them."""
    allowed = can_change_status if fields <= {"status"} else can_change_all_fields
    if not allowed(actor, task):
        raise policies.evaluate(actor, TASKS_CHANGE_ANY, task).denial()
    if "assignee_id" in fields:
        authorize_assignment(actor=actor, assignee_id=assignee_id, current_id=task.assignee_id)


def _active_assignee(assignee_id: int | None) -> User | None:
    """The user to assign, once assigning them is authorized; 422 if unknown or inactive."""
    if assignee_id is None:
        return None
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if assignee is None:
        raise AssigneeUnavailable()
    return assignee


def task_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    status: str = Task.Status.TODO,
    due_date: date | None = None,
    assignee_id: int | None = None,
) -> Task:
    authorize_assignment(actor=owner, assignee_id=assignee_id)  # 403 before 422, as the contract orders
    assignee = _active_assignee(assignee_id)
    now = timezone.now()
    return Task.objects.create(
        owner=owner,
        title=title,
        description=description,
        status=status,
        due_date=due_date,
        assignee=assignee,
        created_at=now,
        updated_at=now,
    )


def task_update(*, actor: User, task: Task, **changes: Any) -> Task:
    """Apply a partial update that `authorize_update` allows."""
    authorize_update(actor=actor, task=task, fields=set(changes), assignee_id=changes.get("assignee_id"))
    if "assignee_id" in changes:
        task.assignee = _active_assignee(changes.pop("assignee_id"))
        changes["assignee"] = task.assignee
    for field, value in changes.items():
        setattr(task, field, value)
    if changes:
        task.touch()
        task.save(update_fields=[*changes, "updated_at"])
    return task


def task_delete(*, actor: User, task: Task) -> None:
    """The owner (or tasks.delete_any) deletes; anyone else is refused in the name of
    tasks.delete_own, whose verdict says why (an assignee: its object rule)."""
    if not can_delete(actor, task):
        raise policies.evaluate(actor, TASKS_DELETE_OWN, task).denial()
    Task.objects.filter(pk=task.pk).delete()
