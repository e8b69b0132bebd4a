"""Throttling shared by every worker and instance, in the database or in Redis when REDIS_URL
is set: log-ins, sign-ups, password-reset requests and the other requests that make the API
send a mail.

A fixed window per key. In the database the count is raised with one atomic UPDATE, so
concurrent attempts on several workers cannot slip past the limit. (Django's cache `incr`
is a get-then-set on the database and local-memory backends, which loses counts under
concurrency; the local-memory cache is also per process.) In Redis, the counters of an
attempt are raised and given their expiry by one script, atomic like MULTI/EXEC but one
command and one reply (EVALSHA): no row, no SQL, nothing for `flush_expired` to delete.

A password guess (a log-in, a re-check of the current password) is judged once the
password is checked: a wrong one is counted, a right one only reads the counts, so each
costs one trip to the store. Parallel guesses still cannot learn more than the limit: an
answer other than 429 is given only by the atomic count (or read) after the check. Counts
only grow within a window, so a key found full stays full until its window ends; this
process remembers it and refuses later guesses on it before hashing a password.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone as dj_timezone
from redis.commands.core import Script

from api.client import client_address
from api.throttling import Rate, Throttled

from .errors import ThrottleStoreUnavailable
from .models import ThrottleWindow

#: Seconds a Redis command may take before the login answers 503: Redis answers in well
#: under a millisecond, so this only ever ends a wait on a hung or unreachable server.
REDIS_TIMEOUT_SECONDS = 2

#: Count one attempt for each key: INCR it and (re)set its expiry (ARGV[1] seconds); the
#: counts, in the order of KEYS.
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1])
end
return counts
"""

#: Keys this process found full (as many failures as the limit) in their window: {(store,
#: window key, limit): end of the window, epoch seconds}. Bounded; forgetting is always safe.
_known_full: dict[tuple[str, str, int], int] = {}
_KNOWN_FULL_MAX = 10_000


