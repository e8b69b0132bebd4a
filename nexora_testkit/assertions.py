"""Assertions about what Nexora's API tells a client and what it then does.

`assert_can_matches_api(client, task_id)`: a task's `can` flags (what the caller may do to
it) against the API's answers to those very actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import router, transaction

from tasks.models import Task

from .client import ApiClient, Response
from .factories import UserFactory

#: The flags of a task's `can`, each an action `assert_can_matches_api` tries.
ACTIONS = ("change", "change_status", "delete", "assign")


class _Undo(Exception):
    """Raised to roll an attempted action back."""


def assert_can_matches_api(client: ApiClient, task_id: int, actions: Iterable[str] = ACTIONS) -> dict[str, bool] | None:
    """Read the task's `can` as `client`'s user (`GET /api/tasks/{id}/`), then try each of
    `actions` and assert that the API allows it (2xx, and the change is stored) when its flag
    is true, and refuses it (403 `permission_denied`, nothing stored) when it is false. A task
    the user may not see (404) has no `can`: each action must then be a 404 too.

    Each attempt is undone (a savepoint rolled back: call it inside a test's transaction, or
    with none), so every action meets the task as it was. Returns the flags read, or None
    for a task the user may not see.

    change: PATCH `description`; change_status: PATCH `status` to another value; delete:
    DELETE; assign: PATCH `assignee_id` to a new active user.
    """
    url = f"/api/tasks/{task_id}/"
    read = client.get(url)
    assert read.status_code in (200, 404), (read.status_code, read.content[:500])
    can: dict[str, bool] | None = None
    if read.status_code == 200:
        can = read.json()["can"]
        assert isinstance(can, dict) and set(can) == set(ACTIONS), can
        assert all(isinstance(flag, bool) for flag in can.values()), can
    for action in actions:
        if action not in ACTIONS:
            raise ValueError(f"{action!r} is not one of {ACTIONS}")
        _attempt(client, url, task_id, action, None if can is None else can[action])
    return can


def _attempt(client: ApiClient, url: str, task_id: int, action: str, allowed: bool | None) -> None:
    """Try `action` in a savepoint, check the answer and the row against `allowed` (None: the
    task is hidden), then roll it back."""
    try:
        with transaction.atomic(using=router.db_for_write(Task)):
            before = _row(task_id)
            send, stored = _ACTIONS[action](client, url, before)
            response = send()
            seen = f"{action}: can says {allowed}, the API answered {response.status_code} {response.content[:300]!r}"
            if allowed is None:
                assert response.status_code == 404, seen
            elif allowed:
                assert response.status_code in (200, 204), seen
                assert stored(_row(task_id)), f"{seen}, but the change is not stored"
            else:
                assert response.status_code == 403, seen
                assert response.json()["code"] == "permission_denied", seen
            if not allowed:
                assert _row(task_id) == before, f"{seen}, but the task changed"
            raise _Undo
    except _Undo:
        pass


def _row(task_id: int) -> dict[str, Any] | None:
    row = Task.objects.filter(pk=task_id).values().first()
    return None if row is None else dict(row)


#: An action: from the client, the task's URL and its row before, how to send it and how to
#: tell, from the row after, that it is stored.
Attempt = tuple[Callable[[], Response], Callable[[dict[str, Any] | None], bool]]


def _change(client: ApiClient, url: str, before: dict[str, Any] | None) -> Attempt:
    description = "changed" if before is None or before["description"] != "changed" else "changed again"
    return (
        lambda: client.patch(url, {"description": description}),
        lambda after: after is not None and after["description"] == description,
    )


def _change_status(client: ApiClient, url: str, before: dict[str, Any] | None) -> Attempt:
    status = Task.Status.DONE if before is None or before["status"] != Task.Status.DONE else Task.Status.TODO
    return (
        lambda: client.patch(url, {"status": status}),
        lambda after: after is not None and after["status"] == status,
    )


def _delete(client: ApiClient, url: str, before: dict[str, Any] | None) -> Attempt:
    return (lambda: client.delete(url), lambda after: after is None)


def _assign(client: ApiClient, url: str, before: dict[str, Any] | None) -> Attempt:
    someone = UserFactory.create()  # active, neither the caller nor the assignee: rolled back with the rest
    return (
        lambda: client.patch(url, {"assignee_id": someone.pk}),
        lambda after: after is not None and after["assignee_id"] == someone.pk,
    )


_ACTIONS: dict[str, Callable[[ApiClient, str, dict[str, Any] | None], Attempt]] = {
    "change": _change,
    "change_status": _change_status,
    "delete": _delete,
    "assign": _assign,
}

__all__ = ["ACTIONS", "assert_can_matches_api"]
