"""The test kit other suites reuse: each fixture does what nexora_testkit/README.md promises."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client

import tasks.selectors
from accounts.models import User
from accounts.roles import Role
from nexora_testkit.assertions import ACTIONS, assert_can_matches_api
from nexora_testkit.client import ApiClient, TokenPair
from nexora_testkit.factories import PASSWORD, RoleChangeFactory, TaskFactory, UserFactory
from tasks.models import Task


@pytest.mark.parametrize(
    ("fixture", "role"),
    [
        ("customer_client", Role.CUSTOMER),
        ("seller_client", Role.SELLER),
        ("admin_client", Role.ADMIN),
    ],
)
def test_role_clients_are_signed_in_as_their_role(request: pytest.FixtureRequest, fixture: str, role: Role) -> None:
    client: ApiClient = request.getfixturevalue(fixture)
    response = client.get("/api/profile/")
    assert response.status_code == 200
    assert response.json()["role"] == role.value


def test_anonymous_client_has_no_token(anon_client: ApiClient) -> None:
    response = anon_client.get("/api/profile/")
    assert response.status_code == 401


def test_auth_header_signs_in_a_plain_django_client(
    auth_header: Callable[[User], dict[str, str]], seller: User
) -> None:
    response = Client().get("/api/profile/", headers=auth_header(seller))
    assert response.status_code == 200
    assert response.json()["email"] == seller.email


def test_tokens_for_gives_a_pair_that_refreshes(
    tokens_for: Callable[[User], TokenPair], customer: User, anon_client: ApiClient
) -> None:
    pair = tokens_for(customer)
    assert Client().get("/api/profile/", headers={"Authorization": f"Bearer {pair.access}"}).status_code == 200
    response = anon_client.post("/api/token/refresh/", {"refresh": pair.refresh})
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_factory_users_log_in_with_the_known_password(anon_client: ApiClient, db: None) -> None:
    user = UserFactory.create(seller=True)
    response = anon_client.post("/api/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["user"]["role"] == "SELLER"


def test_factories_make_unique_emails_and_linked_rows(db: None) -> None:
    emails = {UserFactory.create().email for _ in range(20)}
    assert len(emails) == 20
    task = TaskFactory.create(assignee=UserFactory.create())
    assert task.owner_id != task.assignee_id and task.owner.role == Role.CUSTOMER
    change = RoleChangeFactory.create()
    assert change.user_id is not None and change.old_role != change.new_role


def test_granted_fixture_changes_a_role_for_the_block(
    granted: Callable[..., AbstractContextManager[list[str]]], customer_client: ApiClient, seller: User
) -> None:
    """The README's example, and what it leaves behind: the defaults."""
    body = {"title": "Call back", "assignee_id": seller.pk}
    with granted("CUSTOMER", add=["tasks.assign"]) as inside:
        assert "tasks.assign" in inside
        assert customer_client.post("/api/tasks/", body).status_code == 201
    assert customer_client.post("/api/tasks/", body).status_code == 403


def test_assert_can_matches_api_as_the_readme_shows(client_for: Callable[[User], ApiClient], customer: User) -> None:
    task = TaskFactory.create(assignee=customer)
    before = Task.objects.filter(pk=task.pk).values().get()

    can = assert_can_matches_api(client_for(customer), task.pk)

    assert can == {"change": False, "change_status": True, "delete": False, "assign": False}
    assert Task.objects.filter(pk=task.pk).values().get() == before  # every attempt undone


def test_assert_can_matches_api_on_a_hidden_task(client_for: Callable[[User], ApiClient], customer: User) -> None:
    task = TaskFactory.create()

    assert assert_can_matches_api(client_for(customer), task.pk) is None
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize(("claimed", "action"), [(True, "delete"), (False, "change_status")])
def test_assert_can_matches_api_fails_when_can_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
    client_for: Callable[[User], ApiClient],
    customer: User,
    claimed: bool,
    action: str,
) -> None:
    task = TaskFactory.create(assignee=customer)  # the assignee: may change the status, not delete
    monkeypatch.setattr(tasks.selectors, "task_abilities", lambda user, task: dict.fromkeys(ACTIONS, claimed))

    with pytest.raises(AssertionError, match=f"{action}: can says {claimed}"):
        assert_can_matches_api(client_for(customer), task.pk, actions=[action])
    assert Task.objects.filter(pk=task.pk).exists()