@cache
def redis_client(url: str) -> redis.Redis:
    """One client (with its connection pool) per process and URL; made on first use, so each
    gunicorn worker gets its own after the fork."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
    )


@cache
def _script(url: str, source: str) -> Script:
    """`source` run by its SHA1 (EVALSHA; loaded again if the server has lost it)."""
    return redis_client(url).register_script(source)


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


def _count_in_redis(url: str, row_keys: list[str], rate: Rate) -> list[int]:
    """INCR each key and (re)set its expiry, in one script: the counts, in order.

    The window is in the key, so pushing the expiry forward at every attempt only keeps a
    finished window's key a little longer (at most one more window), never its count alive.
    """
    keys = [settings.REDIS_KEY_PREFIX + row_key for row_key in row_keys]
    try:
        replies = _script(url, _COUNT)(keys=keys, args=[rate.seconds + 1])
    except redis.RedisError as exc:
        raise ThrottleStoreUnavailable() from exc
    return [int(count) for count in replies]


def _count_in_store(keys: list[str], rate: Rate, now: datetime) -> list[int]:
    """Count one attempt for each key in its current window, in Redis or in the database."""
    url = settings.REDIS_URL
    return _count_in_redis(url, _row_keys(keys, rate, now), rate) if url else _count(keys, rate, now)


def _read_counts(row_keys: list[str]) -> list[int]:
    """The counts of these windows, without counting: one MGET, or one SELECT."""
    url = settings.REDIS_URL
    if not url:
        counts = dict(ThrottleWindow.objects.filter(key__in=row_keys).values_list("key", "count"))
        return [counts.get(row_key, 0) for row_key in row_keys]
    try:
        replies = redis_client(url).mget([settings.REDIS_KEY_PREFIX + row_key for row_key in row_keys])
    except redis.RedisError as exc:
        raise ThrottleStoreUnavailable() from exc
    return [int(reply or 0) for reply in replies]


def _store() -> str:
    return f"redis:{settings.REDIS_URL}:{settings.REDIS_KEY_PREFIX}" if settings.REDIS_URL else "database"


def _window_end(rate: Rate, now: float) -> int:
    return (int(now) // rate.seconds + 1) * rate.seconds


def _wait(until: float, now: float) -> int:
    return max(1, math.ceil(until - now))


@dataclass(frozen=True)
class PasswordAttempt:
    """One password guess (a log-in, or a re-check of the current password) against the
    windows of `keys`, judged once the password is checked (see the module's docstring)."""

    keys: tuple[str, ...]
    rate: Rate

    def failed(self) -> None:
        """A wrong password: count it; Throttled when a count is now over the limit."""
        now = dj_timezone.now()
        counts = _count_in_store(list(self.keys), self.rate, now)
        self._judge(_row_keys(list(self.keys), self.rate, now), counts, now.timestamp(), over=self.rate.limit)

    def succeeded(self) -> None:
        """The right password: not counted; Throttled when a window already holds the limit
        of failures (a 429 whether or not the password was right)."""
        now = dj_timezone.now()
        row_keys = _row_keys(list(self.keys), self.rate, now)
        self._judge(row_keys, _read_counts(row_keys), now.timestamp(), over=self.rate.limit - 1)

    def _judge(self, row_keys: list[str], counts: list[int], now: float, *, over: int) -> None:
        until = _window_end(self.rate, now)
        full = [row_key for row_key, count in zip(row_keys, counts, strict=True) if count >= self.rate.limit]
        if full:
            if len(_known_full) >= _KNOWN_FULL_MAX:
                _known_full.clear()
            store = _store()
            for row_key in full:
                _known_full[(store, row_key, self.rate.limit)] = until
        if max(counts) > over:
            raise Throttled(_wait(until, now))


def password_attempt(keys: list[str], rate: Rate) -> PasswordAttempt:
    """A guess against `keys`, refused at once (Throttled) if this process already found one
    of their windows full: no password is hashed for it, nothing asked of the store."""
    now = dj_timezone.now()
    store = _store()
    for row_key in _row_keys(keys, rate, now):
        until = _known_full.get((store, row_key, rate.limit))
        if until is not None and until > now.timestamp():
            raise Throttled(_wait(until, now.timestamp()))
    return PasswordAttempt(tuple(keys), rate)


def forget_known_full() -> None:
    """Forget the windows this process found full (tests that reset the store call it)."""
    _known_full.clear()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def count_attempt(keys: list[str], rate: Rate) -> None:
    """Count one attempt against each key in its current window (one atomic UPDATE, or one
    script in Redis); raise Throttled (with the seconds until the window ends) when any
    count is over `rate`."""
    now = dj_timezone.now()
    if max(_count_in_store(keys, rate, now)) > rate.limit:
        raise Throttled(_wait(_window_end(rate, now.timestamp()), now.timestamp()))


def login_attempt(request: HttpRequest, email: str, *, device_token: str | None = None) -> PasswordAttempt:
    """A log-in, judged per client, per (address, client), and per address, or per (address,
    device token) for a client that proves it logged in here before, against LOGIN_RATE
    (contract: failed log-ins are counted; once a count is over, even the right password
    gets 429)."""
    client = client_address(request)[:64]
    per_address = f"login:device:{_digest(email, device_token)}" if device_token else f"login:email:{_digest(email)}"
    keys = [f"login:addr:{client}", f"login:pair:{_digest(email, client)}", per_address]
    return password_attempt(keys, Rate.parse(settings.LOGIN_RATE))


def password_recheck_attempt(user_id: int) -> PasswordAttempt:
    """A re-check of a signed-in user's password (to change it, the address, or to delete
    the account), judged per account against LOGIN_RATE like a log-in: a stolen access
    token must not be an unthrottled way to guess the password."""
    return password_attempt([f"recheck:user:{user_id}"], Rate.parse(settings.LOGIN_RATE))


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
