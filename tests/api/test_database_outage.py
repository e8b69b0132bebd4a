"""Database outages heal by themselves, over real HTTP against MariaDB.

`gunicorn project.wsgi` (two workers of two threads as gunicorn.conf.py has them, debug off,
persistent connections as configured)
reaches a throwaway MariaDB database through a TCP proxy on loopback, so the test can
take the database away without stopping the MariaDB server other runs share. While it
is away every endpoint answers 503 JSON with Retry-After, quickly; when it is back the
same processes answer normally again, with no restart.

The end-to-end tests run in the MariaDB suite (`make test-mysql`) only: under SQLite there
is no database server to cut off, so they are then not defined (rather than skipped).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import dj_database_url
import pytest
from django.db import InterfaceError
from django.test import Client

from nexora_testkit.live_server import (
    Gunicorn,
    Http,
    Reply,
    migrate,
    server_env,
    throwaway_mysql_database,
    wait_until,
    with_address,
)
from tests.assertions import HEALTH_DOWN, UNAVAILABLE
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e

OUTER_DATABASE_URL = os.environ.get("DATABASE_URL", "")
PASSWORD = "outage-Correct-Horse-9"
# A refused connection fails at once; the bound is far below connect_timeout (5 s), so a
# 503 that waited for a timeout would fail this test.
REFUSED_ANSWER_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5.0  # OPTIONS["connect_timeout"] in project/settings.py
#: Two read timeouts (8 s each, project/settings.py) and slack: far under gunicorn's 30 s
#: worker timeout and the contract's 25 s.
HUNG_DATABASE_BUDGET_SECONDS = 2 * 8 + 3
RECOVERY_SECONDS = 10.0


@dataclass
class Rig:
    """The server under test, the switch in front of its database, and a signed-in user."""

    proxy: TcpProxy
    server: Gunicorn
    http: Http
    email: str
    access: str

    def calls(self) -> dict[str, Callable[[], Reply]]:
        """One call per kind of endpoint: public, login, authenticated read and write."""
        return {
            "GET /api/health/": lambda: self.http.call("GET", "/api/health/"),
            "POST /api/login/": lambda: self.http.call(
                "POST", "/api/login/", {"email": self.email, "password": PASSWORD}
            ),
            "GET /api/profile/": lambda: self.http.call("GET", "/api/profile/", token=self.access),
            "GET /api/tasks/": lambda: self.http.call("GET", "/api/tasks/", token=self.access),
            "POST /api/tasks/": lambda: self.http.call(
                "POST", "/api/tasks/", {"title": "Written while it may be down"}, token=self.access
            ),
        }

    def call_all(self, rounds: int) -> list[tuple[str, Reply]]:
        """Every call `rounds` times, five at a time, so that both workers take some."""
        jobs = [(name, call) for _ in range(rounds) for name, call in self.calls().items()]
        with ThreadPoolExecutor(max_workers=5) as pool:
            replies = list(pool.map(lambda job: job[1](), jobs))
        return [(name, reply) for (name, _), reply in zip(jobs, replies, strict=True)]

    def processes(self) -> tuple[int, frozenset[int]]:
        assert self.server.process is not None and self.server.process.poll() is None, "gunicorn's master died"
        return self.server.master_pid, frozenset(self.server.worker_pids())


if OUTER_DATABASE_URL.startswith("mysql"):

    @pytest.fixture(scope="module")
    def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
        mariadb = dj_database_url.parse(OUTER_DATABASE_URL)
        with throwaway_mysql_database(OUTER_DATABASE_URL, "nexora_outage") as database_url:
            migrate(server_env(database_url))
            proxy = TcpProxy(mariadb["HOST"] or "127.0.0.1", int(mariadb["PORT"] or 3306)).start()
            try:
                env = server_env(with_address(database_url, "127.0.0.1", proxy.port), LOGIN_RATE="1000/m")
                with Gunicorn(env, tmp_path_factory.mktemp("outage"), workers=2, name="outage") as server:
                    email = f"outage.{uuid.uuid4().hex[:8]}@example.com"
                    assert (
                        server.http.call("POST", "/api/register/", {"email": email, "password": PASSWORD}).status == 201
                    )
                    login = server.http.call("POST", "/api/login/", {"email": email, "password": PASSWORD})
                    assert login.status == 200
                    yield Rig(proxy, server, server.http, email, login.json()["access"])
            finally:
                proxy.close()

    @pytest.fixture
    def connected_rig(rig: Rig) -> Iterator[Rig]:
        """The rig with the database reachable and persistent connections open (one per thread
        that served a request: at least two, at most workers x threads)."""
        if not rig.proxy.listening:
            rig.proxy.start()
        wait_until(lambda: rig.http.call("GET", "/api/health/").status == 200, RECOVERY_SECONDS, what="health 200")
        wait_until(
            lambda: _all_succeed(rig.call_all(rounds=1)) and rig.proxy.open_connections >= 2,
            RECOVERY_SECONDS,
            what="persistent database connections in the workers",
        )
        yield rig
        if not rig.proxy.listening:
            rig.proxy.start()

    def test_a_refused_database_answers_503_json_at_once_and_service_resumes_without_restart(
        connected_rig: Rig,
    ) -> None:
        rig = connected_rig
        processes = rig.processes()
        port = rig.proxy.port

        rig.proxy.cut()  # like MariaDB stopping: open connections end, new ones are refused
        during = rig.call_all(rounds=3)
        assert sorted({name for name, _ in during}) == sorted(rig.calls())
        for name, reply in during:
            _assert_unavailable(name, reply)
            assert reply.seconds < REFUSED_ANSWER_SECONDS, (name, reply.seconds)
        assert rig.proxy.open_connections == 0

        connections_before_restore = rig.proxy.accepted
        rig.proxy.start()  # like MariaDB starting again, on the same address
        assert rig.proxy.port == port
        wait_until(lambda: rig.http.call("GET", "/api/health/").status == 200, RECOVERY_SECONDS, what="health 200")
        after = rig.call_all(rounds=4)
        _assert_success(after)

        assert rig.processes() == processes, "a worker or the master was restarted"
        # A thread holds at most one connection (2 workers x 2 threads): as many new ones as are
        # open means each thread that came back reconnected once, then reused its connection.
        assert 2 <= rig.proxy.open_connections <= 4
        assert rig.proxy.accepted - connections_before_restore == rig.proxy.open_connections

    def test_a_hung_database_answers_503_json_well_before_the_worker_timeout(connected_rig: Rig) -> None:
        """A server that accepts and stays silent: the persistent connection's health check
        waits one read timeout, the new connection's handshake another; then a JSON 503."""
        rig = connected_rig
        processes = rig.processes()

        rig.proxy.hang()
        with ThreadPoolExecutor(max_workers=2) as pool:
            replies = list(
                pool.map(lambda call: call(), [rig.calls()["GET /api/health/"], rig.calls()["GET /api/tasks/"]])
            )
        for name, reply in zip(["GET /api/health/", "GET /api/tasks/"], replies, strict=True):
            _assert_unavailable(name, reply)
            assert reply.seconds < HUNG_DATABASE_BUDGET_SECONDS, (name, reply.seconds)

        rig.proxy.resume()
        wait_until(lambda: rig.http.call("GET", "/api/health/").status == 200, RECOVERY_SECONDS, what="health 200")
        _assert_success(rig.call_all(rounds=2))
        assert rig.processes() == processes, "a worker or the master was restarted"

    def test_an_unanswering_database_answers_503_within_the_connect_timeout(connected_rig: Rig) -> None:
        rig = connected_rig
        processes = rig.processes()

        rig.proxy.blackhole()  # like a database host gone off the network: no refusal, no answer
        with ThreadPoolExecutor(max_workers=2) as pool:
            replies = list(
                pool.map(lambda call: call(), [rig.calls()["GET /api/health/"], rig.calls()["GET /api/tasks/"]])
            )
        for name, reply in zip(["GET /api/health/", "GET /api/tasks/"], replies, strict=True):
            _assert_unavailable(name, reply)
            assert CONNECT_TIMEOUT_SECONDS - 0.5 <= reply.seconds < CONNECT_TIMEOUT_SECONDS + 3, (name, reply.seconds)

        rig.proxy.start()
        wait_until(lambda: rig.http.call("GET", "/api/health/").status == 200, RECOVERY_SECONDS, what="health 200")
        _assert_success(rig.call_all(rounds=2))
        assert rig.processes() == processes, "a worker or the master was restarted"


