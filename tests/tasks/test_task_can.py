"""A task's `can`: what the caller may do to it now. Every flag, for every role and every
relation to the task, is what the API then does (true: the action is allowed; false: it is
refused), under the default grants and under a re-granted matrix; the list answers the same
flags as the detail, with no query per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

import tasks.policies
from accounts.models import User
from accounts.roles import Role
from nexora_testkit.assertions import ACTIONS, assert_can_matches_api
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory, TaskFactory, UserFactory
from permissions.registry import policies
from permissions.rules import Rule
from tasks.models import Task
from tasks.policies import task_abilities
from tasks.schemas import TASK_COLUMNS
from tasks.selectors import TaskRow
from tests.tasks.helpers import contract_can

pytestmark = pytest.mark.django_db

LIST_URL = "/api/tasks/"
RELATIONS = ("owner", "assignee", "other")
#: A matrix a deployment could grant, chosen so that each flag is true and false somewhere:
#: ADMIN loses tasks.change_own, which its PATCH's guard checks, so tasks.change_any alone
#: changes nothing; SELLER may change and delete what it is assigned; CUSTOMER assigns.
REGRANTED = {
    "tasks.change_own": [Role.SELLER.value, Role.CUSTOMER.value],
    "tasks.change_any": [Role.ADMIN.value, Role.SELLER.value],
    "tasks.delete_any": [Role.SELLER.value],
    "tasks.assign": [Role.ADMIN.value, Role.CUSTOMER.value],
}
GRANTS: dict[str, dict[str, list[str]]] = {"default": {}, "re-granted": REGRANTED}


@contextmanager
def granted_as(name: str) -> Iterator[str]:
    """The roles hold the policies of GRANTS[name], then the deployment's again."""
    policies.override_roles(GRANTS[name])
    try:
        yield name
    finally:
        policies.reset_roles()
        policies.override_roles(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}))


@pytest.fixture
def grants(request: pytest.FixtureRequest) -> Iterator[str]:
    """The named grants, for a test parametrized with `indirect=True`."""
    with granted_as(request.param) as name:
        yield name


def task_for(caller: User, relation: str) -> Task:
    """A fresh task the caller owns, is assigned, or neither (owned and assigned by others)."""
    if relation == "owner":
        return TaskFactory.create(owner=caller)
    if relation == "assignee":
        return TaskFactory.create(owner=CustomerFactory.create(), assignee=caller)
    return TaskFactory.create(owner=CustomerFactory.create(), assignee=CustomerFactory.create())


@dataclass(frozen=True)
class Case:
    role: Role
    relation: str
    action: str

    @property
    def id(self) -> str:
        return f"{self.role.value}-{self.relation}-{self.action}"


CASES = [Case(role, relation, action) for role in Role for relation in RELATIONS for action in ACTIONS]


@pytest.mark.parametrize("grants", list(GRANTS), indirect=True)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_flag_is_what_the_api_then_does(grants: str, case: Case) -> None:
    caller = UserFactory.create(role=case.role)
    task = task_for(caller, case.relation)

    can = assert_can_matches_api(ApiClient(caller), task.pk, actions=[case.action])

    hidden = case.relation == "other" and case.role != Role.ADMIN  # only tasks.view_any (ADMIN) sees it
    assert (can is None) is hidden
    if grants == "default" and can is not None:
        assert can == contract_can(caller, task)


@pytest.mark.parametrize("grants", list(GRANTS), indirect=True)
def test_every_action_and_its_whole_can_on_one_task(grants: str) -> None:
    """The kit's helper tries all four actions on the same task, each undone after."""
    owner = SellerFactory.create()
    task = TaskFactory.create(owner=owner, assignee=CustomerFactory.create())
    before = Task.objects.filter(pk=task.pk).values().get()

    can = assert_can_matches_api(ApiClient(owner), task.pk)

    assert can == (
        {"change": True, "change_status": True, "delete": True, "assign": True}
        if grants == "default"
        else {"change": True, "change_status": True, "delete": True, "assign": False}
    )
    assert Task.objects.filter(pk=task.pk).values().get() == before


def test_each_flag_is_true_somewhere_and_false_somewhere() -> None:
    """So that the cases above check both answers of every flag. (Under the default grants
    every task a user sees allows its status to change: the re-granted matrix refuses it.)"""
    seen: dict[str, set[bool]] = {action: set() for action in ACTIONS}
    for name in GRANTS:
        with granted_as(name):
            for role in Role:
                caller = UserFactory.create(role=role)
                for relation in RELATIONS:
                    response = ApiClient(caller).get(f"/api/tasks/{task_for(caller, relation).pk}/")
                    if response.status_code == 200:
                        for action, flag in response.json()["can"].items():
                            seen[action].add(flag)

    assert seen == {action: {True, False} for action in ACTIONS}


# --- every answer carries `can` --------------------------------------------------------------


OWNER_OF_OWN = {"change": True, "change_status": True, "delete": True, "assign": False}


