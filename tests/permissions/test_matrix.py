"""The role-by-endpoint matrix, generated from the API and the policy registry.

Every operation of `project.api.api` (and of a throwaway API whose operations are written
both sync and async, `tests.permissions.guarded_api`) is called by an anonymous caller and by a user of
each role. The expected answer comes from the registry, never from a hand-written
list, so a new operation or policy is covered the day it is added:

- anonymous, non-public policy                  -> 401
- signed in, role not granted the policy        -> 403 naming the policy
- otherwise                                     -> allowed: neither 401 nor 403
  (2xx, 404, 409 or 422 because the body is an empty `{}`)

and again for each role under a granted matrix (`nexora_testkit.grants.granted`): one
policy an operation names added to the role's grants, one removed (none left to add to a
role that holds them all), the expectation computed from the change, not read back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from authn.models import LoginSession
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import CustomerFactory, TaskFactory, UserFactory
from nexora_testkit.grants import granted
from permissions import conf
from permissions.ninja import bound_operations
from permissions.policies import AUTHENTICATED
from permissions.registry import policies
from project.api import api
from tests.assertions import denied
from tests.permissions import guarded_api

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
PLACEHOLDER = re.compile(r"{(\w+)}")

#: How to fill a path parameter: an id of a real object the caller may touch.
#: `caller` is None for the anonymous caller; `spare` is another, ordinary user.
PATH_OBJECTS: dict[str, Callable[[User | None, User], int | str]] = {
    # The spare user, never the caller: no self-demotion or own-role raise gets in the way.
    "user_id": lambda caller, spare: spare.pk,
    # The caller's own task (the spare user's for an anonymous caller).
    "task_id": lambda caller, spare: TaskFactory.create(owner=caller or spare).pk,
    # A live session of the caller (of the spare user for an anonymous caller).
    "session_id": lambda caller, spare: session_of(caller or spare),
    # The spare user's role: the caller's grants stay as the case set them.
    "role": lambda caller, spare: str(spare.role),
}


def session_of(user: User) -> int:
    tokens_for(user)  # a log-in
    return int(LoginSession.objects.filter(user=user).latest("id").pk)


@dataclass(frozen=True)
class ApiUnderTest:
    name: str
    api: Any
    urlconf: str

    def root(self) -> str:
        return reverse(f"{self.api.urls_namespace}:api-root", urlconf=self.urlconf)

    def openapi_operations(self) -> list[tuple[str, str, dict[str, Any]]]:
        schema = self.api.get_openapi_schema(path_prefix=self.root())
        return [
            (method.upper(), path, operation)
            for path, path_item in schema["paths"].items()
            for method, operation in path_item.items()
        ]

    def operations(self) -> list[tuple[str, str, str | None]]:
        """(method, path under the API root, declared policy) of every operation, as the
        OpenAPI document publishes them (test_openapi_lists_every_operation_of_the_api
        checks that the document lists every bound operation)."""
        root = self.root()
        return [
            (method, "/" + path.removeprefix(root), (operation.get("x-policy") or {}).get("name"))
            for method, path, operation in self.openapi_operations()
        ]


APIS = [
    ApiUnderTest("project", api, "project.urls"),
    ApiUnderTest("sync-and-async", guarded_api.api, "tests.permissions.guarded_api"),
]


@dataclass(frozen=True)
class Case:
    target: ApiUnderTest
    method: str
    path: str  # as the API routes it, e.g. "/tasks/{task_id}/"
    policy: str
    role: Role | None  # None: anonymous
    #: Granted to the role, and taken from it, for this case.
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        changed = f" granted +{','.join(self.add) or '-'} -{','.join(self.remove) or '-'}" if self.regranted else ""
        return f"{self.target.name}: {self.method} {self.path} as {self.role or 'anonymous'}{changed}"

    @property
    def regranted(self) -> bool:
        return bool(self.add or self.remove)

    def grants(self) -> AbstractContextManager[object]:
        if self.role is None or not self.regranted:
            return nullcontext()
        return granted(self.role, add=self.add, remove=self.remove)


def cases() -> list[Any]:
    """Built at collection time: pytest-django has set Django up before importing tests."""
    return [
        pytest.param(case, id=case.id, marks=pytest.mark.urls(target.urlconf))
        for target in APIS
        for method, path, policy in target.operations()
        for case in (Case(target, method, path, str(policy), role) for role in (None, *Role))
    ]


CASES = cases()


def regrant(role: Role) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One policy an operation of the project names that the role lacks by default, one it
    holds and may lose (not locked)."""
    named = {policy for _, _, policy in APIS[0].operations() if policy and not policies.get(policy).builtin}
    held = set(policies.defaults_of(role))
    lacking = sorted(named - held)
    losable = sorted(named & held - set(conf.locked_grants().get(role, [])))
    return tuple(lacking[len(lacking) // 2 :][:1]), tuple(losable[len(losable) // 2 :][:1])


GRANTED_CASES = [
    pytest.param(granted_case, id=granted_case.id, marks=pytest.mark.urls(granted_case.target.urlconf))
    for param in CASES
    for case in param.values
    if isinstance(case, Case) and case.role is not None
    for granted_case in [replace(case, add=regrant(case.role)[0], remove=regrant(case.role)[1])]
]


def fill_path(target: ApiUnderTest, path: str, caller: User | None, spare: User) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PATH_OBJECTS:
            pytest.fail(f"No object builder for path parameter {{{name}}}: add one to PATH_OBJECTS.")
        return str(PATH_OBJECTS[name](caller, spare))

    return target.root() + PLACEHOLDER.sub(value, path).lstrip("/")


def call(client: ApiClient, method: str, url: str) -> Any:
    send = getattr(client, method.lower())
    return send(url, {}) if method in BODY_METHODS else send(url)


def detail_of(response: Any) -> str:
    body = response.json()
    assert isinstance(body, dict) and "detail" in body, body
    return str(body["detail"])


@pytest.mark.parametrize("target", APIS, ids=lambda target: target.name)
def test_the_matrix_covers_every_operation_and_caller(target: ApiUnderTest) -> None:
    ops = target.operations()
    assert ops, f"the {target.name} API has no operation"
    assert len([c for c in CASES if c.values[0].target is target]) == len(ops) * (1 + len(Role))
    assert all(policy is not None for _, _, policy in ops), "an operation declares no policy"


def test_the_matrix_covers_async_operations() -> None:
    kinds = {op.is_async for op in bound_operations(guarded_api.api)}
    assert kinds == {True, False}


def test_every_role_is_regranted() -> None:
    regranted = [case for param in GRANTED_CASES for case in param.values if isinstance(case, Case)]
    assert len(regranted) == len(GRANTED_CASES)
    assert {case.role for case in regranted} == set(Role)
    assert all(case.remove for case in regranted)
    assert all(case.add for case in regranted if case.role != Role.ADMIN)


@pytest.mark.parametrize("case", CASES + GRANTED_CASES)
def test_role_by_endpoint(case: Case, db: None) -> None:
    policy = policies.get(case.policy)
    caller = None if case.role is None else UserFactory.create(role=case.role)
    spare = CustomerFactory.create()
    url = fill_path(case.target, case.path, caller, spare)

    with case.grants():
        response = call(ApiClient(caller), case.method, url)
        held = policies.allows(caller, case.policy)
    status = response.status_code
    seen = f"{case.id}: {status} {response.content[:300]!r}"

    if caller is None:
        expected_allowed = policy.anonymous
    else:
        by_default = case.role in policies.default_roles_for(case.policy)
        expected_allowed = (by_default or case.policy in case.add) and case.policy not in case.remove
        assert held is expected_allowed

    if caller is None and not expected_allowed:
        assert status == 401, seen
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), seen
    elif not expected_allowed:
        assert status == 403, seen
        assert response.json() == denied(case.policy, "role"), seen
    else:
        assert status != 401, seen
        if status == 403:
            # An object-level refusal may be legitimate elsewhere, but never the role check.
            assert f"'{case.policy}'" not in detail_of(response), f"role check refused a granted role: {seen}"
            pytest.fail(f"an object-level 403 with inputs chosen to avoid one: {seen}")
        assert status < 500, seen


# --- the same matrix, as the OpenAPI document publishes it --------------------------------


@pytest.mark.parametrize("target", APIS, ids=lambda target: target.name)
def test_openapi_lists_every_operation_of_the_api(target: ApiUnderTest) -> None:
    documented = sorted((method, operation["operationId"]) for method, _, operation in target.openapi_operations())
    bound = sorted((method, op.operation_id or "") for op in bound_operations(target.api) for method in op.methods)
    assert documented == bound


OPENAPI_OPERATIONS = [op for target in APIS for op in target.openapi_operations()]


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPENAPI_OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPENAPI_OPERATIONS]
)
def test_openapi_operation_states_its_policy(method: str, path: str, operation: dict[str, Any]) -> None:
    x_policy = operation.get("x-policy")
    assert x_policy, f"{method} {path} has no x-policy"
    policy = policies.get(x_policy["name"])
    assert x_policy["roles"] == [str(role) for role in policies.default_roles_for(policy)]
    assert x_policy["description"] == policy.description
    responses = {str(code) for code in operation["responses"]}

    if policy.anonymous:
        assert not operation.get("security"), f"public {method} {path} asks for a token"
        return
    assert operation.get("security"), f"{method} {path} states no security"
    assert "401" in responses, f"{method} {path} documents no 401"
    if policy.name != AUTHENTICATED.name:
        assert "403" in responses, f"{method} {path} documents no 403"
