"""Authentication: who the caller is. Whether they may act is the policy layer's business."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.models import User

from .tokens import authenticate_access_token


class JWTBearer(HttpBearer):
    """A Bearer access token of an active user, of the user's current token version."""

    def __call__(self, request: HttpRequest) -> User | None:
        # Not HttpBearer's: with DEBUG on it logs a whole non-Bearer Authorization header
        # ("Basic <email:password>") at ERROR. No credential may reach a log.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        claims = authenticate_access_token(token)
        request.user = claims.user
        request.auth_session_id = claims.session_id  # type: ignore[attr-defined]  # which session is "current"
        return claims.user


class AsyncJWTBearer(JWTBearer):
    """The same check for an API whose operations are async: ninja awaits it on the event
    loop, and the one query it makes (the user row) runs in Django's sync thread."""

    async def __call__(self, request: HttpRequest) -> User | None:  # type: ignore[override]  # the async twin
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return await sync_to_async(self.authenticate)(request, token.strip())
