"""Every body is read once, by the strict parser: nesting too deep to read is a 422, never a 500.

The operations come from the OpenAPI document, so one added tomorrow is covered too. The
endpoints' prechecks (404 or 403 before 422) take the body from the parser's one reading:
a body the parser refuses is refused everywhere, and no second reader can fail on it.
"""

from __future__ import annotations

import gc
import io
import json
import weakref
from typing import Any

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import User
from accounts.throttling import SIGNUP_KEY
from api.parser import parsed_body
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory, TaskFactory
from project.api import api
from tasks.models import Task
from tests.assertions import assert_denied, assert_json
from tests.body_parses import parses_of

DEPTHS = [1_000, 5_000]
TOO_DEEP = {
    "detail": [{"loc": ["body"], "msg": "Invalid JSON: nested too deep", "type": "json_invalid"}],
    "code": "validation_error",
}
#: The table the sign-up counts are kept in, as dumpdata names it.
SIGN_UP_COUNTS = "api.throttlewindow"


def operations_with_a_body() -> list[tuple[str, str, bool]]:
    """(method, path template, needs a token) of every operation that takes a request body."""
    found = []
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                found.append((method.upper(), path, bool(operation.get("security"))))
    return sorted(found)


OPERATIONS = operations_with_a_body()


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def deep_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def database_rows() -> list[dict[str, Any]]:
    """Every row of every table, but the sign-up counts: every request to /api/register/
    is counted, whatever its answer (tests/accounts/test_signup_throttle.py)."""
    dump = io.StringIO()
    call_command("dumpdata", format="json", stdout=dump)
    rows: list[dict[str, Any]] = json.loads(dump.getvalue())
    return [row for row in rows if not (row["model"] == SIGN_UP_COUNTS and row["fields"]["key"].startswith(SIGNUP_KEY))]


def test_the_operations_with_a_body_are_found() -> None:
    """The list is generated; it must hold the operations this file was written for."""
    assert {
        ("POST", "/api/tasks/", True),
        ("PATCH", "/api/tasks/{task_id}/", True),
        ("POST", "/api/register/", False),
        ("POST", "/api/login/", False),
        ("POST", "/api/users/", True),
    } <= set(OPERATIONS)


@pytest.mark.parametrize("shape", [deep_object, deep_list], ids=["object", "list"])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(("method", "path", "secured"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_a_body_nested_too_deep_is_422_and_writes_nothing(
    admin: User, method: str, path: str, secured: bool, depth: int, shape: Any
) -> None:
    """As an ADMIN, so no policy refuses first; a path id names an object that exists."""
    existing = {"task_id": TaskFactory.create(owner=admin).pk, "user_id": CustomerFactory.create().pk, "role": "SELLER"}
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    unknown = set(names) - set(existing)
    assert not unknown, f"{method} {path}: give this test an existing object for {sorted(unknown)}"
    url = path.format(**existing)
    client = ApiClient(admin if secured else None)
    before = database_rows()

    response = client.generic(method, url, shape(depth), content_type="application/json")

    assert assert_json(response, 422) == TOO_DEEP
    assert database_rows() == before


# --- the prechecks read the parser's reading -------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_the_assignee_precheck_answers_403_from_the_one_reading(customer: User, method: str) -> None:
    """Invalid input (an unknown field) assigning another user: the 403 wins, the body read once."""
    task = TaskFactory.create(owner=customer)
    other = CustomerFactory.create()
    url = "/api/tasks/" if method == "POST" else f"/api/tasks/{task.pk}/"
    body = json.dumps({"title": "x", "assignee_id": other.pk, "unknown": 1})

    with parses_of(body) as parses:
        response = ApiClient(customer).generic(method, url, body, content_type="application/json")

    assert_denied(response, "tasks.assign")
    assert parses.count == 1
    assert list(Task.objects.values_list("pk", flat=True)) == [task.pk]
    assert Task.objects.get().assignee_id is None


def test_the_idempotency_digest_takes_the_parsers_reading(customer_client: ApiClient) -> None:
    body = json.dumps({"title": "Once"})

    with parses_of(body) as parses:
        first = customer_client.post("/api/tasks/", body, HTTP_IDEMPOTENCY_KEY="read-once-1")
        replay = customer_client.post("/api/tasks/", body, HTTP_IDEMPOTENCY_KEY="read-once-1")

    assert assert_json(first, 201) == assert_json(replay, 201)
    assert parses.count == 2  # one per request
    assert list(Task.objects.values_list("title", flat=True)) == ["Once"]


@pytest.mark.parametrize("body", ['{"title": "x"}', deep_list(5_000), "{"], ids=["read", "too-deep", "malformed"])
def test_a_reading_is_kept_no_longer_than_its_request(body: str) -> None:
    """The parser remembers a body, or its refusal, for its request only: nothing it keeps
    (a raised exception's traceback, say) may hold the request alive."""
    request = RequestFactory().post("/api/tasks/", body, content_type="application/json")
    first = parsed_body(request)
    assert parsed_body(request) == first == ({"title": "x"} if body.startswith('{"') else None)
    alive = weakref.ref(request)

    del request
    gc.collect()

    assert alive() is None
