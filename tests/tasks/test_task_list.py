"""GET /api/tasks/: visibility, filters, search, ordering and pagination."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory, SellerFactory, TaskFactory
from tasks.models import Task
from tests.assertions import assert_validation_error as shared_assert_validation_error
from tests.tasks.helpers import TASK_KEYS

LIST_URL = "/api/tasks/"


def get_page(client: ApiClient, **params: Any) -> Any:
    url = f"{LIST_URL}?{urlencode(params)}" if params else LIST_URL
    return client.get(url)


def page_ok(response: Any) -> dict[str, Any]:
    """A 200 page in the contract's shape; returns the body."""
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "count"}
    assert isinstance(body["count"], int)
    for item in body["items"]:
        assert set(item) == TASK_KEYS
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def assert_validation_error(response: Any, loc: list[Any]) -> None:
    """422 in Ninja's shape, with exactly one error, at `loc`."""
    errors = shared_assert_validation_error(response, loc)
    assert [error["loc"] for error in errors] == [loc]


# --- visibility ----------------------------------------------------------------------------


@pytest.fixture
def world(customer: User, seller: User) -> dict[str, Task]:
    """Tasks of several users, some assigned across users."""
    other = CustomerFactory.create()
    return {
        "owned": TaskFactory.create(owner=customer),
        "owned_assigned_to_self": TaskFactory.create(owner=customer, assignee=customer),
        "owned_assigned_to_seller": TaskFactory.create(owner=customer, assignee=seller),
        "assigned_by_seller": TaskFactory.create(owner=seller, assignee=customer),
        "seller_own": TaskFactory.create(owner=seller),
        "others": TaskFactory.create(owner=other),
        "others_assigned_to_other": TaskFactory.create(owner=seller, assignee=other),
    }


def test_customer_sees_only_owned_and_assigned(customer_client: ApiClient, world: dict[str, Task]) -> None:
    body = page_ok(get_page(customer_client, limit=100))

    expected = {
        world[k].pk for k in ("owned", "owned_assigned_to_self", "owned_assigned_to_seller", "assigned_by_seller")
    }
    assert set(ids(body)) == expected
    assert len(ids(body)) == len(expected)  # no duplicates for a task both owned and assigned
    assert body["count"] == 4


def test_seller_sees_only_owned_and_assigned(seller_client: ApiClient, world: dict[str, Task]) -> None:
    body = page_ok(get_page(seller_client, limit=100))

    expected = {
        world[k].pk
        for k in ("owned_assigned_to_seller", "assigned_by_seller", "seller_own", "others_assigned_to_other")
    }
    assert set(ids(body)) == expected
    assert body["count"] == 4


def test_admin_sees_all(admin_client: ApiClient, world: dict[str, Task]) -> None:
    body = page_ok(get_page(admin_client, limit=100))

    assert set(ids(body)) == set(Task.objects.values_list("pk", flat=True))
    assert body["count"] == 7


def test_user_without_tasks_gets_an_empty_page(client_for: Any, world: dict[str, Task]) -> None:
    body = page_ok(get_page(client_for(CustomerFactory.create())))

    assert body == {"items": [], "count": 0}


def test_items_are_the_full_task(customer_client: ApiClient, customer: User) -> None:
    task = TaskFactory.create(
        owner=customer, title="One", description="Two", due_date=dt.date(2030, 3, 4), status="done"
    )

    body = page_ok(get_page(customer_client))

    (item,) = body["items"]
    assert item["id"] == task.pk
    assert (item["title"], item["description"], item["status"], item["due_date"]) == (
        "One",
        "Two",
        "done",
        "2030-03-04",
    )
    assert (item["owner_id"], item["assignee_id"]) == (customer.pk, None)


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["todo", "in_progress", "done"])
def test_filter_by_status(customer_client: ApiClient, customer: User, status: str) -> None:
    tasks = {
        s: [TaskFactory.create(owner=customer, status=s) for _ in range(2)] for s in ("todo", "in_progress", "done")
    }
    TaskFactory.create(owner=CustomerFactory.create(), status=status)  # not visible

    body = page_ok(get_page(customer_client, status=status))

    assert set(ids(body)) == {t.pk for t in tasks[status]}
    assert body["count"] == 2


def test_filter_by_assignee(seller_client: ApiClient, seller: User) -> None:
    alice, bob = CustomerFactory.create(), CustomerFactory.create()
    for_alice = [TaskFactory.create(owner=seller, assignee=alice) for _ in range(3)]
    TaskFactory.create(owner=seller, assignee=bob)
    TaskFactory.create(owner=seller)
    TaskFactory.create(owner=CustomerFactory.create(), assignee=alice)  # not visible to the seller

    body = page_ok(get_page(seller_client, assignee_id=alice.pk))

    assert set(ids(body)) == {t.pk for t in for_alice}
    assert body["count"] == 3


