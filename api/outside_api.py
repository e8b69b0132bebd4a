"""Django middleware that only the admin needs, made free on /api/ requests.

The API authenticates with bearer tokens and ignores cookies, so sessions, messages, CSRF,
session authentication, CommonMiddleware's slash redirects and clickjacking headers do
nothing for it but cost time on every request (docs/performance.md, "The middleware").
`outside_api(Middleware)` is `Middleware` for every path but /api/'s, hooks included:
process_view (CSRF's check of the admin's forms), process_exception and
process_template_response are forwarded outside /api/ and skipped under it. The wrapped
classes subclass the originals, so Django's admin checks (`admin.E408`-`E410`) still
recognise them; `api.checks` stands in for the security checks that look names up verbatim.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware as DjangoXFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware

from .middleware import is_api_path

M = TypeVar("M", bound=type)


def outside_api(middleware: M) -> M:
    """A subclass of `middleware` that passes /api/ requests straight through.

    Only the hooks `middleware` has are forwarded, so Django registers no empty ones. The
    subclass is sync-only: under ASGI Django adapts it, as it does any sync middleware.
    """

    def __call__(self: Any, request: HttpRequest) -> HttpResponseBase:
        passed: HttpResponseBase = (
            self.get_response(request) if is_api_path(request.path) else middleware.__call__(self, request)
        )
        return passed

    namespace: dict[str, Any] = {
        "__call__": __call__,
        "__module__": __name__,
        "__qualname__": middleware.__name__,
        "__doc__": f"{middleware.__module__}.{middleware.__name__}, for every path outside /api/.",
        "sync_capable": True,
        "async_capable": False,
    }
    if hasattr(middleware, "process_view"):

        def process_view(
            self: Any, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> HttpResponseBase | None:
            if is_api_path(request.path):
                return None
            answer: HttpResponseBase | None = middleware.process_view(self, request, view, args, kwargs)
            return answer

        namespace["process_view"] = process_view
    if hasattr(middleware, "process_exception"):

        def process_exception(self: Any, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
            if is_api_path(request.path):
                return None
            answer: HttpResponseBase | None = middleware.process_exception(self, request, exception)
            return answer

        namespace["process_exception"] = process_exception
    if hasattr(middleware, "process_template_response"):

        def process_template_response(self: Any, request: HttpRequest, response: Any) -> Any:
            if is_api_path(request.path):
                return response
            return middleware.process_template_response(self, request, response)

        namespace["process_template_response"] = process_template_response
    return type(middleware)(middleware.__name__, (middleware,), namespace)


# The admin's middleware, in project/settings.py's MIDDLEWARE under these names.
SessionMiddleware = outside_api(DjangoSessionMiddleware)
CsrfViewMiddleware = outside_api(DjangoCsrfViewMiddleware)
AuthenticationMiddleware = outside_api(DjangoAuthenticationMiddleware)
MessageMiddleware = outside_api(DjangoMessageMiddleware)
XFrameOptionsMiddleware = outside_api(DjangoXFrameOptionsMiddleware)


class CommonMiddleware(outside_api(DjangoCommonMiddleware)):  # type: ignore[misc]  # a class made at run time
    """CommonMiddleware outside /api/; under it only the one thing the API wants of it: a
    Content-Length on every whole response (gunicorn would otherwise send it chunked). No
    slash redirect under /api/: a client that drops the slash gets the JSON 404, not a 301
    that turns its POST into a GET."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_path(request.path):
            outside: HttpResponseBase = super().__call__(request)
            return outside
        response: HttpResponseBase = self.get_response(request)
        if isinstance(response, HttpResponse) and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response
