"""Errors to HTTP answers, from one table, and the same table into the OpenAPI document.

The composition root owns the table (`project/errors.py`): each error class, its status
and its stable `code`. `install_errors(api, table)` answers each of them as
`{"detail": ..., "code": ...}` (a 422 keeps Ninja's list of `{loc, msg, type}` as its
detail) and documents, on every operation, the answers it can give: the domain errors
its endpoint declares with `@raises(...)`, the input errors (422, and 413/415 for a
body), and 503. The permission layer documents its own 401 and 403.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.operation import Operation

from ninja_hooks.adapter import add_exception_handler, input_sources, on_bind
from ninja_hooks.openapi import add_error_response

from .exceptions import DomainError, RejectedValue
from .throttling import Throttled

logger = logging.getLogger("nexora.api")

F = TypeVar("F", bound=Callable[..., Any])

RAISES_ATTR = "__raises__"
VALIDATION_ERROR = "validation_error"
#: How long a client should wait after a 503 (the database is down) before retrying.
DB_RETRY_AFTER_SECONDS = 5

#: The 422 body: Ninja's list of problems, each naming the client's field.
VALIDATION_DETAIL: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
        "required": ["loc", "msg", "type"],
    },
}


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    code: str
    #: What a client should know, for the OpenAPI document.
    summary: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The message to answer instead of the exception's own (a driver's text stays in the logs).
    detail: str | None = None
    #: Logged at ERROR (an outage, a bug), not just answered.
    log: bool = False


ErrorTable = Mapping[type[Exception], ErrorSpec]


def raises(*errors: type[Exception]) -> Callable[[F], F]:
    """Declare the domain errors an endpoint can answer with (put it under the route decorator)."""

    def decorator(func: F) -> F:
        setattr(func, RAISES_ATTR, (*getattr(func, RAISES_ATTR, ()), *errors))
        return func

    return decorator


def spec_for(table: ErrorTable, error: type[Exception]) -> ErrorSpec:
    for cls in error.__mro__:
        if cls in table:
            return table[cls]
    raise LookupError(f"{error.__name__} has no row in the error table.")


def install_errors(
    api: NinjaAPI,
    table: ErrorTable,
    *,
    body_errors: Sequence[type[Exception]] = (),
    query_errors: Sequence[type[Exception]] = (),
    every_operation: Sequence[type[Exception]] = (),
) -> None:
    """Answer every error of `table` on `api`, and document each operation's answers.

    `body_errors` are what any operation with a JSON body can answer (413, 415, ...),
    `query_errors` what any with query parameters can, `every_operation` what any operation
    can (503); all are rows of `table`.
    """

    def answer(request: HttpRequest, exc: Exception, spec: ErrorSpec) -> HttpResponse:
        if spec.log:
            logger.error("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc)
        detail = spec.detail or detail_of(exc)
        response = api.create_response(request, {"detail": detail, "code": spec.code}, status=spec.status)
        for name, value in spec.headers.items():
            response[name] = value
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.wait_seconds)
        return response

    for error, spec in table.items():
        add_exception_handler(api, error, _handler(answer, spec))

    def wrapped_parser_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja wraps a failure of the body parser in HttpError(400); the cause says what it was.
        cause = exc.__cause__
        if isinstance(cause, Exception) and any(isinstance(cause, error) for error in table):
            return answer(request, cause, spec_for(table, type(cause)))
        return api.create_response(request, {"detail": str(exc), "code": "bad_request"}, status=exc.status_code)

    add_exception_handler(api, HttpError, wrapped_parser_error)
    api.add_exception_handler(
        ValidationError,
        lambda request, exc: api.create_response(request, {"detail": exc.errors, "code": VALIDATION_ERROR}, status=422),
    )

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return api.create_response(request, {"detail": "Internal server error.", "code": "server_error"}, status=500)

    def document(operation: Operation, run: Callable[..., Any]) -> Callable[..., Any]:
        _document(operation, table, {"body": body_errors, "query": query_errors}, every_operation)
        return run

    on_bind(api, document)


def detail_of(exc: Exception) -> Any:
    if isinstance(exc, RejectedValue):
        return [{"loc": [exc.source, exc.field] if exc.field else [exc.source], "msg": exc.message, "type": exc.kind}]
    return exc.message if isinstance(exc, DomainError) else str(exc)


def _handler(
    answer: Callable[[HttpRequest, Exception, ErrorSpec], HttpResponse], spec: ErrorSpec
) -> Callable[[HttpRequest, Exception], HttpResponse]:
    return lambda request, exc: answer(request, exc, spec)


def _document(
    operation: Operation,
    table: ErrorTable,
    by_source: Mapping[str, Sequence[type[Exception]]],
    every_operation: Sequence[type[Exception]],
) -> None:
    extra = dict(operation.openapi_extra or {})
    responses = extra.setdefault("responses", {})
    errors: list[type[Exception]] = list(getattr(operation.view_func, RAISES_ATTR, ()))
    sources = input_sources(operation)
    if sources:
        add_error_response(
            responses, 422, VALIDATION_ERROR, "the input does not match the schema.", detail=VALIDATION_DETAIL
        )
    for source in sorted(sources):
        errors += by_source.get(source, ())
    errors += every_operation
    for error in errors:
        spec = spec_for(table, error)
        if spec.status in operation.response_models:
            continue  # the endpoint declares its own schema for this status (e.g. health's 503)
        detail = VALIDATION_DETAIL if spec.status == 422 else None
        add_error_response(responses, spec.status, spec.code, spec.summary, detail=detail)
    operation.openapi_extra = extra
