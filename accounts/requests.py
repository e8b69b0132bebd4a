"""The request of an operation that needs a signed-in caller, for annotations."""

from __future__ import annotations

from permissions.endpoints import AuthenticatedRequest

from .models import User


class UserRequest(AuthenticatedRequest):
    """`auth` is the active user the bearer authenticator (authn.auth) named; ninja passes a
    plain HttpRequest."""

    auth: User
