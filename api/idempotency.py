"""Retry-safe creates: the `Idempotency-Key` header.

A client that did not see the answer to a create (a timeout, a dropped connection) sends
the same request again with the same key; within 24 hours it gets the first answer
again, same status and body, and nothing is created twice. The record of the answer is
written in the same transaction as the create itself, so a request whose client was cut
off after the commit is still answered from it. A duplicate that arrives while the first
is in progress waits for it (the record's unique key is locked until that commit).

Keys are per operation and per caller (the user, or the client address for anonymous
operations such as sign-up); only a 2xx answer is kept, so after an error the key is
still unused. The same key with another body is refused (`IdempotencyKeyReused`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.operation import Operation

from ninja_hooks.adapter import add_exception_handler, on_bind

from .client import client_address
from .errors import raises
from .exceptions import RejectedValue
from .models import IdempotentRequest
from .parser import read_body

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
#: How long an answer is kept for replay.
TTL = timedelta(hours=24)
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")
IDEMPOTENT_ATTR = "__idempotent__"
_PENDING_ATTR = "idempotent_request"
REPLAYED_HEADER = "Idempotent-Replayed"


class MalformedIdempotencyKey(RejectedValue):
    source = "header"
    kind = "idempotency_key_invalid"

    def __init__(self) -> None:
        super().__init__(HEADER, "Must be 1 to 255 printable ASCII characters.")


class IdempotencyKeyReused(RejectedValue):
    source = "header"
    kind = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(HEADER, "This key was already used with another request body.")


class Replay(Exception):
    """The answer to this request was given before: send it again."""

    def __init__(self, record: IdempotentRequest) -> None:
        self.record = record
        super().__init__(record.fingerprint)


def idempotent(func: F) -> F:
    """Accept an `Idempotency-Key` on this create (put it under the route decorator)."""
    setattr(func, IDEMPOTENT_ATTR, True)
    return raises(IdempotencyKeyReused)(func)


def prune_idempotent_requests(*, now: datetime | None = None) -> int:
    """Forget answers older than the replay window; return how many (`manage.py flush_expired`)."""
    cutoff = (now or timezone.now()) - TTL
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def install_idempotency(api: NinjaAPI) -> None:
    """Honour the header on every operation marked `@idempotent`, and document it."""

    def replay(request: HttpRequest, exc: Replay) -> HttpResponse:
        response = HttpResponse(exc.record.response, status=exc.record.status, content_type=exc.record.content_type)
        response[REPLAYED_HEADER] = "true"
        return response

    def bind(operation: Operation, run: Callable[..., Any]) -> Callable[..., Any]:
        if not getattr(operation.view_func, IDEMPOTENT_ATTR, False):
            return run
        operation.view_func = _claiming(operation.view_func, operation.operation_id or operation.view_func.__name__)
        extra = dict(operation.openapi_extra or {})
        extra["parameters"] = [*extra.get("parameters", []), HEADER_PARAMETER]
        operation.openapi_extra = extra
        return _recording(run)

    add_exception_handler(api, Replay, replay)
    on_bind(api, bind)


HEADER_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Makes a retry safe: the same key and body within 24 hours get the first answer again, "
    "and nothing is created twice; the same key with another body is a 422 `idempotency_key_reused`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
}


def _recording(run: Callable[..., Any]) -> Callable[..., Any]:
    """Around the whole operation: one transaction holds the create and the record of its answer."""

    def run_in_one_transaction(request: HttpRequest, **path_params: Any) -> HttpResponse:
        response: HttpResponse
        if HEADER not in request.headers:
            response = run(request, **path_params)
            return response
        with transaction.atomic():
            response = run(request, **path_params)
            pending: IdempotentRequest | None = getattr(request, _PENDING_ATTR, None)
            if pending is not None:
                if 200 <= response.status_code < 300:
                    pending.status = response.status_code
                    pending.response = response.content.decode()
                    pending.content_type = response["Content-Type"]
                    pending.save(update_fields=["status", "response", "content_type"])
                else:
                    transaction.set_rollback(True)  # only a 2xx is kept: the key stays unused
        return response

    return run_in_one_transaction


def _claiming(view: Callable[..., Any], operation: str) -> Callable[..., Any]:
    """After authentication and validation: claim the key for this caller, or replay its answer."""

    @functools.wraps(view)  # keeps the declarations on the view (its policy, its errors)
    def claim_then_run(request: HttpRequest, **values: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, **values)
        if not _VALID_KEY.fullmatch(key):
            raise MalformedIdempotencyKey()
        record = _claim(operation, _caller(request), key, _body_digest(request))
        setattr(request, _PENDING_ATTR, record)
        return view(request, **values)

    return claim_then_run


def _claim(operation: str, caller: str, key: str, body_digest: str) -> IdempotentRequest:
    fingerprint = hashlib.sha256("\x00".join((operation, caller, key)).encode()).hexdigest()
    IdempotentRequest.objects.filter(fingerprint=fingerprint, created_at__lt=timezone.now() - TTL).delete()
    try:
        with transaction.atomic():  # waits while another transaction holds this key
            return IdempotentRequest.objects.create(fingerprint=fingerprint, body_digest=body_digest)
    except IntegrityError:
        earlier = IdempotentRequest.objects.get(fingerprint=fingerprint)
    if earlier.body_digest != body_digest:
        raise IdempotencyKeyReused()
    raise Replay(earlier)


def _caller(request: HttpRequest) -> str:
    user = getattr(request, "auth", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"client:{client_address(request)}"


def _body_digest(request: HttpRequest) -> str:
    """The body as JSON means it, whatever its key order or spacing (as the parser read it,
    which it has by now: this runs after validation; no body is null, as Ninja reads none)."""
    body = read_body(request) if request.body else None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
