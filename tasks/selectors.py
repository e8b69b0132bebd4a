"""Reads about tasks. Which rows a user sees comes from the task policies' own rules."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from accounts.models import User
from permissions.registry import policies

from .errors import TaskNotFound
from .models import Task
from .policies import TASKS_VIEW_ANY, TASKS_VIEW_OWN, can_view


def task_list_visible_to(
    *,
    user: User,
    status: str | None = None,
    assignee_id: int | None = None,
    search: str | None = None,
    ordering: str = "-created_at",
    fields: Iterable[str] | None = None,
) -> QuerySet[Task]:
    """What `user` may see, filtered and ordered; with `fields`, as rows of just those
    columns (`values()`), for a page that is only serialized, never used as models."""
    visible = policies.visible_q(user, TASKS_VIEW_ANY, TASKS_VIEW_OWN)
    if visible is None:
        return Task.objects.none()
    tasks = Task.objects.filter(visible)
    if status is not None:
        tasks = tasks.filter(status=status)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    if search:
        # icontains escapes % and _, so they match literally.
        tasks = tasks.filter(Q(title__icontains=search) | Q(description__icontains=search))
    tie_breaker = "-id" if ordering.startswith("-") else "id"
    tasks = tasks.order_by(ordering, tie_breaker)
    return tasks.values(*fields) if fields is not None else tasks


def task_get_visible_to(*, user: User, task_id: int) -> Task:
    """The task, if `user` may see it; otherwise TaskNotFound, exactly as for a missing one."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or not can_view(user, task):
        raise TaskNotFound()
    return task
