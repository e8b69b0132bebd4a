"""Create, read, update and delete one task: the contract's "Tasks" table, row by row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, TaskFactory, UserFactory
from tasks.models import Task
from tests.assertions import assert_denied
from tests.assertions import assert_validation_error as shared_assert_validation_error
from tests.tasks.helpers import TASK_KEYS, contract_can

LIST_URL = "/api/tasks/"
NOT_FOUND = {"detail": "Not found", "code": "not_found"}
MISSING_ID = 987_654_321


def task_url(task_id: object) -> str:
    return f"/api/tasks/{task_id}/"


def iso(value: dt.datetime) -> str:
    """A datetime as the API writes it (Django's JSON encoder: milliseconds, `Z`)."""
    text: str = DjangoJSONEncoder().default(value)
    return text


def task_json(task: Task, viewer: User | None) -> dict[str, Any]:
    """The exact body the API must answer `viewer` for `task`, read fresh from the database."""
    assert viewer is not None
    task.refresh_from_db()
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "owner_id": task.owner_id,
        "assignee_id": task.assignee_id,
        "created_at": iso(task.created_at),
        "updated_at": iso(task.updated_at),
        "can": contract_can(viewer, task),
    }


def snapshot(task: Task) -> dict[str, Any]:
    """Every stored column of `task`, to prove a refused write changed nothing."""
    return dict(Task.objects.filter(pk=task.pk).values().get())


def assert_validation_error(response: Any, loc: list[Any], error_type: str | None = None) -> None:
    """422 in Ninja's shape, the first error pointing at `loc`."""
    first = shared_assert_validation_error(response, loc)[0]
    assert first["loc"] == loc
    if error_type is not None:
        assert first["type"] == error_type


def assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == NOT_FOUND


# --- create ---------------------------------------------------------------------------------


