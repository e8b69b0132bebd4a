"""Counting every request to an operation before the operation runs: `@counted(counter)`.

Most throttles count inside their service, once the input is valid (log-in, password
reset). A count made inside an idempotent create cannot stay there: `@idempotent` runs
the create in one transaction and rolls it all back after an error, so a refused sign-up
(409, "this address has an account") sent with an `Idempotency-Key` would take its own
count back, and anyone could test addresses without end. A counter declared here runs
before authentication, validation and that transaction, and its count stays whatever the
answer; its `Throttled` is answered from the error table like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.operation import Operation

from ninja_hooks.adapter import on_bind

from .errors import raises
from .throttling import Throttled

F = TypeVar("F", bound=Callable[..., Any])

#: `counter(request)`: counts one attempt of the caller; raises Throttled when over its rate.
Counter = Callable[[HttpRequest], None]

COUNTER_ATTR = "__rate_limit_counter__"


def counted(counter: Counter) -> Callable[[F], F]:
    """Count every request to this operation with `counter` first (put it under the route decorator)."""

    def decorator(func: F) -> F:
        setattr(func, COUNTER_ATTR, counter)
        return raises(Throttled)(func)

    return decorator


def install_rate_limits(api: NinjaAPI) -> None:
    """Run the counters of the operations marked `@counted`; install after `install_idempotency`,
    so the count wraps the idempotent create's transaction instead of running inside it."""

    def bind(operation: Operation, run: Callable[..., Any]) -> Callable[..., Any]:
        counter: Counter | None = getattr(operation.view_func, COUNTER_ATTR, None)
        if counter is None:
            return run
        if operation.is_async:
            raise ImproperlyConfigured(f"@counted supports sync operations only: {operation.view_func.__name__}.")

        def count_then_run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                counter(request)
            except Exception as exc:  # Throttled, or a database outage: answered as inside `run`
                return operation.api.on_exception(request, exc)
            response: HttpResponse = run(request, *args, **kwargs)
            return response

        return count_then_run

    on_bind(api, bind)
