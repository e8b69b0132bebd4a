"""Settings of the benchmarked server: the project's, plus the floor views and no login throttle.

Only `bench/run.py` starts a server with these (DJANGO_SETTINGS_MODULE=bench.settings);
everything else (middleware, logging, hashers, database) is the project's own, so the
API is measured the way it runs in production.
"""

from __future__ import annotations

import os

from project.settings import *  # noqa: F403

# The floor views are mounted here only, never in project.urls.
ROOT_URLCONF = "bench.urls"

# The harness logs in thousands of times a second from one address: the throttle still
# counts every attempt (its two UPDATEs are part of a login's cost) but never refuses one.
LOGIN_RATE = os.environ.get("BENCH_LOGIN_RATE", "1000000000/h")

# The server listens on loopback only.
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DEBUG = False