def test_create_minimal_defaults_and_owner_is_caller(customer_client: ApiClient, customer: User) -> None:
    response = customer_client.post(LIST_URL, {"title": "Buy milk"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == TASK_KEYS
    task = Task.objects.get()
    assert body == task_json(task, customer)
    assert body["title"] == "Buy milk"
    assert body["description"] == ""
    assert body["status"] == "todo"
    assert body["due_date"] is None
    assert body["owner_id"] == customer.pk
    assert body["assignee_id"] is None
    assert task.owner_id == customer.pk
    assert task.status == Task.Status.TODO
    assert body["created_at"] == body["updated_at"]


def test_create_with_every_field_assigned_to_self(customer_client: ApiClient, customer: User) -> None:
    payload = {
        "title": "Write report",
        "description": "Quarterly numbers",
        "status": "in_progress",
        "due_date": "2030-05-17",
        "assignee_id": customer.pk,
    }
    response = customer_client.post(LIST_URL, payload)

    assert response.status_code == 201, response.content
    task = Task.objects.get()
    assert response.json() == task_json(task, customer)
    assert (task.title, task.description, task.status, task.due_date, task.owner_id, task.assignee_id) == (
        "Write report",
        "Quarterly numbers",
        "in_progress",
        dt.date(2030, 5, 17),
        customer.pk,
        customer.pk,
    )


@pytest.mark.parametrize("smuggled", [{"owner_id": 1}, {"id": 5}, {"created_at": "2020-01-01T00:00:00Z"}])
def test_create_rejects_unknown_fields(customer_client: ApiClient, smuggled: dict[str, Any]) -> None:
    response = customer_client.post(LIST_URL, {"title": "x", **smuggled})

    (field,) = smuggled
    assert_validation_error(response, ["body", field], "extra_forbidden")
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [("customer", 403), ("seller", 201), ("admin", 201)],
)
def test_create_assigned_to_another_user_needs_tasks_assign(
    request: pytest.FixtureRequest, role: str, expected_status: int
) -> None:
    client: ApiClient = request.getfixturevalue(f"{role}_client")
    other = CustomerFactory.create()

    response = client.post(LIST_URL, {"title": "For you", "assignee_id": other.pk})

    assert response.status_code == expected_status, response.content
    if expected_status == 403:
        assert_denied(response, "tasks.assign")
        assert Task.objects.count() == 0
    else:
        task = Task.objects.get()
        assert response.json() == task_json(task, client.user)
        assert client.user is not None and task.owner_id == client.user.pk
        assert task.assignee_id == other.pk


def test_create_customer_assigning_unknown_user_is_403_before_422(customer_client: ApiClient) -> None:
    """Checks run 403 before 422: a customer learns nothing about which ids exist."""
    response = customer_client.post(LIST_URL, {"title": "x", "assignee_id": MISSING_ID})

    assert_denied(response, "tasks.assign")
    assert Task.objects.count() == 0


@pytest.mark.parametrize("who", ["unknown", "inactive"])
@pytest.mark.parametrize("role", ["seller", "admin"])
def test_create_assignee_unknown_or_inactive_is_422(request: pytest.FixtureRequest, role: str, who: str) -> None:
    client: ApiClient = request.getfixturevalue(f"{role}_client")
    assignee_id = MISSING_ID if who == "unknown" else UserFactory.create(inactive=True).pk

    response = client.post(LIST_URL, {"title": "x", "assignee_id": assignee_id})

    assert_validation_error(response, ["body", "assignee_id"])
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "loc", "error_type"),
    [
        pytest.param({"title": ""}, ["body", "title"], "string_too_short", id="title-empty"),
        pytest.param({"title": "x" * 201}, ["body", "title"], "string_too_long", id="title-201"),
        pytest.param({}, ["body", "title"], "missing", id="title-missing"),
        pytest.param({"title": None}, ["body", "title"], "string_type", id="title-null"),
        pytest.param({"title": 42}, ["body", "title"], "string_type", id="title-number"),
        pytest.param({"title": "a\x00b"}, ["body", "title"], None, id="title-nul"),
        pytest.param(
            {"title": "x", "description": "d" * 10_001},
            ["body", "description"],
            "string_too_long",
            id="description-10001",
        ),
        pytest.param({"title": "x", "description": 7}, ["body", "description"], "string_type", id="description-number"),
        pytest.param({"title": "x", "owner_id": 1}, ["body", "owner_id"], "extra_forbidden", id="unknown-owner_id"),
        pytest.param({"title": "x", "status": "bogus"}, ["body", "status"], None, id="status-bogus"),
        pytest.param({"title": "x", "due_date": 12345}, ["body", "due_date"], None, id="due_date-number"),
        pytest.param({"title": "x", "due_date": "not-a-date"}, ["body", "due_date"], None, id="due_date-text"),
        pytest.param({"title": "x", "due_date": "2030-02-30"}, ["body", "due_date"], None, id="due_date-impossible"),
        pytest.param({"title": "x", "assignee_id": "5"}, ["body", "assignee_id"], "int_type", id="assignee-string"),
        pytest.param({"title": "x", "assignee_id": 10**23}, ["body", "assignee_id"], None, id="assignee-huge"),
        pytest.param({"title": "x", "assignee_id": 0}, ["body", "assignee_id"], None, id="assignee-zero"),
        pytest.param({"title": "x", "assignee_id": 1.5}, ["body", "assignee_id"], None, id="assignee-float"),
    ],
)
def test_create_validation_is_422_and_writes_nothing(
    customer_client: ApiClient, payload: dict[str, Any], loc: list[Any], error_type: str | None
) -> None:
    response = customer_client.post(LIST_URL, payload)

    assert_validation_error(response, loc, error_type)
    assert Task.objects.count() == 0


def test_create_title_of_200_characters_is_accepted(customer_client: ApiClient) -> None:
    response = customer_client.post(LIST_URL, {"title": "x" * 200, "description": "d" * 10_000})

    assert response.status_code == 201, response.content
    task = Task.objects.get()
    assert (task.title, task.description) == ("x" * 200, "d" * 10_000)


def test_create_body_that_is_not_an_object_is_422(customer_client: ApiClient) -> None:
    response = customer_client.post(LIST_URL, ["title"])

    assert response.status_code == 422, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "validation_error"
    assert Task.objects.count() == 0


def test_create_malformed_json_is_422(customer_client: ApiClient) -> None:
    response = customer_client.post(LIST_URL, '{"title": ', content_type="application/json")

    assert_validation_error(response, ["body"], "json_invalid")
    assert Task.objects.count() == 0


# --- retrieve --------------------------------------------------------------------------------


@pytest.fixture
def owner() -> User:
    return CustomerFactory.create()


@pytest.fixture
def assignee() -> User:
    return CustomerFactory.create()


@pytest.fixture
def task(owner: User, assignee: User) -> Task:
    return TaskFactory.create(
        owner=owner, assignee=assignee, title="Shared task", description="desc", due_date=dt.date(2030, 1, 2)
    )


