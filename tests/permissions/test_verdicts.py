"""One evaluation for everything: `policies.evaluate` and the verdict it gives, which
`allows`, `require`, the guard's 403 and explain all read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest
from ninja.testing import TestClient

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.factories import CustomerFactory
from permissions.endpoints import requires
from permissions.exceptions import PolicyDenied
from permissions.policies import PUBLIC
from permissions.registry import PolicyRegistry, Verdict, policies
from permissions.rules import Rule
from project.api import new_api
from tasks.policies import TASKS_VIEW_OWN
from tests.assertions import denied


class Note:
    def __init__(self, owner: User, assignee: User | None = None) -> None:
        self.owner, self.assignee = owner, assignee


is_owner = Rule(lambda user, note: note.owner is user, "is_owner")
is_assignee = Rule(lambda user, note: note.assignee is user, "is_assignee")


@pytest.fixture
def registry() -> PolicyRegistry:
    registry = PolicyRegistry()
    registry.register("notes.read", "Read notes.", [Role.SELLER, Role.CUSTOMER], is_owner | is_assignee)
    registry.register("notes.edit", "Edit notes.", [Role.SELLER], is_owner)
    registry.register("notes.export", "Export notes.", [Role.ADMIN])
    return registry


def person(role: Role, *, active: bool = True) -> User:
    return User(role=role, email=f"{role.lower()}@example.com", is_active=active)


# --- the verdict -----------------------------------------------------------------------------


def test_a_role_that_does_not_hold_the_policy(registry: PolicyRegistry) -> None:
    assert registry.evaluate(person(Role.CUSTOMER), "notes.edit") == Verdict(False, "notes.edit", "CUSTOMER", "role")


def test_a_held_policy_without_an_object_is_decided_by_the_role(registry: PolicyRegistry) -> None:
    assert registry.evaluate(person(Role.SELLER), "notes.edit") == Verdict(
        True, "notes.edit", "SELLER", None, "default", None
    )


def test_the_object_rule_decides_and_is_named(registry: PolicyRegistry) -> None:
    owner, other = person(Role.SELLER), person(Role.SELLER)
    note = Note(owner)
    assert registry.evaluate(owner, "notes.edit", note) == Verdict(
        True, "notes.edit", "SELLER", None, "default", "is_owner"
    )
    assert registry.evaluate(other, "notes.edit", note) == Verdict(
        False, "notes.edit", "SELLER", "object", "default", "is_owner"
    )


def test_a_composite_rule_is_named_as_composed(registry: PolicyRegistry) -> None:
    owner, assignee, stranger = person(Role.CUSTOMER), person(Role.CUSTOMER), person(Role.CUSTOMER)
    note = Note(owner, assignee)
    assert registry.evaluate(assignee, "notes.read", note).rule == "(is_owner | is_assignee)"
    assert registry.evaluate(stranger, "notes.read", note) == Verdict(
        False, "notes.read", "CUSTOMER", "object", "default", "(is_owner | is_assignee)"
    )


def test_a_role_refusal_asks_no_rule(registry: PolicyRegistry) -> None:
    customer = person(Role.CUSTOMER)
    assert registry.evaluate(customer, "notes.edit", Note(customer)) == Verdict(False, "notes.edit", "CUSTOMER", "role")


def test_a_policy_without_a_rule_ignores_the_object(registry: PolicyRegistry) -> None:
    assert registry.evaluate(person(Role.ADMIN), "notes.export", Note(person(Role.SELLER))) == Verdict(
        True, "notes.export", "ADMIN", None, "default", None
    )


def test_an_inactive_user_is_refused_whatever_the_role_and_rule(registry: PolicyRegistry) -> None:
    owner = person(Role.SELLER, active=False)
    assert registry.evaluate(owner, "notes.edit", Note(owner)) == Verdict(
        False, "notes.edit", "SELLER", "inactive", "default", None
    )
    assert registry.evaluate(person(Role.ADMIN, active=False), "notes.edit") == Verdict(
        False, "notes.edit", "ADMIN", "inactive", None, None
    )


def test_anonymous(registry: PolicyRegistry) -> None:
    assert registry.evaluate(None, "notes.read") == Verdict(False, "notes.read", None, "role")
    assert policies.evaluate(None, PUBLIC) == Verdict(True, "access.public", None, None, "default")


# --- how the role holds it: the code's default or a deployment's grant ------------------------


def test_granted_by_compares_the_grants_with_the_defaults(registry: PolicyRegistry) -> None:
    registry.override_roles({"notes.edit": ["ADMIN", "SELLER"], "notes.export": []})
    assert registry.evaluate(person(Role.SELLER), "notes.edit").granted_by == "default"
    assert registry.evaluate(person(Role.ADMIN), "notes.edit") == Verdict(
        True, "notes.edit", "ADMIN", None, "grant", None
    )
    assert registry.evaluate(person(Role.ADMIN), "notes.export") == Verdict(False, "notes.export", "ADMIN", "role")
    registry.reset_roles()
    assert registry.evaluate(person(Role.ADMIN), "notes.edit") == Verdict(False, "notes.edit", "ADMIN", "role")


# --- allows and require are the verdict ---------------------------------------------------------


USERS = [person(Role.SELLER), person(Role.CUSTOMER), person(Role.SELLER, active=False), None]


@pytest.mark.parametrize("name", ["notes.read", "notes.edit", "notes.export"])
def test_allows_and_require_answer_as_evaluate(registry: PolicyRegistry, name: str) -> None:
    for user in USERS:
        for given in ((), (Note(user or person(Role.SELLER)),), (Note(person(Role.SELLER)),)):
            verdict = registry.evaluate(user, name, *given)
            assert registry.allows(user, name, *given) is verdict.allowed
            if verdict.allowed:
                registry.require(user, name, *given)
            else:
                with pytest.raises(PolicyDenied) as refused:
                    registry.require(user, name, *given)
                assert (refused.value.policy, refused.value.reason) == (name, verdict.reason)


def test_an_allowed_verdict_has_no_denial() -> None:
    with pytest.raises(ValueError):
        Verdict(True, "notes.read", "SELLER", None, "default").denial()


# --- the guard ------------------------------------------------------------------------------


def user_named_by_header(request: HttpRequest) -> User | None:
    """An authenticator that, unlike Nexora's, does not leave inactive users out."""
    return User.objects.filter(pk=int(request.headers.get("X-User-Id", "0"))).first()


unfiltered_api = new_api(auth=user_named_by_header, urls_namespace="verdicts-unfiltered")


@unfiltered_api.get("/tasks/", operation_id="verdicts_tasks")
@requires(TASKS_VIEW_OWN)
def _tasks(request: HttpRequest) -> dict[str, bool]:
    return {"reached": True}


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    yield TestClient(unfiltered_api)
    policies.reset_roles()
    policies.override_roles(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}))


def call(client: TestClient, user: User) -> tuple[int, Any]:
    response = client.get("/tasks/", headers={"X-User-Id": str(user.pk)})
    return response.status_code, response.json()


def test_the_guard_answers_an_inactive_user_401(db: None, guarded: TestClient) -> None:
    status, body = call(guarded, CustomerFactory.create(is_active=False))
    assert (status, body["code"]) == (401, "not_authenticated")


def test_the_guard_answers_a_role_refusal_403_with_its_reason(db: None, guarded: TestClient) -> None:
    customer = CustomerFactory.create()
    assert call(guarded, customer) == (200, {"reached": True})
    policies.override_roles({TASKS_VIEW_OWN.name: ["ADMIN"]})
    assert call(guarded, customer) == (403, denied("tasks.view_own", "role"))
