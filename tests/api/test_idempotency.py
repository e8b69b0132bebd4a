"""Retry-safe creates: the same Idempotency-Key and body get the first answer, and one write."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory
from nexora_testkit.live_server import Gunicorn, Http, migrate, server_env, throwaway_database, wait_until
from project.api import api
from tasks.models import Task
from tests.assertions import assert_validation_error

TASKS = "/api/tasks/"
REGISTER = "/api/register/"


def create(client: ApiClient, body: dict[str, Any], key: str | None = "key-1", **extra: Any) -> Any:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(TASKS, body, headers=headers, **extra)


def test_the_same_key_and_body_get_the_first_answer_and_one_task(customer_client: ApiClient) -> None:
    first = create(customer_client, {"title": "Call back", "status": "todo"})
    again = create(customer_client, {"status": "todo", "title": "Call back"})  # same JSON, other key order

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert list(Task.objects.values_list("title", flat=True)) == ["Call back"]


def test_the_same_key_with_another_body_is_422(customer_client: ApiClient) -> None:
    create(customer_client, {"title": "Call back"})
    response = create(customer_client, {"title": "Something else"})

    assert (response.status_code, response.json()) == (
        422,
        {
            "detail": [
                {
                    "loc": ["header", "Idempotency-Key"],
                    "msg": "This key was already used with another request body.",
                    "type": "idempotency_key_reused",
                }
            ],
            "code": "idempotency_key_reused",
        },
    )
    assert list(Task.objects.values_list("title", flat=True)) == ["Call back"]


def test_keys_are_per_caller(db: None) -> None:
    one, two = CustomerFactory.create(), CustomerFactory.create()
    assert create(ApiClient(one), {"title": "Mine"}).status_code == 201
    assert create(ApiClient(two), {"title": "Mine"}).status_code == 201
    assert sorted(Task.objects.values_list("owner_id", flat=True)) == sorted([one.pk, two.pk])


def test_without_a_key_every_request_creates(customer_client: ApiClient) -> None:
    for _ in range(2):
        assert create(customer_client, {"title": "Twice"}, key=None).status_code == 201
    assert Task.objects.count() == 2


def test_an_error_is_not_kept_so_the_key_stays_usable(seller_client: ApiClient) -> None:
    refused = create(seller_client, {"title": "Assign", "assignee_id": 987654321})  # the service refuses it
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")
    accepted = create(seller_client, {"title": "Assign"})
    assert accepted.status_code == 201
    assert Task.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"], ids=["empty", "too-long", "non-ascii", "control"])
def test_a_malformed_key_is_422_and_creates_nothing(customer_client: ApiClient, key: str) -> None:
    response = customer_client.post(TASKS, {"title": "Nope"}, headers={"Idempotency-Key": key})

    errors = assert_validation_error(response, ["header", "Idempotency-Key"])
    assert [error["type"] for error in errors] == ["idempotency_key_invalid"]
    assert not Task.objects.exists()


def test_an_answer_is_replayed_for_24_hours_only(customer: User) -> None:
    first = create(ApiClient(customer), {"title": "Daily"})
    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
        assert create(ApiClient(customer), {"title": "Daily"}).content == first.content  # a fresh token, same caller
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        later = create(ApiClient(customer), {"title": "Daily"})
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert Task.objects.count() == 2


def test_sign_up_is_keyed_per_client_address(db: None) -> None:
    body = {"email": "retry@example.com", "password": "Correct-Horse-Battery-9"}
    first = ApiClient().post(REGISTER, body, headers={"Idempotency-Key": "signup"})
    again = ApiClient().post(REGISTER, body, headers={"Idempotency-Key": "signup"})
    elsewhere = ApiClient().post(REGISTER, body, headers={"Idempotency-Key": "signup"}, REMOTE_ADDR="192.0.2.9")

    assert (first.status_code, again.status_code, again.content) == (201, 201, first.content)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "email_taken")
    assert User.objects.filter(email="retry@example.com").count() == 1


def test_the_header_is_documented_on_idempotent_operations_only() -> None:
    paths = api.get_openapi_schema(path_prefix="/api/")["paths"]

    def header_names(path: str, method: str) -> list[str]:
        return [p["name"] for p in paths[path][method].get("parameters", []) if p["in"] == "header"]

    assert header_names("/api/tasks/", "post") == ["Idempotency-Key"]
    assert header_names("/api/register/", "post") == ["Idempotency-Key"]
    assert header_names("/api/login/", "post") == []
    assert (
        "idempotency_key_reused"
        in paths["/api/tasks/"]["post"]["responses"][422]["content"]["application/json"]["schema"]["properties"][
            "code"
        ]["enum"]
    )


# --- over real HTTP ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Http]:
    with throwaway_database(os.environ.get("DATABASE_URL", ""), tmp_path_factory.mktemp("idem"), "nexora_idem") as url:
        env = server_env(url, LOGIN_RATE="1000/m")
        migrate(env)
        with Gunicorn(env, tmp_path_factory.mktemp("idem-logs"), workers=2) as gunicorn:
            yield gunicorn.http


def signed_in(server: Http) -> str:
    email, password = f"idem.{uuid.uuid4().hex[:8]}@example.com", "Idem-Correct-Horse-9"
    assert server.call("POST", REGISTER, {"email": email, "password": password}).status == 201
    return str(server.call("POST", "/api/login/", {"email": email, "password": password}).json()["access"])


def titles(server: Http, token: str) -> list[str]:
    return [task["title"] for task in server.call("GET", TASKS, token=token).json()["items"]]


@pytest.mark.e2e
def test_a_retry_after_the_client_was_cut_off_creates_one_task(server: Http) -> None:
    token = signed_in(server)
    body = json.dumps({"title": "Cut off"}).encode()
    url = urlsplit(server.base)
    assert url.port is not None
    with socket.create_connection((url.hostname, url.port)) as cut_off:  # sends, never reads the answer
        cut_off.sendall(
            f"POST {TASKS} HTTP/1.1\r\nHost: {url.hostname}\r\nAuthorization: Bearer {token}\r\n"
            f"Idempotency-Key: cut-1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n".encode()
            + body
        )
    wait_until(lambda: titles(server, token) == ["Cut off"], timeout=10, what="the first request's commit")

    retry = server.call("POST", TASKS, {"title": "Cut off"}, token=token, headers={"Idempotency-Key": "cut-1"})

    assert retry.status == 201 and retry.headers["idempotent-replayed"] == "true"
    assert titles(server, token) == ["Cut off"]


@pytest.mark.e2e
def test_concurrent_duplicates_create_one_task(server: Http) -> None:
    token = signed_in(server)

    def send(_: int) -> tuple[int, Any]:
        reply = server.call("POST", TASKS, {"title": "Once"}, token=token, headers={"Idempotency-Key": "race-1"})
        return reply.status, reply.json()["id"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(6)))

    assert {status for status, _ in answers} == {201}
    assert len({task_id for _, task_id in answers}) == 1
    assert titles(server, token) == ["Once"]
