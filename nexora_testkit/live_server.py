"""Real servers on loopback: `gunicorn project.wsgi` in a subprocess, an HTTP client for it,
and throwaway databases. The one place that starts the API for a test, a check or a
benchmark.

Used by the end-to-end tests (tests/api/test_gunicorn_e2e.py,
tests/api/test_database_outage.py, tests/deploy/), the fuzz run (tests/fuzz/) and the
benchmark harness (bench/server.py), which installs only the runtime requirements: so
nothing here imports pytest or anything else beyond them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
# Servers started here run with debug off, like production; this key exists only for them.
LIVE_SECRET_KEY = "e2e-only-insecure-key-0123456789abcdefghijklmnopqrstuvwxyz"
# The lead engineer's suite owns this database; a throwaway one must never take its name.
RESERVED_DATABASES = frozenset({"test_nexora", "nexora", "mysql", "information_schema", "performance_schema", "sys"})
_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


class Http:
    """A tiny JSON client for one base URL; an error status is a Reply, not an exception."""

    def __init__(self, base: str, timeout: float = 20, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.timeout = timeout
        self.default_headers = dict(headers or {})

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if body is not None and raw is None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in {**self.default_headers, **(headers or {})}.items():
            request.add_header(name, value)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Reply(
                    response.status, _lower(response.headers.items()), response.read(), time.monotonic() - started
                )
        except urllib.error.HTTPError as error:
            return Reply(error.code, _lower(error.headers.items()), error.read(), time.monotonic() - started)


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(predicate: Any, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    """Poll `predicate()` until it is true; raise TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:g} s")


# --- databases -------------------------------------------------------------------------


def with_address(database_url: str, host: str, port: int) -> str:
    """The same database URL, reached at another host and port (e.g. through a proxy)."""
    parts = urllib.parse.urlsplit(database_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def mysql_admin_connection(server_url: str) -> Any:
    """A PyMySQL connection to the server of `server_url`, outside any database."""
    import pymysql

    config = dj_database_url.parse(server_url)
    return pymysql.connect(
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 3306),
        user=config["USER"],
        password=config["PASSWORD"] or "",
        connect_timeout=5,
    )


@contextmanager
def throwaway_mysql_database(server_url: str, prefix: str) -> Iterator[str]:
    """Create `<prefix>_<random>` on the server of `server_url`, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    if not _SAFE_NAME.match(name) or name in RESERVED_DATABASES:
        raise ValueError(f"Refusing to use {name!r} as a throwaway database.")
    _execute_on_server(server_url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield urllib.parse.urlunsplit(urllib.parse.urlsplit(server_url)._replace(path="/" + name))
    finally:
        _execute_on_server(server_url, f"DROP DATABASE IF EXISTS `{name}`")


def _execute_on_server(server_url: str, statement: str) -> None:
    """One statement on a fresh connection: a long test may outlive an idle one."""
    connection = mysql_admin_connection(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextmanager
def throwaway_database(outer_url: str, folder: Path, prefix: str) -> Iterator[str]:
    """A throwaway MariaDB database when `outer_url` is MySQL, else an SQLite file in `folder`."""
    if outer_url.startswith("mysql"):
        with throwaway_mysql_database(outer_url, prefix) as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'db.sqlite3'}"


# --- gunicorn --------------------------------------------------------------------------


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production-like server: debug off, a secret key, loopback hosts."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": LIVE_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HOME": str(ROOT),
        **overrides,
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )


def child_pids(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (gunicorn's workers), read from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields follow the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            children.add(int(entry.name))
    return children


class Gunicorn:
    """`gunicorn project.wsgi` on a loopback port, in its own process group, logging to a file.

    Started from the project folder, so gunicorn also reads ./gunicorn.conf.py (timeouts,
    logging) when there is one, as `make serve` does; the flags here win over it. `env` is
    the server's whole environment (see `server_env`); `settings_module` is set in it, so
    a caller's DJANGO_SETTINGS_MODULE never leaks into the server by accident. It can be
    started again after `stop()`, on the same port.
    """

    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path,
        *,
        port: int | None = None,
        workers: int = 2,
        name: str = "gunicorn",
        settings_module: str = "project.settings",
        start_timeout: float = 30,
    ) -> None:
        self.env = {**env, "DJANGO_SETTINGS_MODULE": settings_module}
        self.port = port or free_port()
        self.workers = workers
        self.name = name
        self.start_timeout = start_timeout
        self.log = log_dir / f"{name}.log"  # gunicorn's and the application's own logging
        self.process: subprocess.Popen[bytes] | None = None
        self.http = Http(f"http://127.0.0.1:{self.port}")

    def start(self) -> Gunicorn:
        """Start and wait (up to `start_timeout` s) until /api/health/ answers 200 and every worker is up."""
        command = [
            str(GUNICORN),
            "project.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--no-control-socket",
        ]
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if self.http.call("GET", "/api/health/").status == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not come up within {self.start_timeout:g} s:\n{self.log_tail()}")

    @property
    def master_pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def worker_pids(self) -> set[int]:
        return child_pids(self.master_pid)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: a crashed host, no graceful shutdown."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the group), then SIGKILL whatever is left."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with suppress(ProcessLookupError):  # workers orphaned by a master that died first
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
