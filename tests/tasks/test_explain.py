"""GET /api/permissions/explain/: the verdict a request would get, and that it is the one it gets."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, TaskFactory
from tasks.models import Task
from tests.assertions import assert_denied, assert_json, assert_validation_error

URL = "/api/permissions/explain/"
MISSING_ID = 987_654_321
NOT_FOUND = {"detail": "Not found", "code": "not_found"}
EITHER = "(is_owner | is_assignee)"


@pytest.fixture
def people(db: None) -> dict[str, User]:
    return {
        "owner": CustomerFactory.create(),
        "assignee": CustomerFactory.create(),
        "other": SellerFactory.create(),
        "admin": AdminFactory.create(),
    }


@pytest.fixture
def task(people: dict[str, User]) -> Task:
    return TaskFactory.create(owner=people["owner"], assignee=people["assignee"])


def explain(client: ApiClient, user_id: int, policy: str, task_id: int | None = None) -> Any:
    params: dict[str, int | str] = {"user_id": user_id, "policy": policy}
    if task_id is not None:
        params["task_id"] = task_id
    return client.get(URL, params)


def verdict(allowed: bool, policy: str, role: str | None, reason: str | None = None, **more: str | None) -> Any:
    """An explain body: `granted_by` "default" unless the role is refused, `rule` None, unless given."""
    return {
        "allowed": allowed,
        "policy": policy,
        "role": role,
        "reason": reason,
        "granted_by": more.get("granted_by", None if reason == "role" else "default"),
        "rule": more.get("rule"),
    }


# --- the answer, exactly ------------------------------------------------------------------------

CASES = [
    ("owner", "tasks.delete_own", True, verdict(True, "tasks.delete_own", "CUSTOMER", rule="is_owner")),
    ("assignee", "tasks.delete_own", True, verdict(False, "tasks.delete_own", "CUSTOMER", "object", rule="is_owner")),
    ("assignee", "tasks.change_own", True, verdict(True, "tasks.change_own", "CUSTOMER", rule=EITHER)),
    ("other", "tasks.view_own", True, verdict(False, "tasks.view_own", "SELLER", "object", rule=EITHER)),
    ("other", "tasks.view_own", False, verdict(True, "tasks.view_own", "SELLER")),
    ("other", "tasks.assign", False, verdict(True, "tasks.assign", "SELLER")),
    ("owner", "tasks.assign", True, verdict(False, "tasks.assign", "CUSTOMER", "role")),
    ("assignee", "tasks.view_any", True, verdict(False, "tasks.view_any", "CUSTOMER", "role")),
    ("admin", "tasks.delete_any", True, verdict(True, "tasks.delete_any", "ADMIN")),
    ("admin", "tasks.delete_own", True, verdict(False, "tasks.delete_own", "ADMIN", "object", rule="is_owner")),
    ("admin", "users.view", False, verdict(True, "users.view", "ADMIN")),
    ("other", "users.view", False, verdict(False, "users.view", "SELLER", "role")),
]


@pytest.mark.parametrize(
    ("who", "policy", "on_task", "expected"),
    CASES,
    ids=[f"{who}-{policy}-{'task' if on_task else 'role'}" for who, policy, on_task, _ in CASES],
)
def test_explain_answers_the_verdict(
    admin_client: ApiClient, people: dict[str, User], task: Task, who: str, policy: str, on_task: bool, expected: Any
) -> None:
    response = explain(admin_client, people[who].pk, policy, task.pk if on_task else None)
    assert assert_json(response, 200) == expected


def test_an_inactive_user_is_refused_before_the_rule(admin_client: ApiClient, people: dict[str, User]) -> None:
    owner = people["owner"]
    task = TaskFactory.create(owner=owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)

    response = explain(admin_client, owner.pk, "tasks.delete_own", task.pk)

    assert assert_json(response, 200) == verdict(False, "tasks.delete_own", "CUSTOMER", "inactive")


def test_the_role_is_read_from_the_database_now(admin_client: ApiClient, people: dict[str, User]) -> None:
    other = people["other"]
    assert assert_json(explain(admin_client, other.pk, "tasks.assign"), 200)["allowed"] is True
    User.objects.filter(pk=other.pk).update(role="CUSTOMER")
    assert assert_json(explain(admin_client, other.pk, "tasks.assign"), 200) == verdict(
        False, "tasks.assign", "CUSTOMER", "role"
    )


def test_a_grant_of_this_deployment_is_named(admin_client: ApiClient, people: dict[str, User], regrant: Any) -> None:
    regrant({"tasks.assign": ["ADMIN", "SELLER", "CUSTOMER"]})
    assert assert_json(explain(admin_client, people["owner"].pk, "tasks.assign"), 200) == verdict(
        True, "tasks.assign", "CUSTOMER", granted_by="grant"
    )
    assert assert_json(explain(admin_client, people["other"].pk, "tasks.assign"), 200) == verdict(
        True, "tasks.assign", "SELLER"
    )


# --- what it refuses ------------------------------------------------------------------------------


def test_an_unknown_user_or_task_is_404(admin_client: ApiClient, people: dict[str, User], task: Task) -> None:
    assert assert_json(explain(admin_client, MISSING_ID, "tasks.view_own"), 404) == NOT_FOUND
    assert assert_json(explain(admin_client, people["owner"].pk, "tasks.view_own", MISSING_ID), 404) == NOT_FOUND
    assert assert_json(explain(admin_client, MISSING_ID, "tasks.nope", task.pk), 404) == NOT_FOUND  # 404 before 422


def test_an_unknown_policy_is_422_naming_the_query_field(admin_client: ApiClient, people: dict[str, User]) -> None:
    response = explain(admin_client, people["owner"].pk, "tasks.teleport")
    assert assert_json(response, 422) == {
        "detail": [{"loc": ["query", "policy"], "msg": "No policy has this name.", "type": "unknown_policy"}],
        "code": "validation_error",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"policy": "tasks.view_own"}, "user_id"),
        ({"user_id": "abc", "policy": "tasks.view_own"}, "user_id"),
        ({"user_id": 1}, "policy"),
        ({"user_id": 1, "policy": "tasks.view_own", "task_id": 0}, "task_id"),
    ],
    ids=["no-user", "user-not-an-id", "no-policy", "task-id-0"],
)
def test_a_malformed_query_is_422(admin_client: ApiClient, params: dict[str, Any], field: str) -> None:
    errors = assert_validation_error(admin_client.get(URL, params))
    assert [error["loc"] for error in errors] == [["query", field]]


@pytest.mark.parametrize("role", ["CUSTOMER", "SELLER"])
def test_only_users_view_may_ask(client_for: Any, people: dict[str, User], role: str) -> None:
    caller = CustomerFactory.create(role=role)
    assert_denied(explain(client_for(caller), people["owner"].pk, "tasks.view_own"), "users.view", "role")


def test_anonymous_is_401(anon_client: ApiClient, people: dict[str, User]) -> None:
    response = explain(anon_client, people["owner"].pk, "tasks.view_own")
    assert assert_json(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- explain and the request path agree -----------------------------------------------------------


def refusal(response: Any) -> tuple[str, str]:
    body = assert_json(response, 403)
    return body["policy"], body["reason"]


def asked(admin_client: ApiClient, user: User, policy: str, task: Task | None = None) -> Any:
    return assert_json(explain(admin_client, user.pk, policy, None if task is None else task.pk), 200)


def test_an_assignee_deleting(admin_client: ApiClient, client_for: Any, people: dict[str, User], task: Task) -> None:
    answer = asked(admin_client, people["assignee"], "tasks.delete_own", task)
    response = client_for(people["assignee"]).delete(f"/api/tasks/{task.pk}/")
    assert (answer["allowed"], answer["reason"]) == (False, "object")
    assert refusal(response) == (answer["policy"], answer["reason"])
    assert Task.objects.filter(pk=task.pk).exists()


def test_an_assignee_renaming(admin_client: ApiClient, client_for: Any, people: dict[str, User], task: Task) -> None:
    answer = asked(admin_client, people["assignee"], "tasks.change_any", task)
    response = client_for(people["assignee"]).patch(f"/api/tasks/{task.pk}/", {"title": "Mine now"})
    assert (answer["allowed"], answer["reason"]) == (False, "role")
    assert refusal(response) == (answer["policy"], answer["reason"])
    assert Task.objects.get(pk=task.pk).title == task.title


def test_a_customer_assigning(admin_client: ApiClient, client_for: Any, people: dict[str, User]) -> None:
    answer = asked(admin_client, people["owner"], "tasks.assign")
    response = client_for(people["owner"]).post("/api/tasks/", {"title": "x", "assignee_id": people["other"].pk})
    assert (answer["allowed"], answer["reason"]) == (False, "role")
    assert refusal(response) == (answer["policy"], answer["reason"])
    assert not Task.objects.filter(title="x").exists()


def test_the_owner_deleting(admin_client: ApiClient, client_for: Any, people: dict[str, User], task: Task) -> None:
    assert asked(admin_client, people["owner"], "tasks.delete_own", task)["allowed"] is True
    assert client_for(people["owner"]).delete(f"/api/tasks/{task.pk}/").status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()


def test_an_admin_without_delete_any(
    admin_client: ApiClient, client_for: Any, people: dict[str, User], task: Task, regrant: Any
) -> None:
    regrant({"tasks.delete_any": []})
    answer = asked(admin_client, people["admin"], "tasks.delete_own", task)
    assert asked(admin_client, people["admin"], "tasks.delete_any", task) == verdict(
        False, "tasks.delete_any", "ADMIN", "role"
    )
    response = client_for(people["admin"]).delete(f"/api/tasks/{task.pk}/")
    assert (answer["allowed"], answer["reason"]) == (False, "object")
    assert refusal(response) == (answer["policy"], answer["reason"])
    assert Task.objects.filter(pk=task.pk).exists()


def test_an_admin_without_change_any(
    admin_client: ApiClient, client_for: Any, people: dict[str, User], task: Task, regrant: Any
) -> None:
    regrant({"tasks.change_any": []})
    answer = asked(admin_client, people["admin"], "tasks.change_any", task)
    response = client_for(people["admin"]).patch(f"/api/tasks/{task.pk}/", {"status": "done"})
    assert (answer["allowed"], answer["reason"]) == (False, "role")
    assert refusal(response) == (answer["policy"], answer["reason"])
    assert Task.objects.get(pk=task.pk).status == task.status


def test_a_customer_whose_role_lost_view_own(
    admin_client: ApiClient, client_for: Any, people: dict[str, User], regrant: Any
) -> None:
    regrant({"tasks.view_own": ["ADMIN", "SELLER"]})
    answer = asked(admin_client, people["owner"], "tasks.view_own")
    response = client_for(people["owner"]).get("/api/tasks/")
    assert answer == verdict(False, "tasks.view_own", "CUSTOMER", "role")
    assert refusal(response) == (answer["policy"], answer["reason"])


def test_a_customer_granted_assign(
    admin_client: ApiClient, client_for: Any, people: dict[str, User], regrant: Any
) -> None:
    regrant({"tasks.assign": ["ADMIN", "SELLER", "CUSTOMER"]})
    answer = asked(admin_client, people["owner"], "tasks.assign")
    response = client_for(people["owner"]).post("/api/tasks/", {"title": "x", "assignee_id": people["other"].pk})
    assert (answer["allowed"], answer["granted_by"]) == (True, "grant")
    assert assert_json(response, 201)["assignee_id"] == people["other"].pk
