"""Many creates at once, over real HTTP, against a live threaded server: none is lost."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from nexora_testkit.client import tokens_for
from nexora_testkit.factories import CustomerFactory
from tasks.models import Task

TASKS = 50
WORKERS = 10
TIMEOUT_SECONDS = 30


def post_json(url: str, token: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:  # 4xx/5xx: keep the status and body to report them
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"raw": body.decode("utf-8", "replace")}


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_creates_by_one_user_all_land(live_server: Any) -> None:
    user = CustomerFactory.create()
    token = tokens_for(user).access
    url = live_server.url + "/api/tasks/"

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(
            pool.map(lambda i: post_json(url, token, {"title": f"parallel {i}", "description": f"#{i}"}), range(TASKS))
        )

    statuses = [status for status, _ in results]
    failures = [(status, body) for status, body in results if status != 201]
    assert statuses == [201] * TASKS, failures[:5]
    bodies = [body for _, body in results]
    assert len({body["id"] for body in bodies}) == TASKS
    assert {body["title"] for body in bodies} == {f"parallel {i}" for i in range(TASKS)}
    assert all(body["owner_id"] == user.pk for body in bodies)
    assert Task.objects.filter(owner=user).count() == TASKS
    assert set(Task.objects.filter(owner=user).values_list("pk", flat=True)) == {body["id"] for body in bodies}
