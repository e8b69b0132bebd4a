"""Deny by default: the system check, the runtime refusal, and discovery of policies.py."""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest
from django.test import override_settings
from django.utils.module_loading import autodiscover_modules, module_has_submodule
from ninja import Router

import permissions.registry as registry_module
from accounts.roles import Role
from api.base import BaseAPI
from nexora_testkit.client import ApiClient
from permissions import checks as permission_checks
from permissions.checks import check_every_operation_declares_a_policy
from permissions.endpoints import requires
from permissions.policies import AUTHENTICATED, PUBLIC
from permissions.registry import Policy, PolicyRegistry, policies
from project.api import new_api
from tests.assertions import assert_denied
from tests.permissions import throwaway

THROWAWAY_API = "tests.permissions.throwaway.api"
PLUGIN_APP = "tests.permissions.plugin_app"
PLUGIN_POLICIES = f"{PLUGIN_APP}.policies"

_namespaces = itertools.count()


def view(request: HttpRequest) -> dict[str, bool]:
    return {"reached": True}


def throwaway_api(*routes: tuple[str, dict[str, Any], str | None]) -> BaseAPI:
    """An API configured as the project's, with one GET operation per (path, route kwargs, policy or None)."""
    router = Router()
    for path, route_kwargs, policy in routes:
        func = _copy(view, path)
        if policy is not None:
            func = requires(policy)(func)
        router.get(path, **route_kwargs)(func)
    api = new_api(urls_namespace=f"throwaway-{next(_namespaces)}")
    api.add_router("", router)
    return api


def _copy(func: Callable[..., Any], path: str) -> Callable[..., Any]:
    """A distinct function per operation, so one declaration does not leak onto another."""

    def endpoint(request: HttpRequest) -> dict[str, bool]:
        answer: dict[str, bool] = func(request)
        return answer

    endpoint.__name__ = "op_" + path.strip("/").replace("-", "_").replace("/", "_")
    return endpoint


@pytest.fixture
def check_api(settings: Any) -> Iterator[Callable[..., list[checks.CheckMessage]]]:
    """`check_api(*routes)`: build a throwaway API, point PERMISSIONS_APIS at it, run the check."""

    def run(*routes: tuple[str, dict[str, Any], str | None]) -> list[checks.CheckMessage]:
        throwaway.api = throwaway_api(*routes)
        settings.PERMISSIONS_APIS = [THROWAWAY_API]
        return check_every_operation_declares_a_policy()

    yield run
    throwaway.api = None


def ids(messages: list[checks.CheckMessage]) -> list[str | None]:
    return [message.id for message in messages]


# --- the project passes ----------------------------------------------------------------


def test_manage_py_check_passes() -> None:
    call_command("check")


def test_the_project_api_has_no_permission_error() -> None:
    assert django_settings.PERMISSIONS_APIS, "no API is checked at all"
    assert check_every_operation_declares_a_policy() == []
    assert [m for m in checks.run_checks() if m.id and m.id.startswith("permissions.")] == []


# --- the system check catches each mistake -------------------------------------------


def test_check_reports_operation_without_policy(check_api: Callable[..., list[checks.CheckMessage]]) -> None:
    errors = check_api(("/fine/", {}, AUTHENTICATED.name), ("/naked/", {}, None))
    assert ids(errors) == ["permissions.E001"]
    assert "GET /naked/" in errors[0].msg
    assert errors[0].level == checks.ERROR


def test_check_reports_unknown_policy(check_api: Callable[..., list[checks.CheckMessage]]) -> None:
    errors = check_api(("/typo/", {}, "tasks.veiw_own"))
    assert ids(errors) == ["permissions.E002"]
    assert "'tasks.veiw_own'" in errors[0].msg


def test_check_reports_public_policy_on_authenticated_operation(
    check_api: Callable[..., list[checks.CheckMessage]],
) -> None:
    errors = check_api(("/half-open/", {}, PUBLIC.name))
    assert ids(errors) == ["permissions.E003"]
    assert "GET /half-open/" in errors[0].msg


def test_check_reports_auth_none_with_non_public_policy(check_api: Callable[..., list[checks.CheckMessage]]) -> None:
    errors = check_api(("/no-token/", {"auth": None}, AUTHENTICATED.name), ("/open/", {"auth": None}, PUBLIC.name))
    assert ids(errors) == ["permissions.E003"]
    assert "GET /no-token/" in errors[0].msg


def test_check_reports_every_mistake_at_once(check_api: Callable[..., list[checks.CheckMessage]]) -> None:
    errors = check_api(
        ("/a/", {}, None),
        ("/b/", {}, "nope.nothing"),
        ("/c/", {}, PUBLIC.name),
        ("/d/", {"auth": None}, "tasks.assign"),
        ("/e/", {}, "tasks.assign"),
    )
    assert sorted(ids(errors), key=str) == [
        "permissions.E001",
        "permissions.E002",
        "permissions.E003",
        "permissions.E003",
    ]


def test_run_checks_reports_it_and_manage_py_check_fails(
    check_api: Callable[..., list[checks.CheckMessage]],
) -> None:
    check_api(("/naked/", {}, None))
    found = [m for m in checks.run_checks() if m.id == "permissions.E001"]
    assert len(found) == 1
    with pytest.raises(SystemCheckError, match=r"permissions\.E001"):
        call_command("check")


# --- at runtime an undeclared operation is refused ---------------------------------------


@pytest.mark.urls("tests.permissions.urls_undeclared")
def test_undeclared_operation_is_refused_with_403(customer_client: ApiClient) -> None:
    response = customer_client.get("/api/undeclared/")
    assert_denied(response, "undeclared")


