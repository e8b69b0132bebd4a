"""The one module that relies on django-ninja behaviour beyond its documented API.

django-ninja has no hook that hands a plugin each operation once its routers are bound;
this module makes one out of the public `NinjaAPI.add_decorator(..., mode="view")`,
which ninja applies to every bound operation's `run` after it has settled the
operation's authentication callbacks. `on_bind()` relies on three things ninja does but
does not promise:

1. a view-mode decorator receives the bound method `operation.run`, whose `__self__` is
   the bound `Operation` (the attributes used are public: `auth_callbacks`, `view_func`,
   `is_async`, `openapi_extra`, `description`, `methods`, `path`, `api`);
2. the callbacks in `operation.auth_callbacks` are what ninja calls to authenticate,
   before it validates any input;
3. `__ninja_param_source__` on each of `operation.models` says where an input comes from.

`verify()` runs at start-up, once per process (`verified()`, called by the `ready()` of
every app that builds on this module: the permission layer and the toolkit, so under
gunicorn too), and exercises all three on a throwaway API, sync and async. If an upgrade of
django-ninja changed any of them, it raises `NinjaMismatch` and the process refuses to
start: the guards built on it fail closed, never open.

`add_exception_handler()` only narrows a type: ninja hands a handler the exception raised,
though its annotation also admits the exception's class.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema
from ninja.operation import Operation
from ninja.testing import TestAsyncClient, TestClient

#: `hook(operation, run)`, called once per bound operation; returns what ninja should
#: run for it (`run` itself, or a wrapper of it).
BindHook = Callable[[Operation, Callable[..., Any]], Callable[..., Any]]

E = TypeVar("E", bound=Exception)

_hooks: WeakKeyDictionary[NinjaAPI, list[BindHook]] = WeakKeyDictionary()


class NinjaMismatch(ImproperlyConfigured):
    """The installed django-ninja no longer behaves as the hooks built on this module require."""


def on_bind(api: NinjaAPI, hook: BindHook) -> None:
    """Call `hook(operation, run)` for every operation of `api` when its routers are bound
    (the first `api.urls` or OpenAPI request), after ninja has set its authentication.
    Hooks run in the order they were added, each given what the previous one returned."""
    if api in _hooks:
        _hooks[api].append(hook)
        return
    hooks = _hooks[api] = [hook]

    def decorator(run: Callable[..., Any]) -> Callable[..., Any]:
        operation = getattr(run, "__self__", None)
        if not isinstance(operation, Operation):
            raise NinjaMismatch(
                "django-ninja passed a view decorator something other than Operation.run: "
                "the permission layer cannot guard this operation, so it refuses to start."
            )
        for each in hooks:
            run = each(operation, run)
        return run

    api.add_decorator(decorator, mode="view")


def add_exception_handler(api: NinjaAPI, error: type[E], handler: Callable[[HttpRequest, E], HttpResponse]) -> None:
    """`api.add_exception_handler(error, handler)`, with the handler typed as ninja calls it:
    with the exception raised, an instance of `error`. Ninja's annotation (`Exc`) also admits
    the exception class itself, which its own code never passes to `on_exception`."""
    api.add_exception_handler(error, handler)  # type: ignore[arg-type]  # only instances are passed, see above


def input_sources(operation: Operation) -> set[str]:
    """Where the operation's inputs come from: "path", "query", "body", ... (empty: none)."""
    return {str(getattr(model, "__ninja_param_source__", "unknown")) for model in operation.models}


# --- the start-up probe ----------------------------------------------------------------------


class _ProbeIn(Schema):
    value: int


class _Caller:
    """A stand-in for an authenticated user."""

    is_authenticated = True


class _ProbeDenied(Exception):
    pass


def _probe_auth(request: HttpRequest) -> _Caller | None:
    return _Caller() if request.headers.get("Authorization") == "probe" else None


def verify() -> None:
    """Raise NinjaMismatch unless on_bind() guards sync and async operations as documented above."""
    seen: dict[str, Operation] = {}
    api = NinjaAPI(urls_namespace="permissions-ninja-probe")
    router = Router()

    @router.post("/sync/")
    def sync_view(request: HttpRequest, payload: _ProbeIn) -> dict[str, int]:
        return {"value": payload.value}

    @router.post("/async/")
    async def async_view(request: HttpRequest, payload: _ProbeIn) -> dict[str, int]:
        return {"value": payload.value}

    def deny(request: HttpRequest) -> None:
        if request.headers.get("X-Probe") == "deny":
            raise _ProbeDenied()

    def hook(operation: Operation, run: Callable[..., Any]) -> Callable[..., Any]:
        seen[operation.view_func.__name__] = operation
        inner = list(operation.auth_callbacks)

        def guarded(request: HttpRequest) -> Any:
            user = next((found for found in (cb(request) for cb in inner) if found), None)
            if user is not None:
                deny(request)
            return user

        operation.auth_callbacks = [guarded]
        return run

    api.add_exception_handler(_ProbeDenied, lambda request, exc: api.create_response(request, {}, status=403))
    api.auth = [_probe_auth]
    on_bind(api, hook)
    api.add_router("", router)
    api.urls  # binds the routers, calling the hook  # noqa: B018

    problems = []
    if set(seen) != {"sync_view", "async_view"}:
        problems.append(f"the bind hook saw {sorted(seen)}, not both operations")
    else:
        if not (seen["async_view"].is_async and not seen["sync_view"].is_async):
            problems.append("Operation.is_async does not tell async operations apart")
        if input_sources(seen["sync_view"]) != {"body"}:
            problems.append(f"input sources of a body-only operation read as {input_sources(seen['sync_view'])}")
    expectations: list[tuple[dict[str, str], dict[str, object], int]] = [
        ({}, {"value": 1}, 401),  # no credentials: authentication refuses first
        ({"Authorization": "probe", "X-Probe": "deny"}, {"value": "not a number"}, 403),  # guard before validation
        ({"Authorization": "probe"}, {"value": "not a number"}, 422),
        ({"Authorization": "probe"}, {"value": 7}, 200),
    ]
    for path in ("/sync/", "/async/"):
        for headers, body, status in expectations:
            response = _call(api, path, headers, body)
            if response != status:
                problems.append(f"POST {path} with {sorted(headers)} answered {response}, expected {status}")
    if problems:
        raise NinjaMismatch(
            "django-ninja does not behave as the permission layer requires, so the process refuses to "
            "start rather than run operations unguarded: " + "; ".join(problems) + "."
        )


@cache
def verified() -> None:
    """`verify()`, once per process, whichever app's start-up asks first."""
    verify()


def _call(api: NinjaAPI, path: str, headers: dict[str, str], body: dict[str, object]) -> int:
    if path == "/async/":
        # async_to_sync, not asyncio.run: start-up may happen where an event loop already runs.
        response = async_to_sync(TestAsyncClient(api).post)(path, json=body, headers=headers)
    else:
        response = TestClient(api).post(path, json=body, headers=headers)
    return int(response.status_code)
