"""Login throttling counted in the database, so every worker and instance shares it.

A fixed window per key: the count is raised with one atomic UPDATE, so concurrent
attempts on several workers cannot slip past the limit. (Django's cache `incr` is a
get-then-set on the database and local-memory backends, which loses counts under
concurrency; the local-memory cache is also per process.)
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone as dj_timezone

from .models import ThrottleWindow

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/m', '100/h', '5/10s' (five per ten seconds)."""
        match = _RATE.match(text.lower())
        if not match:
            raise ValueError(f"Rate {text!r} is not like '10/m'.")
        limit, multiplier, unit = match.groups()
        return cls(int(limit), int(multiplier or 1) * _UNITS[unit])


class Throttled(Exception):
    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(f"Too many attempts. Try again in {wait_seconds} seconds.")


def client_address(request: HttpRequest) -> str:
    """The caller's address; X-Forwarded-For is believed only for configured proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class _NewWindow(Exception):
    """Some key has no row yet in this window: the batched UPDATE is rolled back."""


def _count_one(row_key: str, expires_at: datetime) -> None:
    if not ThrottleWindow.objects.filter(key=row_key).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                ThrottleWindow.objects.create(key=row_key, count=1, expires_at=expires_at)
        except IntegrityError:  # another worker created it first
            ThrottleWindow.objects.filter(key=row_key).update(count=F("count") + 1)


def _count(keys: list[str], rate: Rate, now: datetime) -> list[int]:
    """Count one attempt for each key in the current window; the counts, in the order of `keys`.

    Usually one UPDATE raises every key's row and one SELECT reads them back. When a key
    starts a new window (no row yet) that UPDATE is rolled back and the keys are counted
    one by one, creating the missing rows, so no attempt is counted twice or lost.
    """
    window = int(now.timestamp()) // rate.seconds
    row_keys = [f"{key}:{rate.seconds}:{window}" for key in keys]
    rows = ThrottleWindow.objects.filter(key__in=row_keys)
    try:
        with transaction.atomic():
            if rows.update(count=F("count") + 1) < len(row_keys):
                raise _NewWindow()
    except _NewWindow:
        expires_at = datetime.fromtimestamp((window + 1) * rate.seconds, tz=timezone.utc)
        for row_key in row_keys:
            _count_one(row_key, expires_at)
        ThrottleWindow.objects.filter(expires_at__lt=now - timedelta(seconds=rate.seconds)).delete()
    counts = dict(rows.values_list("key", "count"))
    return [counts[row_key] for row_key in row_keys]


def check_login_allowed(request: HttpRequest, email: str) -> None:
    """Count one login attempt per client address and per e-mail; raise Throttled past the limit."""
    rate = Rate.parse(settings.LOGIN_RATE)
    now = dj_timezone.now()
    email_digest = hashlib.sha256(email.encode()).hexdigest()
    counts = _count([f"login:addr:{client_address(request)[:64]}", f"login:email:{email_digest}"], rate, now)
    if max(counts) > rate.limit:
        window_end = (int(now.timestamp()) // rate.seconds + 1) * rate.seconds
        raise Throttled(max(1, math.ceil(window_end - now.timestamp())))
