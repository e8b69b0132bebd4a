"""Attempts counted per key in fixed windows, shared by every worker and instance: in the
database, or in Redis when REDIS_URL is set. Apps say what they count (log-ins, sign-ups,
mail requests); this module counts.

In the database the count is raised with one atomic UPDATE, so concurrent attempts on
several workers cannot slip past the limit. (Django's cache `incr` is a get-then-set on the
database and local-memory backends, which loses counts under concurrency; the local-memory
cache is also per process.) In Redis, the counters of an attempt are raised and given their
expiry by one script, atomic like MULTI/EXEC but one command and one reply (EVALSHA): no
row, no SQL, nothing for `flush_expired` to delete.

A password guess (`password_attempt`) is judged once the password is checked: a wrong one
is counted, a right one only reads the counts, so each costs one trip to the store.
Parallel guesses still cannot learn more than the limit: an answer other than 429 is given
only by the atomic count (or read) after the check. A process that found a window full
remembers it as a hint: the next guess on it reads the store first and, if the store still
holds the window full, is refused before any password is hashed. The hint never decides on
its own (a store emptied meanwhile, a test's rolled-back database, is believed), so nothing
has to forget it.
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
from django.utils import timezone as dj_timezone
from redis.commands.core import Script

from .models import ThrottleWindow
from .throttling import Rate, Throttled, ThrottleStoreUnavailable

#: Seconds a Redis command may take before the request answers 503: Redis answers in well
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
#: window key, limit): end of the window, epoch seconds}. A hint, checked against the store
#: before it refuses anything; bounded, and forgetting it is always safe.
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
    """A guess against `keys`. Where this process found one of their windows full, the store
    is read first (one MGET or SELECT) and, if it still holds the limit, the guess is refused
    at once (Throttled): no password is hashed for it."""
    now = dj_timezone.now()
    store = _store()
    row_keys = _row_keys(keys, rate, now)
    hinted = [row_key for row_key in row_keys if _known_full.get((store, row_key, rate.limit), 0) > now.timestamp()]
    if hinted:
        if max(_read_counts(hinted)) >= rate.limit:
            raise Throttled(_wait(_window_end(rate, now.timestamp()), now.timestamp()))
        for row_key in hinted:  # the store no longer holds it full: the hint is stale
            _known_full.pop((store, row_key, rate.limit), None)
    return PasswordAttempt(tuple(keys), rate)


def forget_known_full() -> None:
    """Forget the windows this process found full, as a process that never saw them would
    (tests use it to play another worker; nothing else needs it)."""
    _known_full.clear()


def digest(*parts: str) -> str:
    """A key part that names a value without holding it (an address, an e-mail, a token)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def count_attempt(keys: list[str], rate: Rate) -> None:
    """Count one attempt against each key in its current window (one atomic UPDATE, or one
    script in Redis); raise Throttled (with the seconds until the window ends) when any
    count is over `rate`."""
    now = dj_timezone.now()
    if max(_count_in_store(keys, rate, now)) > rate.limit:
        raise Throttled(_wait(_window_end(rate, now.timestamp()), now.timestamp()))