@pytest.mark.parametrize("who", ["owner", "assignee", "admin"])
def test_retrieve_by_owner_assignee_and_admin(
    request: pytest.FixtureRequest, client_for: Any, task: Task, who: str
) -> None:
    user: User = request.getfixturevalue(who)

    response = client_for(user).get(task_url(task.pk))

    assert response.status_code == 200, response.content
    assert set(response.json()) == TASK_KEYS
    assert response.json() == task_json(task, user)


@pytest.mark.parametrize("who", ["other customer", "seller"])
def test_retrieve_hidden_task_is_404_like_a_missing_one(client_for: Any, task: Task, who: str) -> None:
    stranger = CustomerFactory.create() if who == "other customer" else SellerFactory.create()
    client = client_for(stranger)

    hidden = client.get(task_url(task.pk))
    missing = client.get(task_url(MISSING_ID))

    assert_not_found(hidden)
    assert_not_found(missing)
    assert hidden.content == missing.content
    assert hidden["Content-Type"] == missing["Content-Type"]


@pytest.mark.parametrize(
    "path_id",
    ["abc", str(10**23), "0", "-1", "1.5"],
)
def test_retrieve_invalid_path_id_is_422(customer_client: ApiClient, path_id: str) -> None:
    response = customer_client.get(task_url(path_id))

    assert_validation_error(response, ["path", "task_id"])


@pytest.mark.parametrize("method", ["patch", "delete"])
@pytest.mark.parametrize("path_id", ["abc", str(10**23)])
def test_write_with_invalid_path_id_is_422(customer_client: ApiClient, owner: User, method: str, path_id: str) -> None:
    TaskFactory.create(owner=owner)
    before = list(Task.objects.values())

    if method == "patch":
        response = customer_client.patch(task_url(path_id), {"status": "done"})
    else:
        response = customer_client.delete(task_url(path_id))

    assert_validation_error(response, ["path", "task_id"])
    assert list(Task.objects.values()) == before


# --- update ----------------------------------------------------------------------------------


def age(task: Task) -> None:
    """Push the task's timestamps an hour back, so that a change of `updated_at` shows."""
    past = timezone.now() - dt.timedelta(hours=1)
    Task.objects.filter(pk=task.pk).update(created_at=past, updated_at=past)
    task.refresh_from_db()


def test_update_owner_changes_every_field(client_for: Any, owner: User, task: Task) -> None:
    age(task)
    old_created, old_updated = task.created_at, task.updated_at
    payload = {
        "title": "Renamed",
        "description": "New description",
        "status": "done",
        "due_date": "2031-12-31",
        "assignee_id": owner.pk,
    }

    response = client_for(owner).patch(task_url(task.pk), payload)

    assert response.status_code == 200, response.content
    assert response.json() == task_json(task, owner)
    assert (task.title, task.description, task.status, task.due_date, task.assignee_id, task.owner_id) == (
        "Renamed",
        "New description",
        "done",
        dt.date(2031, 12, 31),
        owner.pk,
        owner.pk,
    )
    assert task.created_at == old_created
    assert task.updated_at > old_updated


@pytest.mark.parametrize(
    ("changes", "column", "expected"),
    [
        ({"title": "Only title"}, "title", "Only title"),
        ({"description": ""}, "description", ""),
        ({"status": "in_progress"}, "status", "in_progress"),
        ({"due_date": "2029-07-04"}, "due_date", dt.date(2029, 7, 4)),
        ({"due_date": None}, "due_date", None),
        ({"assignee_id": None}, "assignee_id", None),
    ],
)
def test_update_owner_partial_changes_only_what_is_sent(
    client_for: Any, owner: User, task: Task, changes: dict[str, Any], column: str, expected: Any
) -> None:
    age(task)
    before = snapshot(task)

    response = client_for(owner).patch(task_url(task.pk), changes)

    assert response.status_code == 200, response.content
    assert response.json() == task_json(task, owner)
    after = snapshot(task)
    assert after[column] == expected
    assert after["updated_at"] > before["updated_at"]
    unchanged = set(before) - {column, "updated_at"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_update_due_date_null_clears_it(client_for: Any, owner: User, task: Task) -> None:
    assert task.due_date is not None

    response = client_for(owner).patch(task_url(task.pk), {"due_date": None})

    assert response.status_code == 200, response.content
    assert response.json()["due_date"] is None
    task.refresh_from_db()
    assert task.due_date is None


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [("customer", 403), ("seller", 200), ("admin", 200)],
)
def test_update_owner_assigning_another_user_needs_tasks_assign(
    client_for: Any, role: str, expected_status: int
) -> None:
    factory = {"customer": CustomerFactory, "seller": SellerFactory, "admin": AdminFactory}[role]
    me = factory.create()
    other = CustomerFactory.create()
    task = TaskFactory.create(owner=me)
    before = snapshot(task)

    response = client_for(me).patch(task_url(task.pk), {"assignee_id": other.pk})

    assert response.status_code == expected_status, response.content
    if expected_status == 403:
        assert_denied(response, "tasks.assign")
        assert snapshot(task) == before
    else:
        assert response.json() == task_json(task, me)
        assert task.assignee_id == other.pk


