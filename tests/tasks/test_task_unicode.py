"""Non-BMP text (4-byte UTF-8: emoji, CJK extension B, math letters) survives every path.

On MariaDB this needs utf8mb4 end to end (connection, tables); a `utf8` (3-byte)
column would refuse or mangle these strings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import TaskFactory
from tasks.models import Task

LIST_URL = "/api/tasks/"

SAMPLES = {
    "emoji": "😀🎉🚀 ship it",
    "zwj-family": "👩\u200d👩\u200d👧\u200d👦 family",
    "flags": "🇺🇦🇯🇵🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "skin-tone": "👍🏽 ok",
    "cjk-ext-b": "𠜎𠜱𠝹𠱓𠱸",
    "math-letters": "𝕳𝖊𝖑𝖑𝖔 𝔀𝓸𝓻𝓵𝓭",  # noqa: RUF001  (look-alike letters on purpose)
    "hieroglyph": "𓀀𓀁𓂀",
    "music": "𝄞 clef",
    "mixed-bmp": "Привет 世界 مرحبا ε 😀",
    "combining-nfd": "Cafe\u0301 vs Caf\u00e9",
    "private-use-plane-15": "\U000f0000\U0010fffd",
}


def task_url(task_id: int) -> str:
    return f"/api/tasks/{task_id}/"


@pytest.mark.parametrize("text", list(SAMPLES.values()), ids=list(SAMPLES))
def test_non_bmp_title_and_description_round_trip(customer_client: ApiClient, text: str) -> None:
    description = f"{text}\n{text[::-1]}\n{'🐍' * 50}"

    created = customer_client.post(LIST_URL, {"title": text, "description": description})

    assert created.status_code == 201, created.content
    assert (created.json()["title"], created.json()["description"]) == (text, description)
    task = Task.objects.get()
    assert (task.title, task.description) == (text, description)

    fetched = customer_client.get(task_url(created.json()["id"]))
    assert fetched.status_code == 200
    assert fetched.json()["title"] == text
    assert fetched.json()["description"] == description

    listed = customer_client.get(LIST_URL)
    assert listed.status_code == 200
    assert [(i["title"], i["description"]) for i in listed.json()["items"]] == [(text, description)]


def test_non_bmp_text_round_trips_through_patch(customer_client: ApiClient, customer: User) -> None:
    task = TaskFactory.create(owner=customer, title="plain", description="plain")
    title, description = "🦄 𠜎 𝕳", "🧪" * 10_000  # noqa: RUF001  (look-alike letters on purpose)

    response = customer_client.patch(task_url(task.pk), {"title": title, "description": description})

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert (task.title, task.description) == (title, description)
    fetched = customer_client.get(task_url(task.pk)).json()
    assert (fetched["title"], fetched["description"]) == (title, description)


def test_title_of_200_emoji_is_accepted(customer_client: ApiClient) -> None:
    title = "😀" * 200

    response = customer_client.post(LIST_URL, {"title": title})

    assert response.status_code == 201, response.content
    assert response.json()["title"] == title
    assert Task.objects.get().title == title
    assert customer_client.get(task_url(response.json()["id"])).json()["title"] == title


def test_title_of_201_emoji_is_422(customer_client: ApiClient) -> None:
    response = customer_client.post(LIST_URL, {"title": "😀" * 201})

    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == "validation_error"
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "title"], "string_too_long")]
    assert Task.objects.count() == 0


def test_description_of_10000_emoji_is_accepted_and_10001_is_422(customer_client: ApiClient) -> None:
    ok = customer_client.post(LIST_URL, {"title": "t", "description": "𠜎" * 10_000})
    too_long = customer_client.post(LIST_URL, {"title": "t", "description": "𠜎" * 10_001})

    assert ok.status_code == 201, ok.content
    assert too_long.status_code == 422, too_long.content
    assert [e["loc"] for e in too_long.json()["detail"]] == [["body", "description"]]
    assert list(Task.objects.values_list("description", flat=True)) == ["𠜎" * 10_000]


def test_escaped_surrogate_pair_in_json_is_decoded(customer_client: ApiClient) -> None:
    """`\\ud83d\\ude00` in JSON is one character, U+1F600."""
    response = customer_client.post(LIST_URL, '{"title": "\\ud83d\\ude00"}', content_type="application/json")

    assert response.status_code == 201, response.content
    assert Task.objects.get().title == "😀"


def test_lone_surrogate_is_rejected_not_a_500(customer_client: ApiClient) -> None:
    """A lone surrogate cannot be stored as UTF-8: the request must fail cleanly (422), never 500."""
    response = customer_client.post(LIST_URL, '{"title": "bad \\ud83d here"}', content_type="application/json")

    assert response.status_code == 422, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "validation_error"
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("😀", ["grin"]),
        ("😺", ["cat"]),
        ("𠜎", ["cjk"]),
        ("🚀", []),
    ],
)
def test_search_for_non_bmp_text_matches_only_that_text(
    customer_client: ApiClient, customer: User, search: str, expected: list[str]
) -> None:
    tasks = {
        "grin": TaskFactory.create(owner=customer, title="😀 grin", description=""),
        "cat": TaskFactory.create(owner=customer, title="😺 cat", description=""),
        "cjk": TaskFactory.create(owner=customer, title="plain", description="𠜎 ext-b"),
    }

    response = customer_client.get(f"{LIST_URL}?{urlencode({'search': search})}")

    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert {item["id"] for item in body["items"]} == {tasks[name].pk for name in expected}
    assert body["count"] == len(expected)
