"""Micro-benchmark: what judging one log-in attempt costs, in the database and in Redis.

    python -m bench.throttle_cost                     # SQLite file, and Redis at REDIS_TEST_URL
    python -m bench.throttle_cost --database mysql    # a throwaway MariaDB database instead

Times `login_attempt` followed by `succeeded()` (a right password: the three counts read)
or by `failed()` (a wrong one: the three counts raised), for the database store and for
Redis (api/throttle_store.py), in microseconds of wall time per attempt: both are round
trips to another process, so CPU time would hide them. Best of several interleaved rounds;
a wrong password from the same client again and again (its windows exist) and from a new
client each time (they are created).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
ATTEMPTS = 300
ROUNDS = 5
#: A right password from the same client again (one read), a wrong one from the same client
#: (its three windows exist: one UPDATE and one SELECT), and a wrong one from a new client
#: each time (its windows are created first).
SCENARIOS = ("right password", "wrong password, same client", "wrong password, new client")


@contextmanager
def database(kind: str) -> Iterator[None]:
    from nexora_testkit.live_server import throwaway_mysql_database

    with tempfile.TemporaryDirectory(prefix="bench-throttle-") as folder:
        if kind == "mysql":
            with throwaway_mysql_database("mysql://root@127.0.0.1:3306/nexora_bench", "nexora_bench") as url:
                os.environ["DATABASE_URL"] = url
                yield
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'db.sqlite3'}"
            yield


def run(kind: str) -> list[tuple[str, str, float]]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-throttle-only-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import RequestFactory

    from api.throttle_store import redis_client
    from authn.throttling import login_attempt

    call_command("migrate", verbosity=0)
    settings.LOGIN_RATE = "1000000/h"
    prefix = f"nexora-bench-{uuid.uuid4().hex[:8]}:"
    settings.REDIS_KEY_PREFIX = prefix
    factory = RequestFactory()
    best = {(scenario, store): float("inf") for scenario in SCENARIOS for store in ("database", "redis")}
    serial = 0
    try:
        for _ in range(ROUNDS):
            for scenario, store in best:
                settings.REDIS_URL = REDIS_TEST_URL if store == "redis" else ""
                requests = []
                for _ in range(ATTEMPTS):
                    serial += 1 if scenario.endswith("new client") else 0
                    address = f"10.{serial >> 16 & 255}.{serial >> 8 & 255}.{serial & 255}"
                    requests.append(factory.post("/api/login/", REMOTE_ADDR=address))
                right = scenario == "right password"
                started = time.perf_counter()
                for request in requests:
                    attempt = login_attempt(request, "bench@example.com")
                    attempt.succeeded() if right else attempt.failed()
                best[scenario, store] = min(best[scenario, store], (time.perf_counter() - started) / ATTEMPTS * 1e6)
    finally:
        client = redis_client(REDIS_TEST_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        connections.close_all()
    return [(scenario, store, us) for (scenario, store), us in best.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "mysql"), default="sqlite")
    args = parser.parse_args()
    with database(args.database):
        rows = run(args.database)
    print(
        f"login_attempt + succeeded() or failed(), {args.database} vs Redis, us per attempt"
        f" (best of {ROUNDS} x {ATTEMPTS})\n"
    )
    print("| attempt | store | us per attempt |")
    print("|---|---|---:|")
    for scenario, store, us in rows:
        print(f"| {scenario} | {store if store == 'redis' else args.database} | {us:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