def test_filters_combine(customer_client: ApiClient, customer: User) -> None:
    match = TaskFactory.create(owner=customer, assignee=customer, status="done", title="Report", description="")
    TaskFactory.create(owner=customer, assignee=customer, status="todo", title="Report", description="")
    TaskFactory.create(owner=customer, status="done", title="Report", description="")
    TaskFactory.create(owner=customer, assignee=customer, status="done", title="Other", description="")

    body = page_ok(get_page(customer_client, status="done", assignee_id=customer.pk, search="report"))

    assert ids(body) == [match.pk]
    assert body["count"] == 1


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"status": "bogus"}, ["query", "status"]),
        ({"status": "TODO"}, ["query", "status"]),
        ({"assignee_id": "abc"}, ["query", "assignee_id"]),
        ({"assignee_id": 0}, ["query", "assignee_id"]),
        ({"assignee_id": 10**23}, ["query", "assignee_id"]),
        ({"ordering": "owner"}, ["query", "ordering"]),
        ({"ordering": "id"}, ["query", "ordering"]),
        ({"ordering": "-id"}, ["query", "ordering"]),
        ({"ordering": "status"}, ["query", "ordering"]),
        ({"ordering": "created_at,title"}, ["query", "ordering"]),
        ({"search": "x" * 201}, ["query", "search"]),
        ({"search": "a\x00b"}, ["query", "search"]),
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 101}, ["query", "limit"]),
        ({"limit": -1}, ["query", "limit"]),
        ({"limit": "x"}, ["query", "limit"]),
        ({"limit": ""}, ["query", "limit"]),
        ({"offset": -1}, ["query", "offset"]),
        ({"offset": "x"}, ["query", "offset"]),
        ({"offset": 10**23}, ["query", "offset"]),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, dict) else None,
)
def test_invalid_query_is_422(
    customer_client: ApiClient, customer: User, params: dict[str, Any], loc: list[Any]
) -> None:
    TaskFactory.create(owner=customer)

    assert_validation_error(get_page(customer_client, **params), loc)


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def searchable(customer: User) -> dict[str, Task]:
    def make(title: str, description: str = "") -> Task:
        return TaskFactory.create(owner=customer, title=title, description=description)

    return {
        "milk": make("Buy MILK", "at the corner shop"),
        "plumber": make("Fix sink", "Call the PLUMBER tomorrow"),
        "percent": make("100% done"),
        "underscore": make("a_b"),
        "axb": make("axb"),
        "plain": make("Plain task", "nothing special"),
        "backslash": make("back\\slash"),
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("milk", ["milk"]),
        ("MiLk", ["milk"]),
        ("BUY milk", ["milk"]),
        ("plumber", ["plumber"]),
        ("Plumber TOMORROW", ["plumber"]),
        ("corner", ["milk"]),
        ("%", ["percent"]),
        ("100%", ["percent"]),
        ("0% d", ["percent"]),
        ("_", ["underscore"]),
        ("a_b", ["underscore"]),
        ("a%b", []),
        ("\\", ["backslash"]),
        ("k\\s", ["backslash"]),
        ("task", ["plain"]),
        ("no such thing", []),
    ],
)
def test_search_is_case_insensitive_substring_of_title_or_description_and_literal(
    customer_client: ApiClient, searchable: dict[str, Task], search: str, expected: list[str]
) -> None:
    TaskFactory.create(
        owner=CustomerFactory.create(), title=f"someone else's {search}", description=search
    )  # not visible

    body = page_ok(get_page(customer_client, search=search, limit=100))

    assert set(ids(body)) == {searchable[name].pk for name in expected}
    assert body["count"] == len(expected)


def test_empty_search_matches_everything(customer_client: ApiClient, searchable: dict[str, Task]) -> None:
    body = page_ok(get_page(customer_client, search="", limit=100))

    assert body["count"] == len(searchable)


# --- ordering --------------------------------------------------------------------------------


