"""One structured log line per request, and a request id that ties every line of a request together."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from .client import client_of, serving
from .logging import request_id_var
from .middleware import is_api_path

logger = logging.getLogger("nexora.request")

REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming id is kept only if it cannot smuggle anything into logs or headers.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id_for(request: HttpRequest) -> str:
    """The caller's (or the proxy's) X-Request-ID if it is sane, else a new one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def authenticated_user_id(request: HttpRequest) -> int | None:
    """Whom the request acted as: the bearer-token user under /api/ (Ninja's `request.auth`;
    the API ignores session cookies), the session user elsewhere (the admin)."""
    user = getattr(request, "auth", None) if is_api_path(request.path) else getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk: int = user.pk
    return pk


class RequestLogMiddleware:
    """Outermost middleware, so it logs the status actually sent (a bad Host's 400 included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]  # for lines logged after this returns
        context = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            # The client, for code that is not handed the request (api.client.current_client).
            with serving(client_of(request)) as client:
                response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": authenticated_user_id(request),
                    "client": client.ip,
                },
            )
            return response
        finally:
            request_id_var.reset(context)
