"""Micro-benchmark: what each middleware layer costs an /api/ request, in-process.

    python -m bench.middleware_cost            # about a minute

Two tables (docs/performance.md, "The middleware"):

1. Each layer alone: the middleware wrapped around a view that returns a fresh small JSON
   response, called on a fresh GET /api/profile/ request (and its process_view, if it has
   one, with the real view), minus the same without the middleware. Django's originals and
   api.outside_api's wrappers side by side.
2. The whole stack: GET /api/profile/ and GET /api/tasks/?limit=20 through Django's
   WSGIHandler on an SQLite file (a user with 50 tasks, a real access token), with
   MIDDLEWARE as it was before api.outside_api (Django's originals) and as it is now,
   interleaved, best of several repeats each.

Best-of timings (timeit's advice) of this thread's CPU time, not the wall clock: on a shared
machine other processes only ever add time, and mostly while this one waits for a core.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: MIDDLEWARE before the admin's middleware was wrapped (f71586f), for the "before" column.
DJANGO_ORIGINALS = {
    "api.outside_api.SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "api.outside_api.CommonMiddleware": "django.middleware.common.CommonMiddleware",
    "api.outside_api.CsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "api.outside_api.AuthenticationMiddleware": "django.contrib.auth.middleware.AuthenticationMiddleware",
    "api.outside_api.MessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
    "api.outside_api.XFrameOptionsMiddleware": "django.middleware.clickjacking.XFrameOptionsMiddleware",
}


def best_us(func: Callable[[], object], repeat: int = 9) -> float:
    """Best of `repeat` timings of `func`, in microseconds of this thread's CPU per call: the
    time other processes take from it while it waits for a core is not counted."""
    timer = timeit.Timer(func, timer=time.thread_time)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def setup_django(folder: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-middleware-only-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["LOG_LEVEL"] = "WARNING"  # no request line per call on stdout
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def customer_with_tasks() -> tuple[Any, str]:
    """The in-process rig's data: a customer with 50 tasks, and a real access token of theirs."""
    from accounts.models import User
    from accounts.roles import Role
    from bench import seed
    from tasks.models import Task

    user = User.objects.create_user("bench@example.com", "Bench-pass-1234!", role=Role.CUSTOMER)
    Task.objects.bulk_create(Task(owner=user, title=f"Task {n} 📝", description="x" * 200) for n in range(50))
    return user, seed.access_token(user.pk)


def environ_for(path: str, token: str) -> dict[str, Any]:
    from django.test import RequestFactory

    request = RequestFactory().get(path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    environ = dict(request.environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    return environ


def stack_us(paths: list[str], environ: dict[str, Any], view: Any, repeat: int = 9) -> float:
    """One fresh request through `paths` (each layer's process_view too, innermost last, as
    Django's handler calls them) around a view returning a fresh small JSON response."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import JsonResponse
    from django.utils.module_loading import import_string

    layers: list[Any] = []

    def respond(request: Any) -> JsonResponse:
        for layer in layers:
            if hasattr(layer, "process_view"):
                layer.process_view(request, view, (), {})
        return JsonResponse({"id": 1, "email": "bench@example.com"})

    handler: Any = respond
    for path in reversed(paths):
        handler = import_string(path)(handler)
        layers.insert(0, handler)
    return best_us(lambda: handler(WSGIRequest(dict(environ))), repeat=repeat)


def layer_costs(token: str, rounds: int = 3) -> list[tuple[str, float, float]]:
    """(layer, us with Django's original, us with api.outside_api's wrapper) on one /api/
    request: each layer's cost is the stack up to it minus the stack above it, so a layer
    that needs one before it (auth needs sessions) is timed where it really runs."""
    from django.conf import settings
    from django.urls import resolve

    environ = environ_for("/api/profile/", token)
    view = resolve("/api/profile/").func
    now = list(settings.MIDDLEWARE)
    before = [DJANGO_ORIGINALS.get(path, path) for path in now]
    timings: dict[str, list[float]] = {
        "before": [float("inf")] * (len(now) + 1),
        "now": [float("inf")] * (len(now) + 1),
    }
    for _ in range(rounds):  # interleaved sweeps, the best of each prefix: noise only ever adds
        for name, paths in (("before", before), ("now", now)):
            for depth in range(len(paths) + 1):
                timings[name][depth] = min(timings[name][depth], stack_us(paths[:depth], environ, view, repeat=5))
    return [
        (before[i], timings["before"][i + 1] - timings["before"][i], timings["now"][i + 1] - timings["now"][i])
        for i in range(len(now))
    ]


def whole_stack(token: str, rounds: int = 5) -> list[tuple[str, float, float]]:
    """(path, us per request with Django's originals, us with the wrappers), best over interleaved rounds."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    now = list(settings.MIDDLEWARE)
    before = [DJANGO_ORIGINALS.get(path, path) for path in now]
    handlers = {}
    for name, middleware in (("before", before), ("now", now)):
        with override_settings(MIDDLEWARE=middleware):
            handlers[name] = WSGIHandler()

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        assert status.startswith("200"), status

    rows = []
    for path in ("/api/profile/", "/api/tasks/?limit=20"):
        environ = environ_for(path.split("?")[0], token)
        environ["QUERY_STRING"] = path.partition("?")[2]
        best = {"before": float("inf"), "now": float("inf")}
        for _ in range(rounds):
            for name, handler in handlers.items():

                def once(handler: WSGIHandler = handler) -> None:
                    env = dict(environ)  # noqa: B023
                    env["wsgi.input"] = io.BytesIO(b"")
                    response = handler(env, start_response)  # type: ignore[arg-type]  # a no-op start_response
                    b"".join(response)
                    response.close()

                best[name] = min(best[name], best_us(once, repeat=3))
        rows.append((path, best["before"], best["now"]))
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-middleware-") as folder:
        setup_django(Path(folder))
        _, token = customer_with_tasks()

        print("Each layer on GET /api/profile/ around a bare view (us of CPU per request, best of 3 x 5)\n")
        print("| middleware | before (as Django ships it) | now (api.outside_api for the admin's) |")
        print("|---|---:|---:|")
        total_before = total_now = 0.0
        for name, before, now in layer_costs(token):
            total_before += before
            total_now += now
            print(f"| `{name}` | {before:.1f} | {now:.1f} |")
        print(f"| **all layers** | **{total_before:.1f}** | **{total_now:.1f}** |\n")

        print("The whole stack, in-process (WSGIHandler, SQLite; us of CPU per request; best of interleaved rounds)\n")
        print("| request | before (Django's originals) | now | saved |")
        print("|---|---:|---:|---:|")
        for path, before, now in whole_stack(token):
            print(f"| `GET {path}` | {before:.0f} | {now:.0f} | {before - now:.0f} ({(before - now) / before:.0%}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