class _DroppedConnection:
    """A connection whose socket is gone: the driver raises InterfaceError, not OperationalError."""

    def cursor(self) -> None:
        raise InterfaceError(0, "")


def test_health_names_the_database_whatever_the_driver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """InterfaceError is not a DatabaseError subclass: health must still report the database
    (not fall through to the generic 503), with the same Retry-After as every other 503."""
    monkeypatch.setattr("project.health.connection", _DroppedConnection())
    response = Client().get("/api/health/")
    assert (
        response.status_code,
        response.headers["Content-Type"],
        response.headers["Retry-After"],
        response.json(),
    ) == (503, "application/json; charset=utf-8", "5", HEALTH_DOWN)


def _assert_unavailable(name: str, reply: Reply) -> None:
    """The contract's outage answer: 503, JSON, Retry-After, no traceback; health names the database."""
    assert reply.status == 503, (name, reply.status, reply.body[:300])
    assert reply.headers["content-type"] == "application/json; charset=utf-8", name
    assert reply.headers["retry-after"] == "5", name
    assert b"Traceback" not in reply.body, name
    assert reply.json() == (HEALTH_DOWN if name == "GET /api/health/" else UNAVAILABLE), name


def _all_succeed(replies: list[tuple[str, Reply]]) -> bool:
    return all(reply.status in (200, 201) for _, reply in replies)


def _assert_success(replies: list[tuple[str, Reply]]) -> None:
    expected = {"POST /api/tasks/": 201}
    assert [(name, reply.status) for name, reply in replies] == [(name, expected.get(name, 200)) for name, _ in replies]
    for name, reply in replies:
        if name == "GET /api/health/":
            assert reply.json() == {"status": "ok", "database": "ok"}
