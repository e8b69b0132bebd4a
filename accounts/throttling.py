"""Throttling counted in the database, so every worker and instance shares it: log-ins,
sign-ups, password-reset requests and the other requests that make the API send a mail.

A fixed window per key: the count is raised with one atomic UPDATE, so concurrent
attempts on several workers cannot slip past the limit. (Django's cache `incr` is a
get-then-set on the database and local-memory backends, which loses counts under
concurrency; the local-memory cache is also per process.)
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone as dj_timezone

from api.client import client_address
from api.throttling import Rate, Throttled

from .models import ThrottleWindow


class _NewWindow(Exception):
    """Some key has no row yet in this window: the batched UPDATE is rolled back."""


def _count_one(row_key: str, expires_at: datetime) -> None:
    if not ThrottleWindow.objects.filter(key=row_key).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                ThrottleWindow.objects.create(key=row_key, count=1, expires_at=expires_at)
        except IntegrityError:  # another worker created it first
            ThrottleWindow.objects.filter(key=row_key).update(count=F("count") + 1)


def _row_keys(keys: list[str], rate: Rate, now: datetime) -> list[str]:
    """The row of each key in the current fixed window."""
    window = int(now.timestamp()) // rate.seconds
    return [f"{key}:{rate.seconds}:{window}" for key in keys]


def _count(keys: list[str], rate: Rate, now: datetime) -> list[int]:
    """Count one attempt for each key in the current window; the counts, in the order of `keys`.

    Usually one UPDATE raises every key's row and one SELECT reads them back. When a key
    starts a new window (no row yet) that UPDATE is rolled back and the keys are counted
    one by one, creating the missing rows, so no attempt is counted twice or lost.
    """
    window = int(now.timestamp()) // rate.seconds
    row_keys = _row_keys(keys, rate, now)
    rows = ThrottleWindow.objects.filter(key__in=row_keys)
    try:
        with transaction.atomic():
            if rows.update(count=F("count") + 1) < len(row_keys):
                raise _NewWindow()
    except _NewWindow:
        expires_at = datetime.fromtimestamp((window + 1) * rate.seconds, tz=UTC)
        for row_key in row_keys:
            _count_one(row_key, expires_at)
        ThrottleWindow.objects.filter(expires_at__lt=now - timedelta(seconds=rate.seconds)).delete()
    counts = dict(rows.values_list("key", "count"))
    return [counts[row_key] for row_key in row_keys]


def count_attempt(keys: list[str], rate: Rate) -> tuple[str, ...]:
    """Count one attempt against each key in its current window; raise Throttled (with the
    seconds until the window ends) when any count is over `rate`. Returns the windows'
    row keys, for a caller that may give the attempt back."""
    now = dj_timezone.now()
    counts = _count(keys, rate, now)
    if max(counts) > rate.limit:
        window_end = (int(now.timestamp()) // rate.seconds + 1) * rate.seconds
        raise Throttled(max(1, math.ceil(window_end - now.timestamp())))
    return tuple(_row_keys(keys, rate, now))


@dataclass(frozen=True)
class LoginAttempt:
    """The throttle windows one log-in attempt was counted in; a success gives them back."""

    row_keys: tuple[str, ...]

    def succeeded(self) -> None:
        """Only failed log-ins count: take back what this attempt added."""
        ThrottleWindow.objects.filter(key__in=self.row_keys, count__gt=0).update(count=F("count") - 1)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def count_login_attempt(request: HttpRequest, email: str, *, device_token: str | None = None) -> LoginAttempt:
    """Count one attempt per client, per (address, client), and per address, or per
    (address, device token) for a client that proves it logged in here before; raise
    Throttled when any count is over LOGIN_RATE.

    Counted before the password is checked (one atomic UPDATE), so parallel guesses
    cannot slip past the limit; a successful log-in takes its count back.
    """
    client = client_address(request)[:64]
    per_address = f"login:device:{_digest(email, device_token)}" if device_token else f"login:email:{_digest(email)}"
    keys = [f"login:addr:{client}", f"login:pair:{_digest(email, client)}", per_address]
    return LoginAttempt(count_attempt(keys, Rate.parse(settings.LOGIN_RATE)))


#: Key prefix of the sign-up counts: every request to /api/register/ is one, whatever its answer.
SIGNUP_KEY = "signup:addr:"


def count_signup(request: HttpRequest) -> None:
    """Count a sign-up attempt of this client against REGISTER_RATE (raise Throttled when over)."""
    count_attempt([SIGNUP_KEY + client_address(request)[:64]], Rate.parse(settings.REGISTER_RATE))


def count_reset_request(request: HttpRequest, email: str) -> None:
    """Count a password-reset request per address and per client against PASSWORD_RESET_RATE.

    Counted alike for a registered, an unknown and an inactive address: the count must not
    tell them apart either.
    """
    keys = [f"reset:email:{_digest(email)}", f"reset:addr:{client_address(request)[:64]}"]
    count_attempt(keys, Rate.parse(settings.PASSWORD_RESET_RATE))


def count_mail_request(user_id: int, purpose: str) -> None:
    """Count a request of this account that sends a mail (`purpose`: "verify", "email-change")
    against PASSWORD_RESET_RATE: nobody can make the API mail an address without end."""
    count_attempt([f"{purpose}:user:{user_id}"], Rate.parse(settings.PASSWORD_RESET_RATE))
