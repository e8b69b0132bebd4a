"""The policy registry: registering, overriding, reading, and the default matrix."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.client import ApiClient
from permissions.exceptions import AlreadyRegistered, UnknownPolicy, UnknownRole
from permissions.policies import AUTHENTICATED, PUBLIC
from permissions.registry import Policy, PolicyRegistry, policies
from tests.assertions import assert_denied
from tests.permissions.default_matrix import DEFAULT_MATRIX, default_permissions


@pytest.fixture
def registry() -> PolicyRegistry:
    """A fresh registry, so the project's one stays intact."""
    return PolicyRegistry()


# --- registering ---------------------------------------------------------------------


def test_register_returns_the_policy(registry: PolicyRegistry) -> None:
    policy = registry.register("demo.read", "Read demos.", [Role.SELLER])
    assert registry.get("demo.read") is policy
    assert "demo.read" in registry
    assert registry.roles_for(policy) == [Role.SELLER]


def test_register_duplicate_name_raises(registry: PolicyRegistry) -> None:
    registry.register("demo.read", "Read demos.", [Role.ADMIN])
    with pytest.raises(AlreadyRegistered):
        registry.register("demo.read", "Another description.", [Role.CUSTOMER])
    assert registry.roles_for("demo.read") == [Role.ADMIN]


def test_the_project_registry_refuses_a_duplicate_of_a_real_policy() -> None:
    before = list(policies)
    with pytest.raises(AlreadyRegistered):
        policies.register("tasks.assign", "Sneaky re-grant.", list(Role))
    assert list(policies) == before
    assert policies.roles_for("tasks.assign") == [Role.ADMIN, Role.SELLER]


@pytest.mark.parametrize(
    "name",
    [
        "",
        "tasks",
        "Tasks.assign",
        "tasks.Assign",
        "tasks.",
        ".assign",
        "tasks..assign",
        "tasks assign",
        "tasks.assign!",
        "1tasks.assign",
        "tasks.1assign",
        "tasks-x.assign",
        "tasks.assign ",
    ],
)
def test_register_bad_name_raises_value_error(registry: PolicyRegistry, name: str) -> None:
    with pytest.raises(ValueError):
        registry.register(name, "Bad.", [Role.ADMIN])
    assert name not in registry


@pytest.mark.parametrize("name", ["tasks.assign", "a.b", "my_app.sub.do_thing2"])
def test_register_accepts_dotted_lower_case_names(registry: PolicyRegistry, name: str) -> None:
    registry.register(name, "Good.", [Role.ADMIN])
    assert name in registry


# --- unknown names --------------------------------------------------------------------------


def test_get_unknown_policy_raises(registry: PolicyRegistry) -> None:
    with pytest.raises(UnknownPolicy):
        registry.get("nope.never")
    with pytest.raises(UnknownPolicy):
        policies.get("tasks.does_not_exist")


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: str(r or "anonymous"))
def test_allows_unknown_policy_raises_never_allows(role: Role | None) -> None:
    """An unknown name is an error, never a silent allow (nor a silent deny)."""
    user = None if role is None else User(role=role, email="x@example.com")
    with pytest.raises(UnknownPolicy):
        policies.allows(user, "tasks.does_not_exist")
    with pytest.raises(UnknownPolicy):
        policies.require(user, "tasks.does_not_exist")


def test_roles_for_unknown_policy_raises() -> None:
    with pytest.raises(UnknownPolicy):
        policies.roles_for("tasks.does_not_exist")


def test_unknown_policy_is_a_configuration_error() -> None:
    assert issubclass(UnknownPolicy, ImproperlyConfigured)
    assert issubclass(AlreadyRegistered, ImproperlyConfigured)
    assert issubclass(UnknownRole, ImproperlyConfigured)


# --- overriding the grants per deployment ------------------------------------------------


def test_override_roles_regrants_assign_to_customer(
    restore_roles: None, customer_client: ApiClient, seller: User
) -> None:
    payload = {"title": "Hand over", "assignee_id": seller.pk}
    assert_denied(customer_client.post("/api/tasks/", payload), "tasks.assign")

    policies.override_roles({"tasks.assign": [Role.ADMIN, Role.SELLER, Role.CUSTOMER]})

    assert policies.roles_for("tasks.assign") == [Role.ADMIN, Role.SELLER, Role.CUSTOMER]
    response = customer_client.post("/api/tasks/", payload)
    assert response.status_code == 201, response.content
    assert response.json()["assignee_id"] == seller.pk
    assert customer_client.user is not None
    assert response.json()["owner_id"] == customer_client.user.pk


def test_override_roles_can_revoke(restore_roles: None, customer_client: ApiClient) -> None:
    policies.override_roles({"permissions.view": [Role.ADMIN]})
    assert_denied(customer_client.get("/api/permissions/"), "permissions.view")


def test_reset_roles_restores_defaults(restore_roles: None) -> None:
    policies.override_roles({"tasks.assign": ["CUSTOMER"], "users.view": []})
    assert policies.roles_for("tasks.assign") == [Role.CUSTOMER]
    policies.reset_roles()
    for role in Role:
        assert policies.granted_to(role) == default_permissions(role)


def test_override_unknown_policy_raises(restore_roles: None) -> None:
    with pytest.raises(UnknownPolicy):
        policies.override_roles({"tasks.teleport": ["ADMIN"]})


def test_override_unknown_role_raises(restore_roles: None) -> None:
    with pytest.raises(UnknownRole):
        policies.override_roles({"tasks.assign": ["ADMIN", "SUPERHERO"]})
    assert policies.roles_for("tasks.assign") == [Role.ADMIN, Role.SELLER]


@pytest.mark.parametrize("builtin", [PUBLIC, AUTHENTICATED], ids=str)
def test_override_builtin_access_policy_is_refused(restore_roles: None, builtin: Policy) -> None:
    with pytest.raises(ImproperlyConfigured):
        policies.override_roles({str(builtin): [Role.ADMIN]})
    assert policies.roles_for(builtin) == list(Role)


# --- the published matrix --------------------------------------------------------------


def test_matrix_excludes_access_levels() -> None:
    names = [policy.name for policy in policies.matrix()]
    assert PUBLIC.name not in names
    assert AUTHENTICATED.name not in names
    assert not [name for name in names if name.startswith("access.")]
    assert names == sorted(names)


def test_matrix_is_the_contract_default_matrix() -> None:
    assert {policy.name for policy in policies.matrix()} == set(DEFAULT_MATRIX)
    for policy in policies.matrix():
        expected = [role for role in Role if DEFAULT_MATRIX[policy.name][role]]
        assert policies.roles_for(policy) == expected, policy.name


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_granted_to_matches_the_contract(role: Role) -> None:
    assert policies.granted_to(role) == default_permissions(role)
    assert policies.granted_to(str(role)) == default_permissions(role)
