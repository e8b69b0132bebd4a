"""Bulk-load a large database: 100,000 users, 1,000,000 tasks, 1,000,000 log-in sessions.

Plain `executemany` in batches on Django's connection (SQLite and MariaDB alike), with
explicit ids. None of these rows is visible to the bench user, who still sees their page
of 20 out of 50.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from accounts.models import User
from accounts.roles import Role

USERS = 100_000
TASKS = 1_000_000
SESSIONS = 1_000_000
#: Most sessions of a live service have been logged out or ended.
ENDED_SHARE = 0.9
BATCH = 20_000
STATUSES = ("todo", "in_progress", "done")
ROLES = (Role.CUSTOMER.value,) * 8 + (Role.SELLER.value,) * 2
#: A row to insert: values the database drivers take as query parameters.
Row = Sequence[bool | int | float | str | None]
WORDS = ["order", "invoice", "parcel", "customer", "review", "refund", "supplier", "stock", "photo", "label"]


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table: str, columns: Sequence[str], rows: Iterator[Row], say: Callable[[str], None]) -> None:
    started = time.monotonic()
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({', '.join(['%s'] * len(columns))})"
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, batch)
            count += len(batch)
    say(f"  {table}: {count:,} rows in {time.monotonic() - started:.1f} s")


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")
        return int(cursor.fetchone()[0])


def _stamp(moment: datetime) -> str:
    """How both backends store a datetime with USE_TZ: naive UTC text."""
    return str(moment.replace(tzinfo=None))


def load(say: Callable[[str], None] = print) -> None:
    rng = random.Random(20240601)
    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    password = User.objects.order_by("id").values_list("password", flat=True).first() or "!"
    started = time.monotonic()
    say(f"Loading {USERS:,} users, {TASKS:,} tasks, {SESSIONS:,} log-in sessions ({ENDED_SHARE:.0%} ended)...")

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # this connection only: a bigger page cache for the load
            cursor.execute("PRAGMA cache_size = -262144")
    elif connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")

    first_user = _next_id("accounts_user")
    user_ids = range(first_user, first_user + USERS)
    _insert(
        "accounts_user",
        (
            "id",
            "password",
            "last_login",
            "is_superuser",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
            "role",
            "phone",
            "address",
            "token_version",
            "email_verified",
        ),
        (
            (
                uid,
                password,
                None,
                False,
                f"First{uid}",
                f"Last{uid}",
                False,
                uid % 50 != 0,
                _stamp(year_ago + timedelta(seconds=uid * 300)),
                f"user{uid}@large.bench.test",
                ROLES[uid % 10],
                "",
                "",
                0,
                True,
            )
            for uid in user_ids
        ),
        say,
    )

    first_task = _next_id("tasks_task")
    step = timedelta(days=365) / TASKS

    def task_rows() -> Iterator[Row]:
        for n in range(TASKS):
            created = _stamp(year_ago + step * n)
            assignee = rng.choice(user_ids) if rng.random() < 0.2 else None
            due = (year_ago + timedelta(days=n % 400)).date().isoformat() if n % 3 else None
            yield (
                first_task + n,
                f"{WORDS[n % 10]} {WORDS[(n // 10) % 10]} #{n}",
                f"Task {n} about {WORDS[n % 7]}.",
                STATUSES[n % 3],
                due,
                rng.choice(user_ids),
                assignee,
                created,
                created,
            )

    _insert(
        "tasks_task",
        ("id", "title", "description", "status", "due_date", "owner_id", "assignee_id", "created_at", "updated_at"),
        task_rows(),
        say,
    )

    first_session = _next_id("authn_loginsession")
    session_step = timedelta(days=7) / SESSIONS
    ended = int(SESSIONS * ENDED_SHARE)

    def session_rows() -> Iterator[Row]:
        for n in range(SESSIONS):
            created = now - timedelta(days=7) + session_step * n
            rotated = created + timedelta(hours=1)
            yield (
                first_session + n,
                rng.choice(user_ids),
                _stamp(created),
                _stamp(rotated),
                _stamp(created + timedelta(days=7)),
                _stamp(rotated) if n < ended else None,
                "Mozilla/5.0 (bench)",
                "192.0.2.1",
                uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                _stamp(rotated),
            )

    _insert(
        "authn_loginsession",
        (
            "id",
            "user_id",
            "created_at",
            "last_used_at",
            "expires_at",
            "ended_at",
            "user_agent",
            "ip",
            "refresh_jti",
            "previous_jti",
            "rotated_at",
        ),
        session_rows(),
        say,
    )
    say(f"Loaded in {time.monotonic() - started:.0f} s.")
