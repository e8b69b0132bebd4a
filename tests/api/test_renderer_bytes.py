"""The API's JSON bytes, exactly: a page of tasks with emoji and accents, dates, times and
None, and the error bodies. Any change of encoder (docs/performance.md weighed orjson) must
keep these bytes: `", "` and `": "` separators, non-ASCII escaped as `\\uXXXX` (surrogate
pairs beyond the BMP), datetimes to the millisecond with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from accounts.models import User
from nexora_testkit.client import ApiClient
from tasks.models import Task

FROZEN = datetime(2026, 12, 1, 21, 45, 30, 123456, tzinfo=UTC)


def test_a_page_of_tasks_byte_for_byte(customer: User, customer_client: ApiClient) -> None:
    with time_machine.travel(FROZEN, tick=False):
        first = Task.objects.create(
            owner=customer, title='Café 📝 "quoted" back\\slash', description="", due_date=datetime(2026, 12, 24).date()
        )
        second = Task.objects.create(owner=customer, title="Ünïcödé ✓", description="line\nbreak\ttab")

    response = customer_client.get("/api/tasks/?ordering=created_at&limit=20")

    expected = (
        '{"items": [{"id": %d, "title": "Caf\\u00e9 \\ud83d\\udcdd \\"quoted\\" back\\\\slash", "description": "", '  # noqa: UP031
        '"status": "todo", "due_date": "2026-12-24", "owner_id": %d, "assignee_id": null, '
        '"created_at": "2026-12-01T21:45:30.123Z", "updated_at": "2026-12-01T21:45:30.123Z", '
        '"can": {"change": true, "change_status": true, "delete": true, "assign": false}}, '
        '{"id": %d, "title": "\\u00dcn\\u00efc\\u00f6d\\u00e9 \\u2713", "description": "line\\nbreak\\ttab", '
        '"status": "todo", "due_date": null, "owner_id": %d, "assignee_id": null, '
        '"created_at": "2026-12-01T21:45:30.123Z", "updated_at": "2026-12-01T21:45:30.123Z", '
        '"can": {"change": true, "change_status": true, "delete": true, "assign": false}}], "count": 2}'
    ) % (first.pk, customer.pk, second.pk, customer.pk)
    assert response.status_code == 200
    assert response.content == expected.encode("ascii")
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_error_bodies_byte_for_byte(customer_client: ApiClient, anon_client: ApiClient) -> None:
    not_found = customer_client.get("/api/tasks/999999999/")
    unauthenticated = anon_client.get("/api/profile/")
    invalid = customer_client.post("/api/tasks/", {"title": ""})

    assert not_found.content == b'{"detail": "Not found", "code": "not_found"}'
    assert unauthenticated.content == (
        b'{"detail": "Authentication credentials were not provided or are invalid.", "code": "not_authenticated"}'
    )
    assert invalid.status_code == 422
    assert invalid.content == (
        b'{"detail": [{"type": "string_too_short", "loc": ["body", "title"], '
        b'"msg": "String should have at least 1 character", "ctx": {"min_length": 1}}], '
        b'"code": "validation_error"}'
    )
