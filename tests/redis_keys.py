"""The local Redis as the tests use it: reachable or not (skip, or fail when CI is set), and
the keys one test run writes under a random prefix of its own, read back and cleared."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
import redis


def require_redis(client: redis.Redis, url: str, started_by: str) -> None:
    """Skip when Redis does not answer, or fail when CI is set: CI starts redis-server, so a
    green CI has really counted in Redis."""
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {url} ({exc}): {started_by} starts it (make redis-up)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI is set: the Redis run may not be skipped", pytrace=False)
        pytest.skip(message)


@dataclass(frozen=True)
class PrefixedKeys:
    """The keys under `prefix` (a new random one by default) in `client`'s database."""

    client: redis.Redis
    prefix: str = field(default_factory=lambda: f"nexora-test-{uuid.uuid4().hex[:12]}:")

    def counts(self) -> dict[str, int]:
        """{key without the prefix: its integer value}."""
        keys = sorted(self.client.scan_iter(match=self.prefix + "*"))
        values = self.client.mget(keys) if keys else []
        return {
            key.decode().removeprefix(self.prefix): int(value)  # type: ignore[arg-type]  # redis-py types mget loosely
            for key, value in zip(keys, values, strict=True)
        }

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self.prefix + "*"))
        if keys:
            self.client.delete(*keys)
