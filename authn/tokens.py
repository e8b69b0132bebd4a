"""Sessions and their JWTs: issuing, rotating, verifying and revoking, closing ninja-jwt's gaps.

- A session (`LoginSession`) is one log-in: its refresh token and every rotation of it.
  Every token carries its session's id (`sid`).
- The session row is the whole token state: it names its current refresh token
  (`refresh_jti`) and the one it replaced; ninja-jwt signs and checks the tokens, and its
  OutstandingToken / BlacklistedToken tables are not used (one row per log-in, not per token).
- Rotation locks the session row, so concurrent refreshes are decided one at a time:
  the first rotates; a second with the token just rotated, within
  JWT_REFRESH_REUSE_SECONDS, gets a fresh access token and the session's current refresh
  token (two tabs stay signed in); a rotated token presented later than that, or an older
  one, means it was copied: the whole session ends, its newest refresh token included.
- A rotated token keeps the session's expiry: a session ends JWT_REFRESH_DAYS after log-in.
- Every token and session carries the user's `token_version`; bumping it (logout-all,
  password change or reset, deactivation: `accounts.services.tokens_revoke_all`) makes
  every token and session issued before stop working at once.
- A refresh or verify for a deleted or deactivated user fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone
from ninja_jwt.exceptions import TokenError
from ninja_jwt.state import token_backend
from ninja_jwt.tokens import AccessToken, RefreshToken, UntypedToken
from ninja_jwt.utils import aware_utcnow

from accounts import security_events
from accounts.models import SecurityEventType, User
from accounts.services import tokens_revoke_all
from api.prepared import PreparedQuery
from permissions.registry import GRANTS_VERSION_ATTRIBUTE
from permissions.store import grants_version_expression

from .errors import InvalidToken
from .models import LoginSession

VERSION_CLAIM = "ver"
ROLE_CLAIM = "role"
USER_CLAIM = "user_id"
SESSION_CLAIM = "sid"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


@dataclass(frozen=True)
class Client:
    """Where a log-in or refresh came from, as a session records it."""

    user_agent: str = ""
    ip: str = ""


@dataclass(frozen=True)
class AccessClaims:
    """The user an access token names, and the session it belongs to."""

    user: User
    session_id: int | None


def _stamp(token: AccessToken | RefreshToken, user: User, session_id: int) -> None:
    token[USER_CLAIM] = user.pk
    # For display only: authorization always reads the role from the database.
    token[ROLE_CLAIM] = user.role
    token[VERSION_CLAIM] = user.token_version
    token[SESSION_CLAIM] = session_id


def _access(user: User, session_id: int) -> str:
    access = AccessToken()
    _stamp(access, user, session_id)
    return str(access)


def _signed_refresh(user: User, session: LoginSession, jti: str, issued_at: datetime) -> str:
    """The session's refresh token `jti`, issued at `issued_at`: the same claims give the same
    signed token, so the grace window answers the very token the rotation answered, from the
    session row alone."""
    refresh = RefreshToken()
    refresh.set_iat(at_time=issued_at)
    refresh.set_exp(from_time=issued_at)
    refresh["jti"] = jti
    _stamp(refresh, user, session.pk)
    refresh["exp"] = min(refresh["exp"], int(session.expires_at.timestamp()))
    return str(refresh)


def start_session(user: User, client: Client = Client()) -> TokenPair:
    """A new session (a log-in) and its first pair: one row, the session, holds its token state."""
    now = timezone.now()
    session = LoginSession.objects.create(
        user=user,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=settings.JWT_REFRESH_DAYS),
        user_agent=client.user_agent[:255],
        ip=client.ip[:64],
        refresh_jti=uuid4().hex,
        token_version=user.token_version,
    )
    return TokenPair(access=_access(user, session.pk), refresh=_signed_refresh(user, session, session.refresh_jti, now))


def _decode(token_class: type[Any], raw: str) -> Any:
    try:
        return token_class(raw)
    except TokenError as exc:
        raise InvalidToken() from exc


def _decode_refresh(raw: str) -> Any:
    """A refresh token with a valid signature and expiry, of any session, live or not: the
    session row decides what it is worth (current, just rotated, copied, or ended)."""
    token = _decode(UntypedToken, raw)
    if token.get("token_type") != "refresh":
        raise InvalidToken()
    return token


@cache
def _active_user_query(alias: str) -> PreparedQuery:
    """`User.objects.filter(pk=..., is_active=True)` on `alias`, with the grants version as a
    column (so the permission layer knows whether its grants are current at no extra query),
    compiled once per process: compiling it costs Django several times what running it does,
    on every authenticated request (docs/performance.md)."""
    return PreparedQuery.of(
        lambda value: (
            User.objects.using(alias)
            .filter(pk=value["pk"], is_active=True)
            .annotate(**{GRANTS_VERSION_ATTRIBUTE: grants_version_expression()})
        ),
        {"pk": int},
    )


def active_user(pk: Any) -> User | None:
    """The active user with this id, or None: the ORM's query, its values converted and the
    `User` built as the ORM does (`Model.from_db`), only not compiled again (one query). It
    carries the grants version (`permissions.registry.GRANTS_VERSION_ATTRIBUTE`), which the
    policy guard observes."""
    if isinstance(pk, bool) or not isinstance(pk, int) or pk < 0:
        return None
    found = _active_user_query(router.db_for_read(User)).models(User, pk=pk)
    return found[0] if found else None


def _user_for(payload: Any) -> User:
    """The active user a token belongs to, if the token is of the user's current version."""
    user = active_user(payload.get(USER_CLAIM))
    if user is None or payload.get(VERSION_CLAIM) != user.token_version:
        raise InvalidToken()
    return user


