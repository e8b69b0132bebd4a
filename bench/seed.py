"""The benchmark's data: who logs in, which tasks they see, and pools of refresh tokens.

Runs in the harness process (Django set up with bench.settings, on the same database as
the server). Tokens are made with the project's own code, so the server accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import connections, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from authn import tokens
from tasks.models import Task

from .credentials import BENCH_EMAIL, BENCH_PASSWORD, WRITER_EMAIL

#: The bench user sees VISIBLE tasks: OWNED of their own and the rest assigned to them by the writer.
VISIBLE = 50
OWNED = 40


@dataclass(frozen=True)
class Seeded:
    user_id: int
    writer_id: int
    task_id: int  #: one of the bench user's own tasks, read and updated by the scenarios


def seed() -> Seeded:
    """A CUSTOMER with 50 visible tasks (40 owned, 10 assigned) and a SELLER who creates tasks."""
    user = User.objects.create_user(BENCH_EMAIL, BENCH_PASSWORD, role=Role.CUSTOMER, first_name="Bench")
    writer = User.objects.create_user(WRITER_EMAIL, BENCH_PASSWORD, role=Role.SELLER, first_name="Writer")
    now = timezone.now()
    # Spread over a year, so on a large database they sit among everybody else's tasks.
    Task.objects.bulk_create(
        Task(
            owner=user if n < OWNED else writer,
            assignee=None if n < OWNED else user,
            title=f"Bench task {n}",
            description="Something to do, described in a sentence or two." * (n % 3),
            status=Task.Status.values[n % 3],
            due_date=(now + timedelta(days=n)).date() if n % 2 else None,
            created_at=now - timedelta(days=7 * n, seconds=n),
            updated_at=now - timedelta(days=7 * n, seconds=n),
        )
        for n in range(VISIBLE)
    )
    task = Task.objects.filter(owner=user).order_by("id").first()
    assert task is not None
    return Seeded(user_id=user.pk, writer_id=writer.pk, task_id=task.pk)


def access_token(user_id: int) -> str:
    return tokens.start_session(User.objects.get(pk=user_id)).access


def mint_refresh_pool(user_id: int, count: int, path_prefix: Path, threads: int) -> None:
    """`count` unused refresh tokens, each of its own session (one log-in each, as a refresh
    of a session's token rotates it), dealt round-robin into one file per wrk thread."""
    user = User.objects.get(pk=user_id)
    with transaction.atomic():
        minted = [tokens.start_session(user).refresh for _ in range(count)]
    for thread in range(threads):
        path_prefix.with_name(f"{path_prefix.name}{thread}.txt").write_text("\n".join(minted[thread::threads]) + "\n")


def close_connections() -> None:
    """Let go of the database (SQLite file locks) before the server works on it."""
    connections.close_all()
