"""GET /api/permissions/ and /api/profile/permissions/, and what a check costs."""

from __future__ import annotations

from typing import Any

import pytest
from ninja_jwt.tokens import AccessToken

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import TaskFactory, UserFactory
from permissions.registry import policies
from tasks.models import Task
from tests.assertions import assert_denied
from tests.permissions.default_matrix import default_permissions

ROLES = list(Role)


def registry_matrix() -> list[dict[str, Any]]:
    return [
        {"name": p.name, "description": p.description, "roles": [str(r) for r in policies.roles_for(p)]}
        for p in policies.matrix()
    ]


# --- GET /api/permissions/ ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_permissions_matrix_as_each_role(role: Role, client_for: Any) -> None:
    response = client_for(UserFactory.create(role=role)).get("/api/permissions/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"roles", "policies"}
    assert body["roles"] == ["ADMIN", "SELLER", "CUSTOMER"]
    assert body["policies"] == registry_matrix()
    for policy in body["policies"]:
        assert set(policy) == {"name", "description", "roles"}
        assert not policy["name"].startswith("access.")


def test_permissions_matrix_as_anonymous(anon_client: ApiClient) -> None:
    response = anon_client.get("/api/permissions/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


# --- GET /api/profile/permissions/ --------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_profile_permissions_as_each_role(role: Role, client_for: Any) -> None:
    response = client_for(UserFactory.create(role=role)).get("/api/profile/permissions/")
    assert response.status_code == 200, response.content
    assert response.json() == {"role": str(role), "permissions": default_permissions(role)}


def test_profile_permissions_as_anonymous(anon_client: ApiClient) -> None:
    assert anon_client.get("/api/profile/permissions/").status_code == 401


def test_profile_permissions_read_the_role_from_the_database(customer: User) -> None:
    pair = tokens_for(customer)
    User.objects.filter(pk=customer.pk).update(role=Role.ADMIN)

    client = ApiClient()
    response = client.get("/api/profile/permissions/", headers={"Authorization": f"Bearer {pair.access}"})

    assert response.status_code == 200, response.content
    assert response.json() == {"role": "ADMIN", "permissions": default_permissions(Role.ADMIN)}
    # The token was not re-issued: its role claim, for display only, still says CUSTOMER.
    assert AccessToken(pair.access)["role"] == "CUSTOMER"


def test_policy_check_reads_the_role_from_the_database(customer: User) -> None:
    """The same on a guarded operation: a promoted customer's old token reaches /api/users/."""
    pair = tokens_for(customer)
    headers = {"Authorization": f"Bearer {pair.access}"}
    assert_denied(ApiClient().get("/api/users/", headers=headers), "users.view")
    User.objects.filter(pk=customer.pk).update(role=Role.ADMIN)
    assert ApiClient().get("/api/users/", headers=headers).status_code == 200


def test_demotion_takes_effect_on_the_next_request(admin: User) -> None:
    pair = tokens_for(admin)
    headers = {"Authorization": f"Bearer {pair.access}"}
    assert ApiClient().get("/api/users/", headers=headers).status_code == 200
    User.objects.filter(pk=admin.pk).update(role=Role.CUSTOMER)
    assert_denied(ApiClient().get("/api/users/", headers=headers), "users.view")
    assert AccessToken(pair.access)["role"] == "ADMIN"


# --- a policy check makes no query ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_policy_check_makes_no_query(role: Role, db: None, django_assert_num_queries: Any) -> None:
    user = UserFactory.create(role=role)
    own = TaskFactory.create(owner=user)
    other = TaskFactory.create()
    user = User.objects.get(pk=user.pk)
    own, other = (Task.objects.get(pk=task.pk) for task in (own, other))

    with django_assert_num_queries(0):
        assert policies.allows(user, "tasks.assign") is (role != Role.CUSTOMER)
        assert policies.allows(user, "tasks.view_own", own) is True
        assert policies.allows(user, "tasks.view_own", other) is False
        assert policies.allows(user, "tasks.view_any", other) is (role == Role.ADMIN)
        assert policies.allows(None, "tasks.view_own", own) is False
