"""Issuing, rotating, verifying and revoking JWTs, closing ninja-jwt's known gaps.

- Every refresh token, rotated ones included, is recorded as an OutstandingToken, so
  "revoke all of a user's tokens" reaches them all.
- Rotation is atomic: the old token's row is locked and blacklisted in one transaction,
  so two concurrent refreshes with one token cannot both succeed.
- A rotated token keeps the expiry of the token it replaces: a session ends
  JWT_REFRESH_DAYS after login, however often it is refreshed.
- Every token carries the user's `token_version`; bumping it (logout-all, password
  change, deactivation) makes every token issued before stop working at once.
- A refresh or verify for a deleted or deactivated user fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from ninja_jwt.exceptions import TokenError
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import AccessToken, RefreshToken, UntypedToken
from ninja_jwt.utils import datetime_from_epoch

from .errors import InvalidToken
from .models import User

VERSION_CLAIM = "ver"
ROLE_CLAIM = "role"
USER_CLAIM = "user_id"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _stamp(token: AccessToken | RefreshToken, user: User) -> None:
    token[USER_CLAIM] = user.pk
    # For display only: authorization always reads the role from the database.
    token[ROLE_CLAIM] = user.role
    token[VERSION_CLAIM] = user.token_version


def issue_pair(user: User, *, session_expires_at: int | None = None) -> TokenPair:
    """A fresh access/refresh pair; the refresh token is recorded as outstanding."""
    refresh = RefreshToken()
    _stamp(refresh, user)
    if session_expires_at is not None:
        refresh["exp"] = min(refresh["exp"], session_expires_at)
    access = AccessToken()
    _stamp(access, user)
    encoded_refresh = str(refresh)
    OutstandingToken.objects.create(
        user=user,
        jti=refresh["jti"],
        token=encoded_refresh,
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return TokenPair(access=str(access), refresh=encoded_refresh)


def _decode(token_class: type[Any], raw: str) -> Any:
    try:
        return token_class(raw)
    except TokenError as exc:
        raise InvalidToken() from exc


def _user_for(payload: Any) -> User:
    """The active user a token belongs to, if the token is of the user's current version."""
    user = User.objects.filter(pk=payload.get(USER_CLAIM), is_active=True).first()
    if user is None or payload.get(VERSION_CLAIM) != user.token_version:
        raise InvalidToken()
    return user


def authenticate_access_token(raw: str) -> User:
    """The user of a valid access token: one query, the user row."""
    token = _decode(AccessToken, raw)
    user_id = token.get(USER_CLAIM)
    if not isinstance(user_id, int):
        raise InvalidToken()
    return _user_for(token)


def rotate(raw_refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the one sent is revoked."""
    token = _decode(RefreshToken, raw_refresh)
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=token["jti"]).first()
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise InvalidToken()
        user = _user_for(token)
        BlacklistedToken.objects.create(token=outstanding)
        return issue_pair(user, session_expires_at=token["exp"])


def verify(raw: str) -> None:
    """Accept a valid access or refresh token of an active user; raise InvalidToken otherwise."""
    untyped = _decode(UntypedToken, raw)
    token_class = RefreshToken if untyped.get("token_type") == "refresh" else AccessToken
    _user_for(_decode(token_class, raw))


def revoke(raw_refresh: str) -> None:
    """Log out one session: blacklist its refresh token."""
    token = _decode(RefreshToken, raw_refresh)
    _user_for(token)
    outstanding = OutstandingToken.objects.filter(jti=token["jti"]).first()
    if outstanding is None:
        raise InvalidToken()
    BlacklistedToken.objects.get_or_create(token=outstanding)


def revoke_all(user: User) -> None:
    """Every access and refresh token the user holds stops working now."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=outstanding) for outstanding in live], ignore_conflicts=True
    )
