"""The task list's prepared queries (tasks.selectors.task_rows_visible_to) answer exactly
what the ORM answers for the same filters, for every shape: each role, each combination of
filters, each ordering, several pages; a shape prepared once serves other users and values.
A rule that reads more of the user than the shape holds sends the list to the ORM; the
shapes kept are bounded by the shapes used, not by the pages asked for."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Q

import tasks.filters
import tasks.selectors
from accounts.models import User
from accounts.roles import Role
from api.prepared import OrmRows, PreparedRows
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, TaskFactory
from permissions.registry import EVERY_ROLE, PolicyRegistry, policies
from permissions.rules import rule
from tasks.filters import TASK_FILTERS, TaskFilter, check_query_schema
from tasks.models import Task
from tasks.schemas import TASK_COLUMNS, TaskFilters
from tasks.selectors import prepared_task_list_shapes, task_list_visible_to, task_rows_visible_to

pytestmark = pytest.mark.django_db

ORDERINGS = ["created_at", "-created_at", "due_date", "-due_date", "title", "-title"]
FIELDS = TASK_COLUMNS


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


# --- a rule that reads more of the user than the role ------------------------------------


def domain(email: str) -> str:
    return email.rpartition("@")[2]


@pytest.fixture
def domain_policies(monkeypatch: pytest.MonkeyPatch) -> PolicyRegistry:
    """The list's policies as a deployment could write them: everyone sees the tasks of the
    owners of their own e-mail domain, a rule that reads the user's e-mail. (A new rule for
    each test: the shapes a process keeps are keyed by the rules.)"""

    @rule(q=lambda user: Q(owner__email__iendswith="@" + domain(user.email)))
    def same_domain(user: User, task: Task) -> bool:
        return domain(task.owner.email) == domain(user.email)

    registry = PolicyRegistry()
    registry.register("tasks.view_any", "Read every task.", [Role.ADMIN])
    registry.register("tasks.view_own", "Read the tasks of your domain.", EVERY_ROLE, same_domain)
    monkeypatch.setattr(tasks.selectors, "policies", registry)
    return registry


@pytest.fixture
def two_domains() -> dict[str, Any]:
    """Two customers at a.example and b.example, and tasks owned at each domain."""
    people = {
        "ann": CustomerFactory.create(email="ann@a.example"),
        "bob": CustomerFactory.create(email="bob@b.example"),
    }
    at_a, at_b = CustomerFactory.create(email="owner@a.example"), CustomerFactory.create(email="owner@b.example")
    own = {
        "ann": [TaskFactory.create(owner=at_a, title=f"a {n}").pk for n in range(3)],
        "bob": [TaskFactory.create(owner=at_b, title=f"b {n}").pk for n in range(2)],
    }
    TaskFactory.create(title="nobody's")  # user<n>@example.com: neither domain
    return {"people": people, "visible": {who: sorted(ids) for who, ids in own.items()}}


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "event", None) == "prepared_query_refused"]


def test_a_rule_reading_the_users_email_lists_each_users_own_domain(
    domain_policies: PolicyRegistry, two_domains: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nexora.api")
    for who in ("ann", "bob", "ann"):
        user = two_domains["people"][who]
        rows = task_rows_visible_to(user=user, fields=FIELDS, ordering="title")

        assert isinstance(rows, OrmRows)  # the shape is refused: the ORM answers
        assert sorted(row["id"] for row in rows[0:100]) == two_domains["visible"][who], who
        assert rows.count() == len(two_domains["visible"][who])
        assert rows[0:100] == expected(user, ordering="title")
    [refused] = refusals(caplog)  # once for the shape, not per request
    assert "'email'" in refused.reason  # type: ignore[attr-defined]  # an extra of the record


def test_a_rule_reading_the_users_email_lists_each_users_own_domain_through_the_api(
    domain_policies: PolicyRegistry,
    two_domains: dict[str, Any],
    client_for: Callable[[User], ApiClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="nexora.api")
    shapes = prepared_task_list_shapes()
    for who in ("ann", "bob", "ann", "bob"):
        response = client_for(two_domains["people"][who]).get("/api/tasks/?limit=100&ordering=title")

        assert response.status_code == 200, response.content
        body = response.json()
        assert sorted(item["id"] for item in body["items"]) == two_domains["visible"][who], who
        assert body["count"] == len(two_domains["visible"][who])
        assert set(body["items"][0]) == {*FIELDS, "can"}
    assert prepared_task_list_shapes() == shapes + 1
    assert len(refusals(caplog)) == 1


def test_the_user_the_rules_see_while_preparing_is_only_its_id_and_role(
    monkeypatch: pytest.MonkeyPatch, people: dict[str, User]
) -> None:
    seen: list[Any] = []

    def owned(user: Any) -> Q:
        seen.append(user)
        return Q(owner_id=user.pk)

    @rule(q=owned)
    def owner(user: User, task: Task) -> bool:
        return task.owner_id == user.pk

    registry = PolicyRegistry()
    registry.register("tasks.view_any", "Read every task.", [Role.ADMIN])
    registry.register("tasks.view_own", "Read your tasks.", EVERY_ROLE, owner)
    monkeypatch.setattr(tasks.selectors, "policies", registry)

    customer = people["customer"]
    rows = task_rows_visible_to(user=customer, fields=FIELDS)
    assert isinstance(rows, PreparedRows)
    assert rows[0:100] == list(Task.objects.filter(owner=customer).order_by("-created_at", "-id").values(*FIELDS))
    assert seen and all(user.role == Role.CUSTOMER and user.pk != customer.pk for user in seen)
    assert {user.pk for user in seen} == {-1_987_654_000, 1_234_567_891}  # the two sets' stand-ins


# --- what is kept ------------------------------------------------------------------------


def test_a_thousand_offsets_keep_one_shape(people: dict[str, User]) -> None:
    customer = people["customer"]
    want = expected(customer, search="i")
    task_rows_visible_to(user=customer, fields=FIELDS, search="i")  # the shape, prepared
    shapes = prepared_task_list_shapes()

    for offset in range(1000):
        rows = task_rows_visible_to(user=customer, fields=FIELDS, search="i")
        assert rows[offset : offset + 3] == want[offset : offset + 3], offset

    assert prepared_task_list_shapes() == shapes


def test_a_thousand_offsets_through_the_api_keep_one_shape(customer_client: ApiClient, people: dict[str, User]) -> None:
    customer_client.get("/api/tasks/?limit=2&ordering=title")
    shapes = prepared_task_list_shapes()

    for offset in range(0, 100_000, 100):
        response = customer_client.get(f"/api/tasks/?limit=2&offset={offset}&ordering=title")
        assert response.status_code == 200
        assert response.json()["items"] == []

    assert prepared_task_list_shapes() == shapes


# --- one declaration of the filters -----------------------------------------------------


def test_the_query_schema_is_checked_against_the_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    check_query_schema(TaskFilters)

    extra = TaskFilter("owner_id", int, lambda owner_id: Q(owner_id=owner_id))
    monkeypatch.setattr(tasks.filters, "TASK_FILTERS", (*TASK_FILTERS, extra))
    with pytest.raises(TypeError, match="are not"):
        check_query_schema(TaskFilters)

    monkeypatch.setattr(tasks.filters, "TASK_FILTERS", TASK_FILTERS[1:])
    with pytest.raises(TypeError, match="are not"):
        check_query_schema(TaskFilters)

    wrong_kind = TaskFilter("status", int, lambda status: Q(status=status))
    monkeypatch.setattr(tasks.filters, "TASK_FILTERS", (wrong_kind, *TASK_FILTERS[1:]))
    with pytest.raises(TypeError, match="status does not take int"):
        check_query_schema(TaskFilters)


def test_a_filter_the_table_does_not_have_is_refused_not_dropped(people: dict[str, User]) -> None:
    with pytest.raises(TypeError, match="owner_id"):
        task_rows_visible_to(user=people["customer"], fields=FIELDS, owner_id=1)
    with pytest.raises(TypeError, match="owner_id"):
        task_list_visible_to(user=people["customer"], owner_id=1)