def test_create_answers_what_the_creator_may_do(customer_client: ApiClient, seller_client: ApiClient) -> None:
    customer_task = customer_client.post(LIST_URL, {"title": "Mine"})
    seller_task = seller_client.post(LIST_URL, {"title": "Mine too"})

    assert (customer_task.status_code, seller_task.status_code) == (201, 201)
    assert customer_task.json()["can"] == OWNER_OF_OWN
    assert seller_task.json()["can"] == {**OWNER_OF_OWN, "assign": True}


def test_patch_answers_what_the_caller_may_do_after_the_change(seller: User, client_for: Any) -> None:
    task = TaskFactory.create(owner=seller)

    response = client_for(seller).patch(f"/api/tasks/{task.pk}/", {"assignee_id": CustomerFactory.create().pk})

    assert response.status_code == 200, response.content
    assert response.json()["can"] == {"change": True, "change_status": True, "delete": True, "assign": True}


@pytest.mark.parametrize("grants", list(GRANTS), indirect=True)
def test_each_list_item_carries_the_can_of_its_detail(grants: str) -> None:
    """The list computes `can` from its rows, the detail from the task: the same answers."""
    people = [AdminFactory.create(), SellerFactory.create(), CustomerFactory.create()]
    for owner in people:
        for assignee in (None, *people):
            TaskFactory.create(owner=owner, assignee=assignee)
    TaskFactory.create()  # nobody's but the admin's to see

    for user in people:
        client = ApiClient(user)
        items = client.get(f"{LIST_URL}?limit=100").json()["items"]
        assert items, user.role
        for item in items:
            assert item["can"] == client.get(f"/api/tasks/{item['id']}/").json()["can"], (user.role, item["id"])


@pytest.mark.parametrize("role", list(Role))
def test_the_list_costs_as_many_queries_for_20_tasks_as_for_1(role: Role) -> None:
    caller = UserFactory.create(role=role)
    client = ApiClient(caller)
    # Owned, assigned to the caller, and neither (which only ADMIN sees).
    relations = RELATIONS if role == Role.ADMIN else RELATIONS[:2]
    counts = []
    for size in (1, 20):
        Task.objects.all().delete()
        for n in range(size):
            task_for(caller, relations[n % len(relations)])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{LIST_URL}?limit=100")
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        assert len(items) == response.json()["count"] == size
        assert all(set(item["can"]) == set(ACTIONS) for item in items)
        counts.append(len(queries))

    assert counts[0] == counts[1] == 3, counts  # the user, the count, the page


# --- a list row, as the rules read it --------------------------------------------------------


def test_a_row_offers_its_columns_and_asks_no_query(django_assert_num_queries: Any) -> None:
    task = TaskFactory.create(assignee=CustomerFactory.create())
    row = Task.objects.filter(pk=task.pk).values(*TASK_COLUMNS).get()
    seller = SellerFactory.create()

    with django_assert_num_queries(0):
        as_read = TaskRow(row)
        assert (as_read.id, as_read.owner_id, as_read.assignee_id, as_read.title) == (
            task.pk,
            task.owner_id,
            task.assignee_id,
            task.title,
        )
        assert task_abilities(seller, as_read) == task_abilities(seller, task)
        assert task_abilities(task.owner, as_read) == task_abilities(task.owner, task)


def test_what_a_row_lacks_comes_from_its_task_not_a_default(django_assert_num_queries: Any) -> None:
    """A rule reading a relation or a column the row does not hold gets the task's own value."""
    task = TaskFactory.create(status=Task.Status.DONE, description="stored")
    as_read = TaskRow(Task.objects.filter(pk=task.pk).values("id", "owner_id").get())

    with django_assert_num_queries(1):
        assert as_read.owner == task.owner
    with django_assert_num_queries(2):  # Django loads a deferred column on its own
        assert (as_read.status, as_read.description) == (Task.Status.DONE, "stored")


@pytest.mark.django_db
@pytest.mark.parametrize("reads", ["a column", "a relation"])
def test_a_page_reuses_an_answer_only_for_rows_alike_in_what_the_rules_read(
    monkeypatch: pytest.MonkeyPatch, reads: str
) -> None:
    """The list answers a row from an earlier one only when every column the rules read has
    the same value in both; a rule that reads anything else is asked row by row."""
    ann = CustomerFactory.create()
    for title, status in [("no 1", "todo"), ("ok 2", "done"), ("no 3", "todo"), ("ok 4", "done")]:
        TaskFactory.create(owner=ann, title=title, status=status)
    if reads == "a column":
        rule = Rule(lambda user, task: task.title.startswith("ok"), "title_ok")
    else:  # a method of the model, not a column: the row makes its task to answer
        rule = Rule(lambda user, task: task.get_status_display() == "Done", "done")
    monkeypatch.setitem(tasks.policies.TASK_ABILITIES, "change", rule)

    items = ApiClient(ann).get("/api/tasks/?ordering=title").json()["items"]

    assert [(item["title"], item["can"]["change"]) for item in items] == [
        ("no 1", False),
        ("no 3", False),
        ("ok 2", True),
        ("ok 4", True),
    ]
