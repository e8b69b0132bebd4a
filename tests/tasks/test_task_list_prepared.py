"""The task list's prepared queries (tasks.selectors.task_rows_visible_to) answer exactly
what the ORM answers for the same filters, for every shape: each role, each combination of
filters, each ordering, several pages; a shape prepared once serves other users and values."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, TaskFactory
from permissions.registry import policies
from tasks.models import Task
from tasks.schemas import TaskOut
from tasks.selectors import task_list_visible_to, task_rows_visible_to

pytestmark = pytest.mark.django_db

ORDERINGS = ["created_at", "-created_at", "due_date", "-due_date", "title", "-title"]
FIELDS = tuple(TaskOut.model_fields)


@pytest.fixture
def people() -> dict[str, User]:
    customer, seller = CustomerFactory.create(), SellerFactory.create()
    other = CustomerFactory.create()
    titles = ["Ship it", "ship 100%", "a_b", "Émile", "Ship_it", "other"]
    for n, (title, status) in enumerate(itertools.product(titles, ["todo", "done"])):
        owner = (customer, seller, other)[n % 3]
        assignee = (None, customer, seller, other)[n % 4]
        # Ties on due_date and title, so the tie-breaker matters.
        TaskFactory.create(owner=owner, assignee=assignee, title=title, status=status)
    return {"customer": customer, "seller": seller, "admin": AdminFactory.create(), "other": other}


def expected(user: User, **filters: Any) -> list[dict[str, Any]]:
    rows: list[Any] = list(task_list_visible_to(user=user, fields=FIELDS, **filters))
    return rows


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("who", ["customer", "seller", "admin"])
def test_every_shape_answers_what_the_orm_answers(people: dict[str, User], who: str, ordering: str) -> None:
    user = people[who]
    choices: dict[str, list[Any]] = {
        "status": [None, Task.Status.TODO, "done"],
        "assignee_id": [None, people["customer"].pk, people["other"].pk],
        "search": [None, "", "ship", "100%", "_", "ÉMILE"],
    }
    for status, assignee_id, search in itertools.product(*choices.values()):
        filters = {"status": status, "assignee_id": assignee_id, "search": search, "ordering": ordering}
        rows = task_rows_visible_to(user=user, fields=FIELDS, **filters)
        want = expected(user, **filters)
        assert rows.count() == len(want), filters
        assert rows[0:5] + rows[5:100] == want, filters
        assert rows[3:7] == want[3:7], filters


def test_one_prepared_shape_serves_every_user_of_the_role(people: dict[str, User]) -> None:
    for who in ("customer", "other", "customer"):
        user = people[who]
        rows = task_rows_visible_to(user=user, fields=FIELDS, search="ship")
        assert rows[0:20] == expected(user, search="ship")
        assert rows.count() == len(expected(user, search="ship"))


@pytest.fixture
def restore_roles() -> Iterator[None]:
    yield
    policies.reset_roles()
    policies.override_roles(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}))


def test_a_re_grant_changes_what_the_prepared_list_shows(people: dict[str, User], restore_roles: None) -> None:
    customer = people["customer"]
    own = task_rows_visible_to(user=customer, fields=FIELDS)
    assert own[0:100] == expected(customer) and own.count() < Task.objects.count()

    policies.override_roles({"tasks.view_any": [Role.ADMIN.value, Role.CUSTOMER.value]})
    everything = task_rows_visible_to(user=customer, fields=FIELDS)
    assert everything.count() == Task.objects.count()
    assert everything[0:100] == list(Task.objects.order_by("-created_at", "-id").values(*FIELDS))


def test_a_role_that_sees_nothing_gets_no_row_and_runs_no_query(
    people: dict[str, User], restore_roles: None, django_assert_num_queries: Any
) -> None:
    policies.override_roles({"tasks.view_own": [Role.ADMIN.value]})
    rows = task_rows_visible_to(user=people["customer"], fields=FIELDS)

    with django_assert_num_queries(0):
        assert (rows.count(), rows[0:20]) == (0, [])
