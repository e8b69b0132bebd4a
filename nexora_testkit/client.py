"""An API test client and token helpers, for Nexora's suite and for integration suites.

`TokenPair` is re-exported so that users of `tokens_for` can name its type.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.http.response import ResponseHeaders
from django.test import Client

from accounts.models import User
from authn.tokens import TokenPair, start_session

__all__ = ["ApiClient", "Response", "TokenPair", "auth_header", "tokens_for"]


def tokens_for(user: User) -> TokenPair:
    """A real pair for `user` (`.access`, `.refresh`), without going through login: tests stay fast."""
    return start_session(user)


def auth_header(user: User) -> dict[str, str]:
    """`headers=` for Django's test client: a Bearer access token of `user`."""
    return {"Authorization": f"Bearer {tokens_for(user).access}"}


class ApiClient(Client):
    """Django's test client speaking JSON, optionally signed in as `user`."""

    def __init__(self, user: User | None = None, **defaults: Any) -> None:
        super().__init__(**defaults)
        self.user = user
        if user is not None:
            self.authenticate(user)

    def authenticate(self, user: User) -> TokenPair:
        pair = tokens_for(user)
        self.defaults["HTTP_AUTHORIZATION"] = f"Bearer {pair.access}"
        self.user = user
        return pair

    def logout(self) -> None:
        self.defaults.pop("HTTP_AUTHORIZATION", None)
        self.user = None

    # JSON by default; the answer typed by what tests read (`Response`). Any override of these
    # is an [override] error: django-stubs declares Client's own incompatible with RequestFactory's.
    def post(self, path: str, data: Any = None, content_type: str = "application/json", **extra: Any) -> Response:  # type: ignore[override]  # as Client.post is
        return super().post(path, data, content_type=content_type, **extra)

    def put(self, path: str, data: Any = None, content_type: str = "application/json", **extra: Any) -> Response:  # type: ignore[override]  # as Client.put is
        return super().put(path, data, content_type=content_type, **extra)

    def patch(self, path: str, data: Any = None, content_type: str = "application/json", **extra: Any) -> Response:  # type: ignore[override]  # as Client.patch is
        return super().patch(path, data, content_type=content_type, **extra)


class Response(Protocol):
    """What a test reads of the test client's answer (django-stubs keeps its class private)."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> ResponseHeaders: ...

    def __getitem__(self, header: str) -> str: ...

    def json(self) -> Any: ...