@pytest.mark.urls("tests.permissions.urls_undeclared")
def test_undeclared_public_operation_is_refused_even_for_anonymous(anon_client: ApiClient) -> None:
    response = anon_client.get("/api/public-undeclared/")
    assert_denied(response, "undeclared")


@pytest.mark.urls("tests.permissions.urls_undeclared")
def test_undeclared_operation_still_authenticates_first(anon_client: ApiClient) -> None:
    assert anon_client.get("/api/undeclared/").status_code == 401


@pytest.mark.urls("tests.permissions.urls_undeclared")
def test_operation_naming_unknown_policy_is_refused_with_403(admin_client: ApiClient) -> None:
    response = admin_client.get("/api/unknown/")
    assert_denied(response, "nope.never_registered")


@pytest.mark.urls("tests.permissions.urls_undeclared")
def test_declared_operation_of_the_same_api_answers(customer_client: ApiClient) -> None:
    response = customer_client.get("/api/declared/")
    assert response.status_code == 200, response.content
    assert response.json() == {"reached": True}


# --- discovery of every app's policies.py --------------------------------------------------


def apps_with_policies() -> list[str]:
    return [config.name for config in apps.get_app_configs() if module_has_submodule(config.module, "policies")]


def declared_in(module_name: str) -> list[Policy]:
    return [value for value in vars(sys.modules[module_name]).values() if isinstance(value, Policy)]


def test_every_installed_policies_module_is_imported_and_registered() -> None:
    found = apps_with_policies()
    assert {"permissions", "accounts", "tasks"} <= set(found)
    for app_name in found:
        module_name = f"{app_name}.policies"
        assert module_name in sys.modules, f"{module_name} was not discovered"
        declared = declared_in(module_name)
        assert declared, f"{module_name} registers nothing"
        for policy in declared:
            assert policies.get(policy.name) is policy


def test_discovery_covers_the_whole_registry() -> None:
    discovered = {policy.name for app in apps_with_policies() for policy in declared_in(f"{app}.policies")}
    assert discovered == {policy.name for policy in policies}


def test_autodiscover_again_registers_nothing_twice() -> None:
    before = list(policies)
    autodiscover_modules("policies")
    assert list(policies) == before


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[PolicyRegistry]:
    """Swap the project registry for an empty one; forget the plugin's policies module after."""
    fresh = PolicyRegistry()
    monkeypatch.setattr(registry_module, "policies", fresh)
    sys.modules.pop(PLUGIN_POLICIES, None)
    yield fresh
    sys.modules.pop(PLUGIN_POLICIES, None)


def test_new_app_policies_module_is_discovered_at_start_up(fresh_registry: PolicyRegistry) -> None:
    """Installing an app with a policies.py is all it takes: permissions/ is not touched."""
    assert PLUGIN_APP not in django_settings.INSTALLED_APPS
    with override_settings(INSTALLED_APPS=[*django_settings.INSTALLED_APPS, PLUGIN_APP]):
        # The app registry was re-populated: PermissionsConfig.ready() ran autodiscovery.
        assert apps.is_installed(PLUGIN_APP)
        assert PLUGIN_POLICIES in sys.modules
        assert [p.name for p in fresh_registry] == ["reports.export", "reports.view"]
        assert fresh_registry.roles_for("reports.export") == [Role.ADMIN, Role.SELLER]
        assert fresh_registry.granted_to(Role.CUSTOMER) == ["reports.view"]
    assert not apps.is_installed(PLUGIN_APP)
    assert "reports.export" not in policies, "the project registry must stay intact"


def test_registering_from_a_new_module_needs_no_change(fresh_registry: PolicyRegistry) -> None:
    module = importlib.import_module(PLUGIN_POLICIES)
    assert fresh_registry.get("reports.export") is module.REPORTS_EXPORT
    assert fresh_registry.allows(None, "reports.view") is False
    assert "reports.view" not in policies


# --- PERMISSIONS_LOCKED_GRANTS ------------------------------------------------------------------


def test_the_project_locks_what_the_contract_says() -> None:
    assert django_settings.PERMISSIONS_LOCKED_GRANTS == {
        "ADMIN": ["permissions.manage", "permissions.view", "users.change_role"]
    }
    assert permission_checks.check_locked_grants() == []


@pytest.mark.parametrize(
    ("locked", "error_id", "message"),
    [
        ({"OWNER": ["tasks.create"]}, "permissions.E020", "PERMISSIONS_LOCKED_GRANTS names the unknown role 'OWNER'."),
        (
            {"ADMIN": ["tasks.fly"]},
            "permissions.E021",
            "PERMISSIONS_LOCKED_GRANTS locks 'tasks.fly' for ADMIN, which is no role-granted policy.",
        ),
        (
            {"ADMIN": ["access.public"]},
            "permissions.E021",
            "PERMISSIONS_LOCKED_GRANTS locks 'access.public' for ADMIN, which is no role-granted policy.",
        ),
        (
            {"SELLER": ["users.view"]},
            "permissions.E022",
            "PERMISSIONS_LOCKED_GRANTS locks 'users.view' for SELLER, which does not hold it by default.",
        ),
    ],
)
def test_check_reports_a_bad_lock(settings: Any, locked: dict[str, list[str]], error_id: str, message: str) -> None:
    settings.PERMISSIONS_LOCKED_GRANTS = locked

    errors = permission_checks.check_locked_grants()

    assert [(error.id, error.msg) for error in errors] == [(error_id, message)]
