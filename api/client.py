"""Who is calling, as far as the network says: the client address behind trusted proxies,
and the client of the request being served, for code that is not handed the request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address; X-Forwarded-For is believed only for `TRUSTED_PROXY_COUNT` proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    address: str = request.META.get("REMOTE_ADDR", "")
    return address or "unknown"


@dataclass(frozen=True)
class RequestClient:
    """The address and user agent of a request's client; empty outside a request."""

    ip: str = ""
    user_agent: str = ""


def client_of(request: HttpRequest) -> RequestClient:
    return RequestClient(ip=client_address(request), user_agent=request.headers.get("User-Agent", ""))


#: What `current_client()` is outside a request (a management command, a mail sender thread).
NO_CLIENT = RequestClient()
#: The client of the request being served on this thread or task (set by api.request_log).
_current_client: ContextVar[RequestClient | None] = ContextVar("request_client", default=None)


def current_client() -> RequestClient:
    """The client of the request being served; NO_CLIENT outside one."""
    return _current_client.get() or NO_CLIENT


@contextmanager
def serving(client: RequestClient) -> Iterator[RequestClient]:
    """`current_client()` is `client` inside the block."""
    token = _current_client.set(client)
    try:
        yield client
    finally:
        _current_client.reset(token)
