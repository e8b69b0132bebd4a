"""The permission layer on a NinjaAPI: call `install(api)` once, before `api.urls`.

For every operation of the API, once its routers are bound:

- the operation's own authentication callbacks are wrapped in a guard that, after they
  name the caller, checks the declared policy with the role the user row holds now: 401
  when nobody is authenticated, 403 when the role lacks the policy, both before any input
  is read (so the order is 401, 403, then the endpoint's 404 precheck, then 422);
- an operation that declares no policy, or names an unknown one, answers 403 to everyone
  (deny by default; `manage.py check` reports it too);
- the policy, its roles and the 401/403 answers are written into its OpenAPI operation.

The 401 and 403 answers are JSON with a stable `code` (`not_authenticated`,
`permission_denied`); a 403 also names the `policy` it lacked and the `reason` (`role`:
the caller's role does not hold it; `object`: a service checked it on an object whose
rule refused). A user who is not active is answered 401, as Django's own authentication
backends refuse one. So are the refusals of the grant endpoints (`permissions.api`): 404
`not_found` for an unknown role, 409 `grant_locked` for a change that takes a locked grant.

Before the check, the guard makes the process's grants current for the caller
(`policies.observe`): free when the user row carried the grants version.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from asgiref.sync import async_to_sync, sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.operation import Operation

from ninja_hooks.adapter import add_exception_handler, on_bind
from ninja_hooks.openapi import add_error_response

from .endpoints import declared_also, declared_policy, declared_precheck
from .exceptions import GrantLocked, PolicyDenied, RoleNotFound
from .registry import policies

NOT_AUTHENTICATED = "not_authenticated"
PERMISSION_DENIED = "permission_denied"
NOT_FOUND = "not_found"
GRANT_LOCKED = "grant_locked"
#: The policy a 403 names when the operation declared none (or an unknown one).
UNDECLARED = "undeclared"

_operations: WeakKeyDictionary[NinjaAPI, list[Operation]] = WeakKeyDictionary()


def install(api: NinjaAPI, *, www_authenticate: str = "Bearer") -> None:
    """Guard and document every operation of `api`, and answer its 401s and 403s."""
    if api in _operations:
        raise ImproperlyConfigured("The permission layer is already installed on this API.")
    _operations[api] = []

    def bind(operation: Operation, run: Callable[..., Any]) -> Callable[..., Any]:
        _operations[api].append(operation)
        return guard(operation, run)

    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            {"detail": "Authentication credentials were not provided or are invalid.", "code": NOT_AUTHENTICATED},
            status=401,
        )
        response["WWW-Authenticate"] = www_authenticate
        return response

    def denied(request: HttpRequest, exc: PolicyDenied) -> HttpResponse:
        body = {"detail": str(exc), "code": PERMISSION_DENIED, "policy": exc.policy, "reason": exc.reason}
        return api.create_response(request, body, status=403)

    on_bind(api, bind)
    add_exception_handler(api, AuthenticationError, not_authenticated)
    add_exception_handler(api, PolicyDenied, denied)
    _answer_grant_errors(api)


def bound_operations(api: NinjaAPI) -> list[Operation]:
    """Every operation of an API the layer is installed on (binding its routers if need be)."""
    if api not in _operations:
        raise ImproperlyConfigured(
            "The permission layer is not installed on this API: call permissions.ninja.install(api)."
        )
    api.urls  # noqa: B018  (binds the routers)
    return list(_operations[api])


def enforce(policy: str | None, user: Any) -> None:
    """Raise PolicyDenied unless `user` holds the declared, registered policy (and
    AuthenticationError for an inactive user: nobody to authorize)."""
    if policy is None or policy not in policies:
        raise PolicyDenied(policy or UNDECLARED)
    verdict = policies.evaluate(user, policy)
    if verdict.reason == "inactive":
        raise AuthenticationError()
    if not verdict.allowed:
        raise verdict.denial()


class PolicyGuard:
    """Authenticate with the operation's own callbacks, then check its policy."""

    def __init__(self, policy: str | None, authenticators: Sequence[Callable[[HttpRequest], Any]]) -> None:
        self.policy = policy
        self.authenticators = list(authenticators)
        # Ninja's OpenAPI reads the security scheme off the auth callback: the inner one's.
        scheme = getattr(self.authenticators[0], "openapi_security_schema", None)
        if scheme is not None:
            self.openapi_security_schema = scheme

    def __call__(self, request: HttpRequest) -> Any:
        for authenticate in self.authenticators:
            user = authenticate(request)
            if inspect.isawaitable(user):
                user = async_to_sync(_awaited)(user)
            if user:
                policies.observe(user)
                enforce(self.policy, user)
                return user
        return None


class AsyncPolicyGuard(PolicyGuard):
    """The same for an async authenticator on an async operation (ninja awaits it)."""

    async def __call__(self, request: HttpRequest) -> Any:
        for authenticate in self.authenticators:
            user = authenticate(request)
            if inspect.isawaitable(user):
                user = await user
            if user:
                if not policies.is_current(user):  # reading the grants is a query: off the event loop
                    await sync_to_async(policies.observe)(user)
                enforce(self.policy, user)
                return user
        return None


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


