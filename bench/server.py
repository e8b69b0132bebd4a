"""The benchmarked server: the test kit's gunicorn helper (nexora_testkit/live_server.py) with
the harness's settings.

It serves the API the way `make serve` does (the project's gunicorn.conf.py, gthread workers,
loopback, debug off), but with `bench.settings`: the floor views mounted and no login
throttle refusing the harness.
"""

from __future__ import annotations

import os
from pathlib import Path

from nexora_testkit.live_server import Gunicorn

SETTINGS_MODULE = "bench.settings"
#: The harness's bound from before it shared the helper, twice a test's: it starts the server
#: again right after loading a --large database, on a machine still busy with it.
START_TIMEOUT_SECONDS = 60


def bench_server(*, workers: int, env: dict[str, str], log_dir: Path) -> Gunicorn:
    """A stopped server with `env` on top of this process's environment, logging to log_dir/gunicorn.log."""
    return Gunicorn(
        {**os.environ, **env},
        log_dir,
        workers=workers,
        settings_module=SETTINGS_MODULE,
        start_timeout=START_TIMEOUT_SECONDS,
    )