def test_update_seller_assigning_inactive_user_is_422(client_for: Any, seller: User) -> None:
    task = TaskFactory.create(owner=seller)
    before = snapshot(task)

    response = client_for(seller).patch(task_url(task.pk), {"assignee_id": UserFactory.create(inactive=True).pk})

    assert_validation_error(response, ["body", "assignee_id"])
    assert snapshot(task) == before


@pytest.mark.parametrize("status", ["in_progress", "done", "todo"])
def test_update_assignee_may_change_status(client_for: Any, assignee: User, task: Task, status: str) -> None:
    Task.objects.filter(pk=task.pk).update(status="in_progress" if status != "in_progress" else "todo")
    before = snapshot(task)

    response = client_for(assignee).patch(task_url(task.pk), {"status": status})

    assert response.status_code == 200, response.content
    assert response.json() == task_json(task, assignee)
    after = snapshot(task)
    assert after["status"] == status
    unchanged = set(before) - {"status", "updated_at"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Hijacked"},
        {"description": "Hijacked"},
        {"due_date": None},
        {"assignee_id": None},
        {"status": "done", "title": "Hijacked"},
    ],
)
def test_update_assignee_may_change_nothing_but_status(
    client_for: Any, assignee: User, task: Task, changes: dict[str, Any]
) -> None:
    before = snapshot(task)

    response = client_for(assignee).patch(task_url(task.pk), changes)

    assert_denied(response, "tasks.change_any")  # the one policy that would allow it; the role lacks it
    assert snapshot(task) == before


def test_update_admin_changes_any_field_of_any_task(client_for: Any, admin: User, owner: User, task: Task) -> None:
    age(task)
    old_updated = task.updated_at
    other = CustomerFactory.create()
    payload = {
        "title": "Admin edit",
        "description": "By admin",
        "status": "done",
        "due_date": None,
        "assignee_id": other.pk,
    }

    response = client_for(admin).patch(task_url(task.pk), payload)

    assert response.status_code == 200, response.content
    assert response.json() == task_json(task, admin)
    assert (task.title, task.description, task.status, task.due_date, task.assignee_id, task.owner_id) == (
        "Admin edit",
        "By admin",
        "done",
        None,
        other.pk,
        owner.pk,
    )
    assert task.updated_at > old_updated


@pytest.mark.parametrize("who", ["other customer", "seller"])
@pytest.mark.parametrize("changes", [{"status": "done"}, {"title": "Mine now"}])
def test_update_by_stranger_is_404_and_changes_nothing(
    client_for: Any, task: Task, who: str, changes: dict[str, Any]
) -> None:
    stranger = CustomerFactory.create() if who == "other customer" else SellerFactory.create()
    before = snapshot(task)

    response = client_for(stranger).patch(task_url(task.pk), changes)

    assert_not_found(response)
    assert snapshot(task) == before


def test_update_missing_task_is_404(customer_client: ApiClient) -> None:
    response = customer_client.patch(task_url(MISSING_ID), {"status": "done"})

    assert_not_found(response)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": None}, "title"),
        ({"description": None}, "description"),
        ({"status": None}, "status"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"status": "bogus"}, "status"),
        ({"due_date": 12345}, "due_date"),
        ({"assignee_id": "5"}, "assignee_id"),
        ({"owner_id": 1}, "owner_id"),
    ],
)
def test_update_validation_is_422_and_changes_nothing(
    client_for: Any, owner: User, task: Task, payload: dict[str, Any], field: str
) -> None:
    before = snapshot(task)

    response = client_for(owner).patch(task_url(task.pk), payload)

    assert_validation_error(response, ["body", field])
    assert snapshot(task) == before


