"""Reads about tasks. Which rows a user sees comes from the task policies' own rules."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import router
from django.db.models import Q, QuerySet

from accounts.models import User
from api.prepared import PreparedQuery, PreparedRows, int_stand_in, prepared_count, text_stand_in
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


#: What stands for each value of a task list while its query is prepared.
_STAND_INS: dict[str, Any] = {
    "user_id": int_stand_in(0),
    "status": text_stand_in(0),
    "assignee_id": int_stand_in(1),
    "search": text_stand_in(1),
}


def task_rows_visible_to(
    *,
    user: User,
    fields: Iterable[str],
    status: str | None = None,
    assignee_id: int | None = None,
    search: str | None = None,
    ordering: str = "-created_at",
) -> PreparedRows:
    """`task_list_visible_to(...)` as rows of `fields`, counted and sliced by queries that are
    compiled once per shape (which filters, the ordering, the page; the role, whose policies
    decide what is visible) instead of on every request: the same SQL, only not compiled again."""
    values = {"user_id": user.pk, "status": status, "assignee_id": assignee_id, "search": search}
    given = tuple(name for name in ("status", "assignee_id") if values[name] is not None)
    given += ("search",) if search else ()
    # What the user may see depends on the policies the role holds now (deployments re-grant them).
    held = tuple(policies.allows(user, ref) for ref in (TASKS_VIEW_ANY, TASKS_VIEW_OWN))
    shape = (router.db_for_read(Task), user.role, held, given, ordering, tuple(fields))

    def page(start: int, stop: int) -> PreparedQuery:
        return _prepared_tasks(*shape, (start, stop))

    return PreparedRows(_prepared_tasks(*shape, None) if any(held) else None, page, values)


@lru_cache(maxsize=512)
def _prepared_tasks(
    alias: str,
    role: str,
    held: tuple[bool, ...],
    given: tuple[str, ...],
    ordering: str,
    fields: tuple[str, ...],
    page: tuple[int, int] | None,
) -> PreparedQuery:
    """The count (`page` None) or one page of a task list's shape, prepared with stand-ins
    (`held`: what the role's policies allow, part of the key only)."""
    stand_in_user = User(pk=_STAND_INS["user_id"], role=role)
    filters = {name: _STAND_INS[name] for name in given}
    tasks = task_list_visible_to(user=stand_in_user, ordering=ordering, fields=fields, **filters).using(alias)
    if page is None:
        return prepared_count(tasks, _STAND_INS)
    return PreparedQuery.of(tasks[page[0] : page[1]], _STAND_INS)


def task_get_visible_to(*, user: User, task_id: int) -> Task:
    """The task, if `user` may see it; otherwise TaskNotFound, exactly as for a missing one."""
    task = Task.objects.filter(pk=task_id).first()
    if task is None or not can_view(user, task):
        raise TaskNotFound()
    return task
