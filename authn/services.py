"""Writes about signing in: log-in, a password change's fresh pair, and ending sessions.

Plain functions with keyword-only arguments; they raise domain errors, never HTTP ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from accounts import security_events
from accounts import services as accounts
from accounts.models import SecurityEventType, User
from api.client import client_address

from . import selectors
from .devices import device_token_for, device_token_valid
from .errors import EmailNotVerified, LoginFailed
from .throttling import login_attempt
from .tokens import Client, TokenPair, end_session, revoke_all, start_session

audit = logging.getLogger("nexora.audit")


@dataclass(frozen=True)
class LoggedIn:
    user: User
    tokens: TokenPair
    #: Sent back at the next log-in, it exempts this client from the per-address throttle.
    device_token: str


def login(
    *,
    request: HttpRequest,
    email: str,
    password: str,
    device_token: str | None = None,
    client: Client = Client(),
) -> LoggedIn:
    """Check the credentials (throttled) and open a session.

    Django's ModelBackend hashes the password once even for an unknown address, so the
    answer takes as long whether or not the account exists.
    """
    email = User.objects.normalize_email(email)
    known_device = device_token if device_token and device_token_valid(email, device_token) else None
    attempt = login_attempt(request, email, device_token=known_device)
    user = authenticate(request, email=email, password=password)
    if user is None:
        _record_failed_login(email)  # first: the count may refuse (429) what was a wrong password still
        attempt.failed()
        # Never the password; the address (PII) only as a keyed digest: enough to see one
        # account guessed at from many clients, useless to anyone without the secret key.
        email_digest = salted_hmac("nexora.audit.email", email).hexdigest()[:16]
        audit.info(
            "login failed",
            extra={"event": "login_failed", "client": client_address(request), "email_digest": email_digest},
        )
        raise LoginFailed()
    attempt.succeeded()
    if settings.REQUIRE_VERIFIED_EMAIL and not user.email_verified:
        # Only once the password was right: an unknown address still gets the one 401.
        security_events.record(user, SecurityEventType.LOGIN_FAILED, {"reason": "email_not_verified"})
        raise EmailNotVerified()
    with transaction.atomic():
        pair = start_session(user, client)
        security_events.record(user, SecurityEventType.LOGIN)
    audit.info("login", extra={"event": "login", "user_id": user.pk, "client": client_address(request)})
    return LoggedIn(user, pair, device_token_for(user))


def _record_failed_login(email: str) -> None:
    """A wrong password (or an inactive account) for an address that has an account: its owner
    sees it. An unknown address has nobody to tell."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        security_events.record(user, SecurityEventType.LOGIN_FAILED, {"reason": "invalid_credentials"})


def password_change(*, user: User, current_password: str, new_password: str) -> TokenPair:
    """Set a new password (every token of the user stops working) and open a fresh session,
    in one transaction: the caller stays signed in on the device that changed it."""
    accounts.password_change_check(user=user, current_password=current_password, new_password=new_password)
    with transaction.atomic():
        accounts.password_set(user=user, new_password=new_password)
        return start_session(user)


def logout_all(*, user: User) -> None:
    with transaction.atomic():
        revoke_all(user)
        security_events.record(user, SecurityEventType.LOGOUT, {"session_id": None})
    audit.info("logged out everywhere", extra={"event": "logout_all", "user_id": user.pk})


def session_end(*, user: User, session_id: int) -> None:
    """End one of `user`'s live sessions (SessionNotFound for any other)."""
    with transaction.atomic():
        if end_session(selectors.live_session_get(user=user, session_id=session_id)):
            security_events.record(
                user, SecurityEventType.SESSION_ENDED, {"session_id": session_id, "actor_id": user.pk}
            )
    audit.info("session ended", extra={"event": "session_ended", "user_id": user.pk, "session_id": session_id})


def sessions_end_all(*, actor: User, user: User) -> None:
    """An admin signs a user out everywhere: every session and token stops now."""
    with transaction.atomic():
        revoke_all(user)
        security_events.record(user, SecurityEventType.SESSION_ENDED, {"session_id": None, "actor_id": actor.pk})
    audit.info("sessions ended", extra={"event": "sessions_ended", "actor_id": actor.pk, "user_id": user.pk})
