"""The contract over real HTTP: `gunicorn project.wsgi` on loopback, debug off.

The server runs in a subprocess on its own database (a temporary SQLite file, or a
throwaway MariaDB database when the suite runs against MariaDB).
"""

from __future__ import annotations

import http.client
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from nexora_testkit.live_server import Gunicorn, Http, migrate, server_env, throwaway_database

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(os.environ.get("DATABASE_URL", ""), tmp_path_factory.mktemp("e2e"), "nexora_e2e") as url:
        yield url


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Http]:
    env = server_env(database_url, LOGIN_RATE="1000/m")
    migrate(env)
    with Gunicorn(env, tmp_path_factory.mktemp("e2e-logs"), workers=2) as gunicorn:
        yield gunicorn.http


def test_auth_walkthrough_over_http(server: Http) -> None:
    email = f"E2E.{uuid.uuid4().hex[:6]}@Example.com"
    password = "e2e-Correct-Horse-9"

    registered = server.call("POST", "/api/register/", {"email": email, "password": password, "first_name": "Zoë 🚀"})
    assert registered.status == 201
    assert registered.json()["email"] == email.lower()
    assert registered.json()["first_name"] == "Zoë 🚀"
    assert server.call("POST", "/api/register/", {"email": email.upper(), "password": password}).status == 409

    bad = server.call("POST", "/api/login/", {"email": email, "password": "wrong-password-1"})
    assert bad.status == 401 and bad.headers["www-authenticate"].startswith("Bearer")

    login = server.call("POST", "/api/login/", {"email": email.upper(), "password": password})
    assert login.status == 200
    assert login.headers["cache-control"] == "no-store"
    pair = login.json()
    assert set(pair) == {"access", "refresh", "user", "device_token"}

    profile = server.call("GET", "/api/profile/", token=pair["access"])
    assert profile.status == 200 and profile.json()["email"] == email.lower()

    refreshed = server.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status == 200
    new_pair = refreshed.json()
    second_tab = server.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]})  # within the reuse window
    assert second_tab.status == 200 and second_tab.json()["refresh"] == new_pair["refresh"]
    assert server.call("POST", "/api/token/verify/", {"token": new_pair["access"]}).json() == {}

    assert server.call("POST", "/api/logout/", {"refresh": new_pair["refresh"]}).status == 204
    assert server.call("POST", "/api/token/refresh/", {"refresh": new_pair["refresh"]}).status == 401

    second = server.call("POST", "/api/login/", {"email": email, "password": password}).json()
    changed = server.call(
        "POST",
        "/api/profile/password/",
        {"current_password": password, "new_password": "e2e-Another-Horse-10"},
        token=second["access"],
    )
    assert changed.status == 200
    assert server.call("GET", "/api/profile/", token=second["access"]).status == 401
    assert server.call("GET", "/api/profile/", token=changed.json()["access"]).status == 200

    assert server.call("POST", "/api/logout/all/", token=changed.json()["access"]).status == 204
    assert server.call("GET", "/api/profile/", token=changed.json()["access"]).status == 401


def test_tasks_over_http(server: Http) -> None:
    email = f"tasks.{uuid.uuid4().hex[:6]}@example.com"
    server.call("POST", "/api/register/", {"email": email, "password": "e2e-Correct-Horse-9"})
    token = server.call("POST", "/api/login/", {"email": email, "password": "e2e-Correct-Horse-9"}).json()["access"]

    created = server.call("POST", "/api/tasks/", {"title": "Ship it 🚢", "due_date": "2030-01-31"}, token=token)
    assert created.status == 201
    task = created.json()
    listed = server.call("GET", "/api/tasks/?search=SHIP", token=token)
    assert listed.json() == {"items": [task], "count": 1}
    patched = server.call("PATCH", f"/api/tasks/{task['id']}/", {"status": "done"}, token=token)
    assert patched.status == 200 and patched.json()["status"] == "done"
    assert server.call("DELETE", f"/api/tasks/{task['id']}/", token=token).status == 204
    assert server.call("GET", f"/api/tasks/{task['id']}/", token=token).status == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/api/nowhere/", {}, 404),
        ("PUT", "/api/login/", {"body": {}}, 405),
        ("GET", "/api/health/", {"headers": {"Host": "evil.example"}}, 400),
        (
            "POST",
            "/api/login/",
            {"raw": b"email=a&password=b", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            415,
        ),
        ("POST", "/api/login/", {"raw": b"{not json", "headers": {"Content-Type": "application/json"}}, 422),
        ("GET", "/api/profile/", {"headers": {"Authorization": "Bearer not-a-jwt"}}, 401),
    ],
)
def test_errors_are_json_over_http(server: Http, method: str, path: str, kwargs: dict[str, Any], status: int) -> None:
    reply = server.call(method, path, **kwargs)
    assert reply.status == status
    assert reply.headers["content-type"].startswith("application/json")
    assert isinstance(reply.json()["detail"], (str, list))


def test_an_oversized_body_is_refused_by_its_declared_length(server: Http) -> None:
    """413 is decided from Content-Length before any of the body is read.

    Only the headers are sent: gunicorn closes the connection after a response, and a
    client still sending a large body then gets a reset instead of the answer (a race
    that made this test flaky). Behind nginx, client_max_body_size answers first.
    """
    host, port = server.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        connection.putrequest("POST", "/api/register/")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(3_000_000))
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert isinstance(body["detail"], str)


def test_docs_are_served_without_outside_hosts(server: Http) -> None:
    page = server.call("GET", "/api/docs")
    assert page.status == 200
    html = page.body.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "/static/ninja/swagger-ui" in html
    asset = server.call("GET", "/static/ninja/swagger-ui-bundle.js")
    assert asset.status == 200 and len(asset.body) > 100_000
    spec = server.call("GET", "/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")


def test_connections_are_kept_alive(server: Http) -> None:
    """gunicorn.conf.py's gthread workers: several requests on one connection, each answered
    `Connection: keep-alive` (sync workers answered every request with `Connection: close`)."""
    host, port = server.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        answers = []
        for _ in range(3):
            connection.request("GET", "/api/health/")
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Connection"), response.getheader("Content-Length")))
            response.read()
            sockets = connection.sock
        assert connection.sock is sockets is not None  # never reopened
    finally:
        connection.close()

    assert [(status, close) for status, close, _ in answers] == [(200, "keep-alive")] * 3
    assert all(length is not None for _, _, length in answers)
