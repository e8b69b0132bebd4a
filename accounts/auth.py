"""Authentication: who the caller is. Whether they may act is the policy layer's business."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import User
from .tokens import authenticate_access_token


class JWTBearer(HttpBearer):
    """A Bearer access token of an active user, of the user's current token version."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = authenticate_access_token(token)
        request.user = user
        return user