@cache
def _named_like(base: type[PolicyGuard], name: str) -> type[PolicyGuard]:
    """The guard class under the authenticator's class name: ninja names the OpenAPI
    security scheme after the auth callback's class, and the scheme is the authenticator's."""
    return type(name, (base,), {"__module__": __name__, "__doc__": base.__doc__})


def _is_async(callback: Callable[..., Any]) -> bool:
    call = getattr(callback, "__call__", None)  # noqa: B004
    return (
        inspect.iscoroutinefunction(callback)
        or inspect.iscoroutinefunction(call)
        or bool(getattr(callback, "is_async", False))
    )


def guard(operation: Operation, run: Callable[..., Any]) -> Callable[..., Any]:
    """Install the guard on one bound operation; return what ninja should run."""
    name = declared_policy(operation.view_func)
    policy = policies.get(name) if name is not None and name in policies else None
    callbacks = list(operation.auth_callbacks)
    if callbacks:
        base = AsyncPolicyGuard if operation.is_async and any(map(_is_async, callbacks)) else PolicyGuard
        operation.auth_callbacks = [_named_like(base, type(callbacks[0]).__name__)(name, callbacks)]
    elif policy is None or not policy.anonymous:
        # No authentication to hang the guard on: refuse outright (the check reports it).
        return _refusal(operation, name if policy is None else policy.name)
    if policy is not None:
        document(operation, policy.name, declared_also(operation.view_func))
    precheck = declared_precheck(operation.view_func)
    return run if precheck is None else _with_precheck(operation, run, precheck)


def document(operation: Operation, name: str, also: tuple[str, ...] = ()) -> None:
    """The policy, its roles, and the 401/403 answers, into the operation's OpenAPI entry."""
    policy = policies.get(name)
    roles = policies.default_roles_for(policy)  # the code's: the document does not change with grants
    who = "anyone, no token needed" if policy.anonymous else f"roles {', '.join(roles)}"
    line = f"**Policy:** `{policy.name}`: {policy.description} Granted to {who}."
    if also:
        named = ("it" if other == policy.name else f"`{other}`" for other in also)
        line += " Also checks " + ", ".join(named) + " on what it touches."
    operation.description = f"{operation.description}\n\n{line}" if operation.description else line
    extra = dict(operation.openapi_extra or {})
    extra["x-policy"] = {"name": policy.name, "description": policy.description, "roles": roles}
    responses = extra.setdefault("responses", {})
    if operation.auth_callbacks:
        add_error_response(
            responses, 401, NOT_AUTHENTICATED, "no valid access token (missing, malformed, expired or revoked)."
        )
    own = [] if policy.anonymous or policy.builtin else [policy.name]
    denied = own + [other for other in also if other not in own]
    if denied:
        add_error_response(
            responses,
            403,
            PERMISSION_DENIED,
            "the caller lacks the policy named in `policy`, for the `reason` given.",
            extra={
                "policy": {"type": "string", "enum": denied},
                "reason": {"type": "string", "enum": denial_reasons(also)},
            },
        )
    operation.openapi_extra = extra


def denial_reasons(also: Sequence[str]) -> list[str]:
    """The reasons a 403 of an operation can give: `role` (the guard, or a service's check
    of a policy without an object rule), and `object` once its service checks a policy
    that has an object rule (`also`) on what it touches."""
    return ["role", "object"] if any(policies.get(other).rule is not None for other in also) else ["role"]


def _refusal(operation: Operation, name: str | None) -> Callable[..., Any]:
    def refuse(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return operation.api.on_exception(request, PolicyDenied(name or UNDECLARED))

    async def refuse_async(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return refuse(request)

    return refuse_async if operation.is_async else refuse


def _with_precheck(operation: Operation, run: Callable[..., Any], precheck: Callable[..., Any]) -> Callable[..., Any]:
    """After a 422, run the endpoint's precheck: its 404 or 403 wins (it costs a query only then)."""

    def answer(request: HttpRequest, response: HttpResponse, path_params: dict[str, Any]) -> HttpResponse:
        try:
            precheck(request, path_params)
        except Exception as exc:  # a domain error or PolicyDenied: answered by the API's handlers
            return operation.api.on_exception(request, exc)
        return response

    def run_with_precheck(request: HttpRequest, **path_params: Any) -> HttpResponse:
        response: HttpResponse = run(request, **path_params)
        return answer(request, response, path_params) if response.status_code == 422 else response

    async def run_with_precheck_async(request: HttpRequest, **path_params: Any) -> HttpResponse:
        response: HttpResponse = await run(request, **path_params)
        if response.status_code != 422:
            return response
        return await sync_to_async(answer)(request, response, path_params)

    return run_with_precheck_async if operation.is_async else run_with_precheck


def _answer_grant_errors(api: NinjaAPI) -> None:
    def role_not_found(request: HttpRequest, exc: RoleNotFound) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found", "code": NOT_FOUND}, status=404)

    def grant_locked(request: HttpRequest, exc: GrantLocked) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc), "code": GRANT_LOCKED}, status=409)

    add_exception_handler(api, RoleNotFound, role_not_found)
    add_exception_handler(api, GrantLocked, grant_locked)
