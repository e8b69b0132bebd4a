"""Gunicorn settings for serving the API in production: `gunicorn -c gunicorn.conf.py`.

Read from the environment like project/settings.py:

- GUNICORN_BIND: address(es) to listen on, comma-separated (default 127.0.0.1:8000;
  `make serve` sets it from HOST and PORT). A reverse proxy is expected in front.
- WEB_CONCURRENCY: worker processes (default 2 x CPUs + 1, gunicorn's own advice).
- GUNICORN_THREADS: threads per worker (default 2).
- FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-Proto gunicorn believes (default loopback).
- LOG_FORMAT: `json` (default) or `plain`, as for the app.
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "project.wsgi:application"

bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# Threaded workers, chosen by measurement (docs/performance.md, "Worker model"): they keep
# connections alive, where sync workers answer `Connection: close` and every request pays
# for a new TCP connection. Over three runs of bench/compare-style loads on two cores,
# gthread served 2-3.6x the requests/s of sync workers; 2 threads and 4 were within the
# noise of each other (2 ahead on the profile, 4 on the list), and 2 holds half the
# database connections. Like sync workers, a thread reads the request headers itself: a
# client sending them slowly holds that thread, so nginx stays in front (docs/deployment.md).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 2)

# A worker whose main loop has not checked in for this long is stuck: it is killed and
# replaced. (With threads, the main loop keeps checking in while a request runs, so a
# request stuck in a thread is bounded by the database timeouts in project/settings.py, not
# by this.) On shutdown or reload, workers get as long to finish the requests they hold.
timeout = 30
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open (deploy/nginx.conf closes its own idle
# connections to the instances after 4 s, before this, so it never reuses one being closed).
keepalive = 5

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Gunicorn 25+ would otherwise open a control socket under $HOME/.gunicorn/ or $XDG_RUNTIME_DIR.
control_socket_disable = True

# Access log: the app writes one JSON line per request to stdout (api/request_log.py),
# with what gunicorn cannot know: the request id, the authenticated user and the client
# address as seen through the trusted proxies. Gunicorn's own access line would say the
# same again, and its format is string interpolation, not JSON encoding: a backslash in a
# User-Agent gives an invalid JSON line. So gunicorn's access log is off, and the app's
# line is the access log on stdout.
accesslog = None
# Gunicorn's own messages (start-up, worker timeouts, signals) go to stderr.
errorlog = "-"

if os.environ.get("LOG_FORMAT", "json").lower() == "json":
    # Gunicorn's messages as JSON lines too, with the app's formatter. Its access logger is
    # silenced explicitly: any logging config turns gunicorn's access logging on.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.logging.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }

# Gunicorn 27 sends `Server: gunicorn` with no version (SERVER in gunicorn/__init__.py) and
# has no setting to drop the header; the version is only in the WSGI environ, never sent.