# --- titles: trimmed of surrounding white space, never blank --------------------------------

#: The 422 of a title with nothing left once trimmed: the same as for "".
BLANK_TITLE = {
    "detail": [
        {
            "type": "string_too_short",
            "loc": ["body", "title"],
            "msg": "String should have at least 1 character",
            "ctx": {"min_length": 1},
        }
    ],
    "code": "validation_error",
}
#: Unicode white space of several kinds: tab, newline, no-break, ideographic and em spaces.
BLANK_TITLES = ["   ", " ", "\t\n\r", "\u00a0\u3000\u2003", ""]


@pytest.mark.parametrize("title", BLANK_TITLES)
def test_create_blank_title_is_422_and_writes_nothing(customer_client: ApiClient, title: str) -> None:
    response = customer_client.post(LIST_URL, {"title": title})

    assert response.status_code == 422, response.content
    assert response.json() == BLANK_TITLE
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("  x  ", "x"),
        ("\tBuy  milk\n", "Buy  milk"),  # the white space inside stays
        ("\u3000Tea\u00a0", "Tea"),
        (" " * 3 + "x" * 200 + " ", "x" * 200),  # 200 characters once trimmed
    ],
)
def test_create_title_is_stored_trimmed(customer_client: ApiClient, sent: str, stored: str) -> None:
    response = customer_client.post(LIST_URL, {"title": sent})

    assert response.status_code == 201, response.content
    task = Task.objects.get()
    assert task.title == stored
    assert response.json() == task_json(task, customer_client.user)


def test_create_title_over_200_characters_once_trimmed_is_422(customer_client: ApiClient) -> None:
    response = customer_client.post(LIST_URL, {"title": " " + "x" * 201 + " "})

    assert_validation_error(response, ["body", "title"], "string_too_long")
    assert Task.objects.count() == 0


@pytest.mark.parametrize("title", BLANK_TITLES)
def test_update_blank_title_is_422_and_changes_nothing(client_for: Any, owner: User, task: Task, title: str) -> None:
    before = snapshot(task)

    response = client_for(owner).patch(task_url(task.pk), {"title": title})

    assert response.status_code == 422, response.content
    assert response.json() == BLANK_TITLE
    assert snapshot(task) == before


def test_update_title_is_stored_trimmed(client_for: Any, owner: User, task: Task) -> None:
    response = client_for(owner).patch(task_url(task.pk), {"title": "  Renamed\t"})

    assert response.status_code == 200, response.content
    assert snapshot(task)["title"] == "Renamed"
    assert response.json() == task_json(task, owner)


def test_update_blank_title_by_the_assignee_is_403_before_422(client_for: Any, assignee: User, task: Task) -> None:
    """An assignee may not change the title at all: that comes before the title's own 422."""
    before = snapshot(task)

    response = client_for(assignee).patch(task_url(task.pk), {"title": "   "})

    assert_denied(response, "tasks.change_any")
    assert snapshot(task) == before


# --- delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_delete_by_owner_or_admin_is_204(request: pytest.FixtureRequest, client_for: Any, task: Task, who: str) -> None:
    other = TaskFactory.create(owner=task.owner)

    response = client_for(request.getfixturevalue(who)).delete(task_url(task.pk))

    assert response.status_code == 204, response.content
    assert response.content == b""
    assert not Task.objects.filter(pk=task.pk).exists()
    assert list(Task.objects.values_list("pk", flat=True)) == [other.pk]


def test_delete_by_assignee_is_403_and_row_stays(client_for: Any, assignee: User, task: Task) -> None:
    before = snapshot(task)

    response = client_for(assignee).delete(task_url(task.pk))

    assert_denied(response, "tasks.delete_own", "object")
    assert snapshot(task) == before


@pytest.mark.parametrize("who", ["other customer", "seller"])
def test_delete_by_stranger_is_404_and_row_stays(client_for: Any, task: Task, who: str) -> None:
    stranger = CustomerFactory.create() if who == "other customer" else SellerFactory.create()
    before = snapshot(task)

    response = client_for(stranger).delete(task_url(task.pk))

    assert_not_found(response)
    assert snapshot(task) == before


def test_delete_missing_is_404(customer_client: ApiClient, task: Task) -> None:
    response = customer_client.delete(task_url(MISSING_ID))

    assert_not_found(response)
    assert Task.objects.count() == 1


