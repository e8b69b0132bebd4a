"""Micro-benchmark: what a log-in costs besides its one password hash, in-process.

    python -m bench.login_cost              # throttle counts in an SQLite file
    REDIS_URL=redis://127.0.0.1:6379/14 python -m bench.login_cost

POST /api/login/ through Django's WSGIHandler (every middleware, Ninja, the service, the
session rows, two JWTs, the audit line) on an SQLite file, against the configured hasher's
`check_password` alone on the same password (what `make bench`'s floor does), in rounds
that alternate the two; this thread's CPU time per call. Two settings:

- as served: the project's Argon2id. The difference is the log-in's cost around the hash,
  paid right after Argon2 has swept 19 MiB through the caches;
- warm: Django's MD5 hasher for both, so almost nothing sits between one log-in and the
  next: the same code, run with warm caches.

Medians over the rounds (docs/performance.md, "Login with the counts in Redis").
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.middleware_cost import setup_django  # noqa: E402

EMAIL = "bench-login@example.com"
PASSWORD = "Bench-login-pass-1234!"
ROUNDS = 7
CALLS = {"as served": 40, "warm": 400}


def cpu_ms(func: Callable[[], object], calls: int) -> float:
    started = time.thread_time()
    for _ in range(calls):
        func()
    return (time.thread_time() - started) / calls * 1000


def measure(setting: str) -> tuple[float, float]:
    """Median CPU ms of (one log-in, the bare hash) over interleaved rounds."""
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.handlers.wsgi import WSGIHandler

    from accounts.models import User

    User.objects.filter(email=EMAIL).delete()
    User.objects.create_user(EMAIL, PASSWORD)
    encoded = make_password(PASSWORD)
    handler: Any = WSGIHandler()
    body = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()

    def log_in() -> None:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/login/",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_USER_AGENT": "bench",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        b"".join(handler(environ, lambda line, headers: status.append(line)))
        assert status[0].startswith("200"), status

    def bare() -> None:
        assert check_password(PASSWORD, encoded)

    calls = CALLS[setting]
    for _ in range(5):
        log_in()
        bare()
    pairs = [(cpu_ms(log_in, calls), cpu_ms(bare, calls)) for _ in range(ROUNDS)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-login-") as folder:
        setup_django(Path(folder))
        from django.conf import settings

        settings.LOGIN_RATE = "1000000000/h"  # counted, never refused
        store = "Redis" if settings.REDIS_URL else "the database"
        print(f"POST /api/login/ in-process, throttle counts in {store}; CPU ms per call, median of {ROUNDS} rounds\n")
        print("| hasher | log-in | bare hash | around the hash | log-in / bare |")
        print("|---|---:|---:|---:|---:|")
        from django.test.utils import override_settings

        for setting in ("as served", "warm"):
            if setting == "warm":  # Django's own test hook clears the hashers' caches
                with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                    login, bare = measure(setting)
            else:
                login, bare = measure(setting)
            ratio = f"{bare / login:.2f}" if setting == "as served" else "-"
            print(f"| {setting} | {login:.2f} | {bare:.3f} | {login - bare:.2f} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