def _signing_key_id() -> tuple[str, str, str]:
    """What a token's signature is checked against: the algorithm and the keys ninja-jwt's
    token backend uses now."""
    return str(token_backend.algorithm), str(token_backend.signing_key), str(token_backend.verifying_key)


@lru_cache(maxsize=4096)
def _verified_access_token(raw: str, key_id: tuple[str, str, str]) -> AccessToken:
    """`AccessToken(raw)`, kept per process: a client sends the same access token with every
    request for up to JWT_ACCESS_MINUTES, and checking its signature and claims again costs
    more than the user query. The key is the whole token, signature included, and the keys
    it was verified with, so only a token that verified under today's key is ever found here;
    its expiry is checked again at each use. (A refused token raises, and lru_cache keeps no
    exception.)"""
    return AccessToken(raw)


def _access_token(raw: str) -> AccessToken:
    try:
        token = _verified_access_token(raw, _signing_key_id())
        token.check_exp(current_time=aware_utcnow())
    except TokenError as exc:
        raise InvalidToken() from exc
    return token


def authenticate_access_token(raw: str) -> AccessClaims:
    """The user of a valid access token, and its session: one query, the user row."""
    token = _access_token(raw)
    if not isinstance(token.get(USER_CLAIM), int):
        raise InvalidToken()
    session_id = token.get(SESSION_CLAIM)
    return AccessClaims(_user_for(token), session_id if isinstance(session_id, int) else None)


def _live_session_for_update(token: Any) -> LoginSession:
    session_id = token.get(SESSION_CLAIM)
    if not isinstance(session_id, int):
        raise InvalidToken()
    session = LoginSession.objects.select_for_update().filter(pk=session_id, ended_at__isnull=True).first()
    if session is None or session.user_id != token.get(USER_CLAIM):
        raise InvalidToken()
    return session


def _end(session: LoginSession, now: datetime) -> None:
    """The session stops, and with it its refresh tokens (the session row is their state)."""
    session.ended_at = now
    session.save(update_fields=["ended_at"])


def rotate(raw_refresh: str, client: Client = Client()) -> TokenPair:
    """Exchange a session's refresh token for a new pair (see the module's docstring)."""
    token = _decode_refresh(raw_refresh)
    with transaction.atomic():
        session = _live_session_for_update(token)
        # Read once the row is locked: a refresh that waited while another rotated must see
        # that rotation in its past, or the grace window would answer a token it should not.
        now = timezone.now()
        user = _user_for(token)
        jti = token["jti"]
        reuse_window = timedelta(seconds=settings.JWT_REFRESH_REUSE_SECONDS)
        if jti == session.previous_jti and session.rotated_at is not None and now - session.rotated_at < reuse_window:
            current = _signed_refresh(user, session, session.refresh_jti, session.rotated_at)
            return TokenPair(access=_access(user, session.pk), refresh=current)
        copied = jti != session.refresh_jti
        if copied:
            # A rotated token came back late: it was copied. Commit that (and say so), then refuse.
            _end(session, now)
            security_events.record(user, SecurityEventType.REFRESH_REUSE_DETECTED, {"session_id": session.pk})
        else:
            session.previous_jti, session.refresh_jti, session.rotated_at = jti, uuid4().hex, now
            session.last_used_at = now
            session.user_agent, session.ip = client.user_agent[:255] or session.user_agent, client.ip[:64] or session.ip
            session.save(
                update_fields=["previous_jti", "refresh_jti", "rotated_at", "last_used_at", "user_agent", "ip"]
            )
            signed = _signed_refresh(user, session, session.refresh_jti, now)
    if copied:
        raise InvalidToken()
    return TokenPair(access=_access(user, session.pk), refresh=signed)


def verify(raw: str) -> None:
    """Accept a valid access token, or a refresh token that its live session would still
    rotate, of an active user; raise InvalidToken otherwise."""
    untyped = _decode(UntypedToken, raw)
    if untyped.get("token_type") != "refresh":
        _user_for(_decode(AccessToken, raw))
        return
    token = _decode(RefreshToken, raw)
    _user_for(token)
    session_id = token.get(SESSION_CLAIM)
    if (
        not isinstance(session_id, int)
        or not LoginSession.objects.filter(
            pk=session_id, user_id=token.get(USER_CLAIM), ended_at__isnull=True, refresh_jti=token["jti"]
        ).exists()
    ):
        raise InvalidToken()


def revoke(raw_refresh: str) -> None:
    """Log out one session with its current (or just rotated) refresh token."""
    token = _decode_refresh(raw_refresh)
    user = _user_for(token)
    with transaction.atomic():
        session = _live_session_for_update(token)
        if token["jti"] not in (session.refresh_jti, session.previous_jti):
            raise InvalidToken()
        _end(session, timezone.now())
        security_events.record(user, SecurityEventType.LOGOUT, {"session_id": session.pk})


def end_session(session: LoginSession) -> bool:
    """Its refresh token stops working now (its access tokens expire by themselves); False if
    it had ended already."""
    with transaction.atomic():
        locked = LoginSession.objects.select_for_update().get(pk=session.pk)
        if locked.ended_at is not None:
            return False
        _end(locked, timezone.now())
        return True


def revoke_all(user: User) -> None:
    """Every session, access and refresh token the user holds stops working now (the version
    alone would do it; the rows are ended too, so they say when)."""
    tokens_revoke_all(user=user)
    LoginSession.objects.filter(user=user, ended_at__isnull=True).update(ended_at=timezone.now())