def test_delete_twice_is_404_the_second_time(client_for: Any, owner: User, task: Task) -> None:
    client = client_for(owner)

    assert client.delete(task_url(task.pk)).status_code == 204
    assert_not_found(client.delete(task_url(task.pk)))


# --- anonymous -------------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "list"),
    ("post", "list"),
    ("get", "detail"),
    ("patch", "detail"),
    ("delete", "detail"),
]


@pytest.mark.parametrize(("method", "target"), ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"])
def test_anonymous_or_bad_token_is_401_on_every_endpoint(
    client_for: Any, task: Task, method: str, target: str, authorization: str | None
) -> None:
    client = client_for(None)
    if authorization is not None:
        client.defaults["HTTP_AUTHORIZATION"] = authorization
    url = LIST_URL if target == "list" else task_url(task.pk)
    before = list(Task.objects.values())

    if method in {"post", "patch"}:
        response = getattr(client, method)(url, {"title": "anon", "status": "done"})
    else:
        response = getattr(client, method)(url)

    assert response.status_code == 401, response.content
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == "not_authenticated"
    assert isinstance(body["detail"], str) and body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert list(Task.objects.values()) == before


def test_token_of_a_deactivated_user_is_401(client_for: Any, owner: User, task: Task) -> None:
    client = client_for(owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)

    response = client.get(task_url(task.pk))

    assert response.status_code == 401, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "body",
    [{"title": 42}, {"title": "x", "owner_id": 1}, '{"title": ', "title=x"],
    ids=["wrong-type", "unknown-field", "malformed-json", "not-json"],
)
def test_anonymous_with_a_bad_body_is_401_first(anon_client: ApiClient, body: Any) -> None:
    """401 comes before 415 and 422."""
    response = anon_client.post(LIST_URL, body, content_type="application/json")

    assert response.status_code == 401, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Task.objects.count() == 0


# --- check order: 401, 403, 404, 422 (contract, "Conventions") --------------------------------


@pytest.mark.parametrize("target", ["hidden", "missing"])
@pytest.mark.parametrize(
    "payload",
    [{"title": ""}, {"status": "bogus"}, {"owner_id": 1}],
    ids=["title-empty", "status-bogus", "unknown-field"],
)
def test_update_invisible_task_with_invalid_body_is_404_before_422(
    client_for: Any, task: Task, target: str, payload: dict[str, Any]
) -> None:
    """A task the caller may not see answers 404 whatever the body: 404 is checked before 422."""
    stranger = CustomerFactory.create()
    before = snapshot(task)
    task_id = task.pk if target == "hidden" else MISSING_ID

    response = client_for(stranger).patch(task_url(task_id), payload)

    assert_not_found(response)
    assert snapshot(task) == before


@pytest.mark.parametrize(
    "payload",
    [{"title": 42}, {"title": ""}, {"due_date": "not-a-date"}],
    ids=["title-number", "title-empty", "due_date-text"],
)
def test_update_assignee_touching_a_forbidden_field_is_403_before_422(
    client_for: Any, assignee: User, task: Task, payload: dict[str, Any]
) -> None:
    """The assignee may change `status` only: any other field is 403, even with a bad value."""
    before = snapshot(task)

    response = client_for(assignee).patch(task_url(task.pk), payload)

    assert_denied(response, "tasks.change_any")  # the one policy that would allow it; the role lacks it
    assert snapshot(task) == before


def test_create_customer_assigning_another_user_with_bad_title_is_403_before_422(
    customer_client: ApiClient,
) -> None:
    other = CustomerFactory.create()

    response = customer_client.post(LIST_URL, {"title": "", "assignee_id": other.pk})

    assert_denied(response, "tasks.assign")
    assert Task.objects.count() == 0


def test_create_assignee_id_as_json_number_with_zero_fraction_is_an_integer(
    customer_client: ApiClient, customer: User
) -> None:
    """JSON Schema reads 5.0 as the integer 5; a fraction or a string is still a 422."""
    created = customer_client.post("/api/tasks/", {"title": "float id", "assignee_id": float(customer.pk)})
    assert created.status_code == 201
    assert created.json()["assignee_id"] == customer.pk
    refused = customer_client.post("/api/tasks/", {"title": "float id", "assignee_id": customer.pk + 0.5})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "int_type"
    assert Task.objects.filter(owner=customer).count() == 1
