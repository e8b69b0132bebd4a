"""Every error the API can answer, mapped to the contract's status and JSON shape here only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja_extra.exceptions import APIException

from accounts.throttling import Throttled
from permissions.exceptions import PolicyDenied
from project.exceptions import BadRequest, Conflict, Forbidden, InvalidCredentials, InvalidField, NotFound

from .parser import MalformedJSON, UnsupportedMediaType

logger = logging.getLogger("nexora.api")

E = TypeVar("E", bound=Exception)

DB_RETRY_AFTER_SECONDS = 5


def install_exception_handlers(api: NinjaAPI) -> None:
    def handle(exc_class: type[E]) -> Callable[[Callable[[HttpRequest, E], HttpResponse]], Any]:
        return api.exception_handler(exc_class)

    def detail(request: HttpRequest, message: str, status: int, **headers: str) -> HttpResponse:
        response = api.create_response(request, {"detail": message}, status=status)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    def unauthorized(request: HttpRequest, message: str) -> HttpResponse:
        return detail(request, message, 401, WWW_Authenticate='Bearer realm="api"')

    def validation(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
        return api.create_response(request, {"detail": errors}, status=422)

    @handle(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return validation(request, exc.errors)

    @handle(InvalidField)
    def _invalid_field(request: HttpRequest, exc: InvalidField) -> HttpResponse:
        return validation(request, [{"loc": ["body", "payload", exc.field], "msg": exc.message, "type": exc.kind}])

    @handle(AuthenticationError)
    def _no_credentials(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return unauthorized(request, "Authentication credentials were not provided or are invalid.")

    @handle(InvalidCredentials)
    def _bad_credentials(request: HttpRequest, exc: InvalidCredentials) -> HttpResponse:
        return unauthorized(request, exc.message)

    @handle(PolicyDenied)
    def _denied(request: HttpRequest, exc: PolicyDenied) -> HttpResponse:
        return detail(request, str(exc), 403)

    @handle(Forbidden)
    def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
        return detail(request, exc.message, 403)

    @handle(NotFound)
    def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return detail(request, "Not found", 404)

    @handle(Http404)
    def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return detail(request, "Not found", 404)

    @handle(Conflict)
    def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return detail(request, exc.message, 409)

    @handle(BadRequest)
    def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
        return detail(request, exc.message, 400)

    @handle(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return detail(request, str(exc), 429, Retry_After=str(exc.wait_seconds))

    @handle(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return detail(request, "Request body is too large.", 413)

    @handle(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja wraps a parser failure in HttpError(400); the cause says what it was.
        cause = exc.__cause__
        if isinstance(cause, UnsupportedMediaType):
            return detail(request, str(cause), 415)
        if isinstance(cause, MalformedJSON):
            return validation(request, [{"loc": ["body"], "msg": f"Invalid JSON: {cause}", "type": "json_invalid"}])
        if isinstance(cause, RequestDataTooBig):
            return _too_big(request, cause)
        return detail(request, str(exc), exc.status_code)

    @handle(APIException)
    def _ninja_extra(request: HttpRequest, exc: APIException) -> HttpResponse:
        if exc.status_code == 401:
            return unauthorized(request, "Token is invalid or expired.")
        return detail(request, str(exc.detail), exc.status_code)

    @handle(OperationalError)
    def _database_down(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("database unavailable: %s", exc)
        return detail(request, "The service is temporarily unavailable.", 503, Retry_After=str(DB_RETRY_AFTER_SECONDS))

    api.add_exception_handler(InterfaceError, _database_down)

    @handle(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return detail(request, "Internal server error.", 500)