@pytest.fixture
def ordered(customer: User) -> dict[str, Task]:
    """Three tasks whose created_at, due_date and title orders all differ."""
    now = timezone.now()
    spec = {
        # title: (created hours ago, due date)
        "bravo": (3, dt.date(2030, 1, 20)),
        "charlie": (1, dt.date(2030, 1, 10)),
        "alpha": (2, dt.date(2030, 1, 30)),
    }
    tasks = {}
    for title, (hours_ago, due) in spec.items():
        task = TaskFactory.create(owner=customer, title=title, due_date=due)
        Task.objects.filter(pk=task.pk).update(created_at=now - dt.timedelta(hours=hours_ago))
        tasks[title] = task
    return tasks


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["charlie", "alpha", "bravo"]),  # default: newest first
        ("created_at", ["bravo", "alpha", "charlie"]),
        ("-created_at", ["charlie", "alpha", "bravo"]),
        ("due_date", ["charlie", "bravo", "alpha"]),
        ("-due_date", ["alpha", "bravo", "charlie"]),
        ("title", ["alpha", "bravo", "charlie"]),
        ("-title", ["charlie", "bravo", "alpha"]),
    ],
)
def test_ordering(
    customer_client: ApiClient, ordered: dict[str, Task], ordering: str | None, expected: list[str]
) -> None:
    params = {} if ordering is None else {"ordering": ordering}

    body = page_ok(get_page(customer_client, **params))

    assert [item["title"] for item in body["items"]] == expected
    assert body["count"] == 3


@pytest.mark.parametrize("ordering", ["created_at", "-created_at", "due_date", "-due_date", "title", "-title"])
def test_ordering_is_stable_across_pages_with_ties(customer_client: ApiClient, customer: User, ordering: str) -> None:
    """Equal sort keys (same title, due date and creation time) still page without overlap or gap."""
    when = timezone.now()
    for _ in range(7):
        TaskFactory.create(owner=customer, title="same", due_date=dt.date(2030, 1, 1))
    Task.objects.update(created_at=when)

    seen: list[int] = []
    for offset in range(0, 7, 3):
        body = page_ok(get_page(customer_client, ordering=ordering, limit=3, offset=offset))
        assert body["count"] == 7
        seen += ids(body)

    assert sorted(seen) == sorted(Task.objects.values_list("pk", flat=True))


# --- pagination ------------------------------------------------------------------------------


@pytest.fixture
def twenty_five(customer: User) -> list[int]:
    """25 tasks of the customer; their ids newest first (the default order)."""
    now = timezone.now()
    pks = []
    for i in range(25):
        task = TaskFactory.create(owner=customer, title=f"task {i:02d}")
        Task.objects.filter(pk=task.pk).update(created_at=now - dt.timedelta(minutes=i))
        pks.append(task.pk)
    return pks


def test_default_page_is_20_of_25(customer_client: ApiClient, twenty_five: list[int]) -> None:
    body = page_ok(get_page(customer_client))

    assert body["count"] == 25
    assert ids(body) == twenty_five[:20]


def test_second_page_holds_the_rest(customer_client: ApiClient, twenty_five: list[int]) -> None:
    body = page_ok(get_page(customer_client, offset=20))

    assert body["count"] == 25
    assert ids(body) == twenty_five[20:]


@pytest.mark.parametrize(
    ("params", "expected_slice"),
    [
        ({"limit": 100}, slice(0, 25)),
        ({"limit": 1}, slice(0, 1)),
        ({"limit": 5, "offset": 5}, slice(5, 10)),
        ({"limit": 10, "offset": 24}, slice(24, 25)),
        ({"offset": 0}, slice(0, 20)),
        ({"offset": 25}, slice(25, 25)),
        ({"offset": 1000}, slice(25, 25)),
        ({"limit": 100, "offset": 2**62}, slice(25, 25)),
    ],
)
def test_limit_and_offset(
    customer_client: ApiClient, twenty_five: list[int], params: dict[str, int], expected_slice: slice
) -> None:
    body = page_ok(get_page(customer_client, **params))

    assert body["count"] == 25
    assert ids(body) == twenty_five[expected_slice]


def test_count_follows_the_filters_not_the_page(customer_client: ApiClient, customer: User) -> None:
    for _ in range(4):
        TaskFactory.create(owner=customer, status="done")
    TaskFactory.create(owner=customer, status="todo")

    body = page_ok(get_page(customer_client, status="done", limit=1))

    assert body["count"] == 4
    assert len(body["items"]) == 1


def test_anonymous_list_is_401(anon_client: ApiClient, customer: User) -> None:
    TaskFactory.create(owner=customer)

    response = anon_client.get(LIST_URL)

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_seller_cannot_list_another_sellers_tasks_by_assignee_filter(seller_client: ApiClient) -> None:
    """Filtering by someone else's id never widens what one sees."""
    other_seller = SellerFactory.create()
    TaskFactory.create(owner=other_seller, assignee=other_seller)

    body = page_ok(get_page(seller_client, assignee_id=other_seller.pk))

    assert body == {"items": [], "count": 0}


def test_query_string_with_too_many_fields_is_400_json(customer_client: ApiClient) -> None:
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS (TooManyFieldsSent): a 4xx JSON, not a 500."""
    response = customer_client.get(LIST_URL + "?" + "&".join(["a"] * 1500))

    assert response.status_code == 400, response.content
    assert response.json() == {"detail": "The query string has too many fields.", "code": "too_many_fields"}
