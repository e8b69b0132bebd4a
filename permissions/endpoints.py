"""Declaring the policy of an endpoint, enforcing it, and writing it into the spec.

An endpoint names its policy once, next to its route::

    @router.post("/tasks/", ...)
    @requires(TASKS_CREATE)
    def create_task(request, payload: TaskIn): ...

`guard()` is called by the API for every operation once the routers are bound: it runs
the check right after authentication (so a forbidden caller gets 403 before any body is
validated), runs the endpoint's `precheck` when validation fails (404/403 before 422), and documents the policy, its roles and the 401/403 answers. An operation
without a policy, or naming an unknown one, is refused at every request and reported by
the system check (`permissions.E001`/`E002`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from ninja.errors import ValidationError
from ninja.operation import Operation

from .exceptions import PolicyDenied
from .registry import Policy, PolicyRef, policies, policy_name

F = TypeVar("F", bound=Callable[..., Any])
#: The checks of an endpoint that need no valid input (does the object exist for this
#: caller? may they touch these fields?), run only when the input fails validation, so
#: that a 404 or 403 still comes before the 422 (see `guard`). Raises NotFound,
#: PolicyDenied, ... or returns None.
Precheck = Callable[[HttpRequest, dict[str, Any]], None]

POLICY_ATTR = "__policy__"
PRECHECK_ATTR = "__policy_precheck__"
UNDECLARED = "undeclared"


def requires(ref: PolicyRef, *, precheck: Precheck | None = None) -> Callable[[F], F]:
    """Declare the policy an endpoint needs (put it under the route decorator).

    `precheck` keeps the contract's order (403, 404, then 422) for what can be decided
    without valid input, e.g. a missing task is a 404 even when the body is invalid too.
    """
    name = policy_name(ref)

    def decorator(func: F) -> F:
        setattr(func, POLICY_ATTR, name)
        if precheck is not None:
            setattr(func, PRECHECK_ATTR, precheck)
        return func

    return decorator


def declared_policy(operation: Operation) -> str | None:
    return getattr(operation.view_func, POLICY_ATTR, None)


def requires_authentication(operation: Operation) -> bool:
    return bool(operation.auth_callbacks)


def enforce(name: str | None, request: HttpRequest) -> None:
    """Raise PolicyDenied unless the authenticated caller holds the policy."""
    if name is None or name not in policies:
        raise PolicyDenied(name or UNDECLARED)
    policies.require(getattr(request, "auth", None), name)


def guard(operation: Operation, *, error_schema: type) -> None:
    name = declared_policy(operation)
    _enforce_after_authentication(operation, name)
    precheck: Precheck | None = getattr(operation.view_func, PRECHECK_ATTR, None)
    if precheck is not None:
        _precheck_when_invalid(operation, precheck)
    if name is not None and name in policies:
        _document(operation, policies.get(name), error_schema)


def _enforce_after_authentication(operation: Operation, name: str | None) -> None:
    checks = operation._run_checks  # authentication and throttling, as Ninja runs them

    def run_checks(request: HttpRequest) -> HttpResponse | None:
        error = checks(request)
        if error is not None:
            return error
        try:
            enforce(name, request)
        except PolicyDenied as exc:
            return operation.api.on_exception(request, exc)
        return None

    operation._run_checks = run_checks  # type: ignore[method-assign]


def _precheck_when_invalid(operation: Operation, precheck: Precheck) -> None:
    get_values = operation._get_values  # parses and validates path, query and body

    def get_values_or_precheck_error(request: HttpRequest, path_params: Any, temporal_response: HttpResponse) -> Any:
        try:
            return get_values(request, path_params, temporal_response)
        except ValidationError:
            precheck(request, path_params)  # costs a query only on this error path
            raise

    operation._get_values = get_values_or_precheck_error  # type: ignore[method-assign]


def _document(operation: Operation, policy: Policy, error_schema: type) -> None:
    roles = [str(role) for role in policies.roles_for(policy)]
    who = "anyone, no token needed" if policy.anonymous else f"roles {', '.join(roles)}"
    line = f"**Policy:** `{policy.name}`: {policy.description} Granted to {who}."
    operation.description = f"{operation.description}\n\n{line}" if operation.description else line
    operation.openapi_extra = {
        **(operation.openapi_extra or {}),
        "x-policy": {"name": policy.name, "description": policy.description, "roles": roles},
    }
    if requires_authentication(operation):
        operation.response_models.setdefault(401, operation._create_response_model(error_schema))
    if not policy.anonymous and not policy.builtin:
        operation.response_models.setdefault(403, operation._create_response_model(error_schema))
