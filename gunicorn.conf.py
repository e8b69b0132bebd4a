"""Gunicorn settings for serving the API in production: `gunicorn -c gunicorn.conf.py`.

Read from the environment like project/settings.py:

- GUNICORN_BIND: address(es) to listen on, comma-separated (default 127.0.0.1:8000;
  `make serve` sets it from HOST and PORT). A reverse proxy is expected in front.
- WEB_CONCURRENCY: worker processes (default 2 x CPUs + 1, gunicorn's own advice for sync workers).
- FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-Proto gunicorn believes (default loopback).
- LOG_FORMAT: `json` (default) or `plain`, as for the app.
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "project.wsgi:application"

bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# A request taking longer than this is stuck (the slowest real one, a login, hashes for a
# fraction of a second): its worker is killed and replaced. On shutdown or reload, workers
# get as long to finish the requests they hold.
timeout = 30
graceful_timeout = 30
# Seconds an idle keep-alive connection from the proxy stays open.
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
