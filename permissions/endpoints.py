"""Declaring the policy an endpoint needs, next to its route.

    @router.post("/tasks/", ...)
    @requires(TASKS_CREATE)
    def create_task(request, payload: TaskIn): ...

The declaration is only data on the view function; `permissions.ninja.install(api)`
enforces it and writes it into the OpenAPI document, and the system check refuses an
operation that declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.http import HttpRequest

from .registry import PolicyRef, policy_name

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound=HttpRequest)


class AuthenticatedRequest(HttpRequest):
    """For annotations: the request of an operation whose policy needs a signed-in caller.

    Ninja has set `auth` to what the operation's authenticator returned (the guard answers
    401 before the view runs otherwise). Ninja passes a plain HttpRequest; nothing makes
    one of these. A project narrows `auth` to its user model in a subclass.
    """

    auth: object


#: The checks of an endpoint that need no valid input (does the object exist for this
#: caller? may they touch these fields?), `precheck(request, path_params)`. They run only
#: when the input fails validation, so that a 404 or 403 still comes before the 422.
#: Raise a domain error (or PolicyDenied), or return anything.
Precheck = Callable[[HttpRequest, dict[str, Any]], object]

POLICY_ATTR = "__policy__"
ALSO_ATTR = "__policy_also__"
PRECHECK_ATTR = "__policy_precheck__"


def requires(
    ref: PolicyRef,
    *,
    also: Iterable[PolicyRef] = (),
    precheck: Callable[[R, dict[str, Any]], object] | None = None,
) -> Callable[[F], F]:
    """Declare the policy an endpoint needs (put it under the route decorator).

    `also` names the policies its service checks on the objects or fields it touches (a
    403 naming one of them is possible even when the endpoint's own policy is held); they
    are documented with it. `precheck` is a `Precheck`, whose request may be annotated with
    a narrower class (an `AuthenticatedRequest`).
    """
    name = policy_name(ref)
    others = tuple(policy_name(other) for other in also)

    def decorator(func: F) -> F:
        setattr(func, POLICY_ATTR, name)
        setattr(func, ALSO_ATTR, others)
        if precheck is not None:
            setattr(func, PRECHECK_ATTR, precheck)
        return func

    return decorator


def declared_policy(view_func: Callable[..., Any]) -> str | None:
    return getattr(view_func, POLICY_ATTR, None)


def declared_also(view_func: Callable[..., Any]) -> tuple[str, ...]:
    return getattr(view_func, ALSO_ATTR, ())


def declared_precheck(view_func: Callable[..., Any]) -> Precheck | None:
    return getattr(view_func, PRECHECK_ATTR, None)
