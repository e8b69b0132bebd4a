"""Query budgets: each endpoint costs a fixed number of queries, whatever the data size.

Measured on SQLite and MariaDB alike:
  list   3: the user (authentication), the count, the page
  get    2: the user, the task
  patch  3: the user, the task, the UPDATE
  delete 3: the user, the task, the DELETE
  create 2: the user, the INSERT (3 with an assignee: + the assignee's row)
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory, TaskFactory
from tasks.models import Task

LIST_URL = "/api/tasks/"
SIZES = [1, 100]

LIST_QUERIES = 3
GET_QUERIES = 2
PATCH_QUERIES = 3
DELETE_QUERIES = 3
CREATE_QUERIES = 2
CREATE_ASSIGNED_QUERIES = 3


def task_url(task_id: int) -> str:
    return f"/api/tasks/{task_id}/"


def make_tasks(owner: User, n: int) -> list[Task]:
    """`n` tasks visible to `owner`, half owned and half assigned to them by someone else."""
    other = CustomerFactory.create()
    return [
        TaskFactory.create(owner=owner) if i % 2 == 0 else TaskFactory.create(owner=other, assignee=owner)
        for i in range(n)
    ]


@pytest.mark.parametrize("n", SIZES)
def test_list_page_costs_three_queries_whatever_its_size(
    customer_client: ApiClient, customer: User, django_assert_num_queries: Any, n: int
) -> None:
    make_tasks(customer, n)

    with django_assert_num_queries(LIST_QUERIES):
        response = customer_client.get(f"{LIST_URL}?limit=100")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == n
    assert len(body["items"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_filtered_and_ordered_list_costs_three_queries(
    customer_client: ApiClient, customer: User, django_assert_num_queries: Any, n: int
) -> None:
    make_tasks(customer, n)
    Task.objects.update(title="findme", status="done")

    with django_assert_num_queries(LIST_QUERIES):
        response = customer_client.get(f"{LIST_URL}?limit=100&status=done&search=FINDME&ordering=-due_date")

    assert response.status_code == 200
    assert response.json()["count"] == n
    assert len(response.json()["items"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_admin_list_costs_three_queries(admin_client: ApiClient, django_assert_num_queries: Any, n: int) -> None:
    make_tasks(CustomerFactory.create(), n)

    with django_assert_num_queries(LIST_QUERIES):
        response = admin_client.get(f"{LIST_URL}?limit=100")

    assert response.status_code == 200
    assert len(response.json()["items"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_retrieve_costs_two_queries(
    customer_client: ApiClient, customer: User, django_assert_num_queries: Any, n: int
) -> None:
    task = make_tasks(customer, n)[-1]

    with django_assert_num_queries(GET_QUERIES):
        response = customer_client.get(task_url(task.pk))

    assert response.status_code == 200
    assert response.json()["id"] == task.pk


@pytest.mark.parametrize("n", SIZES)
def test_update_status_costs_three_queries(
    customer_client: ApiClient, customer: User, django_assert_num_queries: Any, n: int
) -> None:
    task = make_tasks(customer, n)[-1]

    with django_assert_num_queries(PATCH_QUERIES):
        response = customer_client.patch(task_url(task.pk), {"status": "done"})

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.parametrize("n", SIZES)
def test_delete_costs_three_queries(
    customer_client: ApiClient, customer: User, django_assert_num_queries: Any, n: int
) -> None:
    task = make_tasks(customer, n)[0]  # owned by the customer

    with django_assert_num_queries(DELETE_QUERIES):
        response = customer_client.delete(task_url(task.pk))

    assert response.status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()
    assert Task.objects.count() == n - 1


@pytest.mark.parametrize("n", SIZES)
def test_create_costs_a_fixed_number_of_queries(
    seller_client: ApiClient, seller: User, django_assert_num_queries: Any, n: int
) -> None:
    make_tasks(seller, n)
    assignee = CustomerFactory.create()

    with django_assert_num_queries(CREATE_QUERIES):
        plain = seller_client.post(LIST_URL, {"title": "plain"})
    with django_assert_num_queries(CREATE_ASSIGNED_QUERIES):
        assigned = seller_client.post(LIST_URL, {"title": "assigned", "assignee_id": assignee.pk})

    assert (plain.status_code, assigned.status_code) == (201, 201)
    assert Task.objects.count() == n + 2


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_hidden_task_costs_two_queries_and_writes_nothing(
    client_for: Any, django_assert_num_queries: Any, method: str
) -> None:
    """404 for a hidden task: the user and the task read, nothing written."""
    task = TaskFactory.create(owner=CustomerFactory.create())
    before = list(Task.objects.values())
    client = client_for(CustomerFactory.create())

    with django_assert_num_queries(2):
        if method == "patch":
            response = client.patch(task_url(task.pk), {"status": "done"})
        else:
            response = getattr(client, method)(task_url(task.pk))

    assert response.status_code == 404
    assert list(Task.objects.values()) == before
