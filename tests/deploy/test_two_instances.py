"""Two gunicorn instances behind nginx on loopback, sharing MariaDB: the deployment of
docs/deployment.md, checked end to end (`make test-deploy`).

    client --> nginx (deploy/nginx.conf) --+--> instance A (gunicorn, 2 workers) --+--> MariaDB
                                           +--> instance B (gunicorn, 2 workers) --+

On a throwaway database `nexora_deploy_<random>` (the rig: tests/deploy/conftest.py):

  - nginx in front: health, server_tokens off, JSON 413, X-Request-ID passed on;
  - a session spans instances: log in on A, use the token, refresh and log out on B/A;
  - login throttling counts across instances, per e-mail and per client address;
  - a grant change made through one instance holds on the other's next request, in every
    worker of it (the grants version rides on the user row: no signal, Redis or not);
  - all of it twice: the throttle counts in MariaDB, then in Redis (REDIS_URL);
  - instance A is SIGKILLed under load through nginx: every request gets a 200 but
    those A was answering at that instant (nginx retries the ones not yet begun). It
    runs last: it kills both instances.

Not part of `make test` or `make test-mysql`: it needs nginx and the MariaDB server, so the
`deploy` marker deselects it there (pytest.ini) and `make test-deploy` selects it.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from nexora_testkit.live_server import ROOT, Http, Reply, wait_until
from tests.deploy.rig import LOGIN_LIMIT, PASSWORD, Deployment, Logged

# Every check twice: the instances keep their throttle counts in MariaDB, then in Redis.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.deploy,
    pytest.mark.parametrize("store", ["database", "redis"], indirect=True, scope="module"),
]

LOAD_THREADS = 8
LOAD_SECONDS = 6.0
KILL_AFTER_SECONDS = 2.0


def test_nginx_in_front(deployment: Deployment) -> None:
    front = deployment.front
    health = front.call("GET", "/api/health/")
    assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok"}), "GET /api/health/ through nginx"
    assert health.headers.get("server") == "nginx", "Server header (server_tokens off: no version)"

    too_big = post_headers_only(front, "/api/register/", content_length=2 * 1024 * 1024)
    assert too_big.status == 413, "a 2 MiB body through nginx"
    assert too_big.headers.get("content-type") == "application/json", "Content-Type of nginx's 413"
    assert too_big.json() == {"detail": "Request body is too large.", "code": "request_too_large"}, (
        "body of nginx's 413"
    )

    sane = f"deploy-check-{uuid.uuid4().hex[:8]}"
    front.call("GET", "/api/health/?sane", headers={"X-Request-ID": sane})
    front.call("GET", "/api/health/?insane", headers={"X-Request-ID": "not sane; <script>"})
    deployment.nginx.logged_with([sane])
    wait_until(
        lambda: any(entry.path == "/api/health/?insane" for entry in deployment.nginx.logged()),
        5,
        what="nginx's log line of the insane X-Request-ID",
    )
    replaced = [entry.request_id for entry in deployment.nginx.logged() if entry.path == "/api/health/?insane"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced[0]) is not None, (
        f"an insane X-Request-ID replaced by nginx's own id, got {replaced[0]!r}"
    )
    print("health 200 through nginx; Server: nginx; 2 MiB body -> JSON 413; X-Request-ID kept or replaced")


def test_session_across_instances(deployment: Deployment) -> None:
    a, b = deployment.direct_a, deployment.direct_b
    email = f"deploy.{uuid.uuid4().hex[:8]}@example.com"
    assert a.call("POST", "/api/register/", {"email": email, "password": PASSWORD}).status == 201, "register on A"
    login = a.call("POST", "/api/login/", {"email": email, "password": PASSWORD})
    assert login.status == 200, "login on A"
    pair = login.json()

    profile = b.call("GET", "/api/profile/", token=pair["access"])
    assert (profile.status, profile.json()["email"]) == (200, email), "A's access token on B: GET /api/profile/"
    created = b.call("POST", "/api/tasks/", {"title": "Made on B"}, token=pair["access"])
    assert created.status == 201, "create a task on B"
    read = a.call("GET", f"/api/tasks/{created.json()['id']}/", token=pair["access"])
    assert (read.status, read.json()) == (200, created.json()), "read B's task on A"

    refreshed = b.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status == 200, "refresh A's refresh token on B"
    new_refresh = refreshed.json()["refresh"]
    # Within JWT_REFRESH_REUSE_SECONDS (two tabs), the token just rotated on B is answered on A
    # with the session's current refresh token: B's rotation is what A sees.
    again = a.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]})
    assert (again.status, again.json()["refresh"]) == (200, new_refresh), "the token just rotated on B, on A"
    assert a.call("POST", "/api/logout/", {"refresh": new_refresh}).status == 204, "log out on A"
    assert b.call("POST", "/api/token/refresh/", {"refresh": new_refresh}).status == 401, (
        "the logged-out refresh token on B"
    )
    print(
        "login A; profile + task on B, task read on A; refresh on B, the old one on A gets B's new one; "
        "logout on A, refresh 401 on B"
    )


def test_throttle_across_instances(deployment: Deployment) -> None:
    limit = LOGIN_LIMIT
    a, b = deployment.direct_a, deployment.direct_b

    # Per e-mail: each attempt from another client address, so only the e-mail's count can trip.
    wait_for_window_margin(seconds=10)
    email = f"victim.{uuid.uuid4().hex[:8]}@example.com"
    statuses: list[int] = []
    retry_after: list[str | None] = []
    for attempt in range(limit + 2):
        instance = (a, b)[attempt % 2]
        reply = instance.call(
            "POST",
            "/api/login/",
            {"email": email, "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"198.51.100.{attempt + 1}"},
        )
        statuses.append(reply.status)
        retry_after.append(reply.headers.get("retry-after"))
    assert statuses == [401] * limit + [429, 429], f"{limit + 2} failed logins for one e-mail, alternately on A and B"
    assert_throttled_reply_headers(retry_after[limit:], "per e-mail")
    if deployment.redis is not None:
        # (The session check's successful log-in was only read, never counted.) Both instances
        # counted into one Redis key: the `limit` failures, then each attempt over it that
        # was checked by a worker that had not yet seen the window full (at least the first;
        # a worker that had refuses before the check and counts nothing).
        counts = deployment.redis.counts().items()
        per_email = [count for key, count in counts if key.startswith("login:email:") and count]
        assert len(per_email) == 1 and limit + 1 <= per_email[0] <= limit + 2, (
            f"the per-e-mail count both instances raised, in Redis: {per_email}"
        )

    # Per client address, through nginx: nginx appends the address it saw (127.0.0.1), so a
    # forged X-Forwarded-For from the client changes nothing.
    wait_for_window_margin(seconds=10)
    run = uuid.uuid4().hex[:8]
    statuses, retry_after = [], []
    request_ids: list[str] = []
    for attempt in range(limit + 2):
        request_id = f"throttle-{run}-{attempt}"
        reply = deployment.front.call(
            "POST",
            "/api/login/",
            {"email": f"nobody.{run}.{attempt}@example.com", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}", "X-Request-ID": request_id},
        )
        statuses.append(reply.status)
        retry_after.append(reply.headers.get("retry-after"))
        request_ids.append(request_id)
    assert statuses == [401] * limit + [429, 429], (
        f"{limit + 2} failed logins from one client through nginx, each with a forged X-Forwarded-For"
    )
    assert_throttled_reply_headers(retry_after[limit:], "per address")
    logged = deployment.nginx.logged_with(request_ids)
    instances = [logged[request_id].answered_by for request_id in request_ids]
    both = {deployment.address(deployment.a), deployment.address(deployment.b)}
    assert set(instances) == both, "instances that answered the logins through nginx"
    assert set(instances[limit:]) == both, "instances that answered 429"
    print(
        f"one e-mail: {limit}x401 then 429 on B and on A (Retry-After {retry_after[limit]}); "
        f"one client via nginx, forged X-Forwarded-For: {limit}x401 then 429 from A and from B"
    )


def assert_throttled_reply_headers(retry_after: list[str | None], what: str) -> None:
    for value in retry_after:
        assert value is not None and value.isdigit() and 1 <= int(value) <= 60, (
            f"Retry-After of a 429 ({what}) should be 1..60 seconds, got {value!r}"
        )


def wait_for_window_margin(seconds: float) -> None:
    """Throttle windows are whole minutes: start a sequence only with `seconds` left in this one."""
    left = 60 - time.time() % 60
    if left < seconds:
        time.sleep(left + 0.2)


@dataclass(frozen=True)
class Outcome:
    started: float
    finished: float
    status: int | None
    error: str | None


#: Requests per check on an instance: enough that each of its two workers answers some.
PER_INSTANCE = 8


def test_grant_change_across_instances(deployment: Deployment) -> None:
    a, b = deployment.direct_a, deployment.direct_b
    admin = login(a, make_admin(deployment))
    seller = login(b, make_user(deployment, role="SELLER"))
    defaults = held(b, seller)
    assert "tasks.assign" in defaults, "a seller's defaults, on B"
    assert {tuple(held(instance, seller)) for instance in (a, b) for _ in range(PER_INSTANCE)} == {tuple(defaults)}, (
        "every worker of both instances has read the grants before the change"
    )
    without_assign = [name for name in defaults if name != "tasks.assign"]

    changed = a.call("PUT", "/api/permissions/roles/SELLER/", {"policies": without_assign}, token=admin)
    assert (changed.status, changed.json()) == (
        200,
        {"role": "SELLER", "policies": without_assign, "default": False},
    ), "PUT /api/permissions/roles/SELLER/ on A"

    seen = [held(b, seller) for _ in range(PER_INSTANCE)]
    assert seen == [without_assign] * PER_INSTANCE, "B's next requests (every worker) after A's change"
    matrix = b.call("GET", "/api/permissions/", token=seller).json()
    assign = next(policy for policy in matrix["policies"] if policy["name"] == "tasks.assign")
    assert assign["roles"] == ["ADMIN"], "the matrix as granted now, on B"

    reset = b.call("DELETE", "/api/permissions/roles/SELLER/", token=admin)
    assert (reset.status, reset.json()["default"]) == (200, True), "DELETE /api/permissions/roles/SELLER/ on B"
    seen = [held(a, seller) for _ in range(PER_INSTANCE)]
    assert seen == [defaults] * PER_INSTANCE, "A's next requests (every worker) after B's reset"
    log = a.call("GET", "/api/permissions/changes/?limit=2", token=admin).json()
    assert [(item["role"], item["added"], item["removed"]) for item in log["items"]] == [
        ("SELLER", ["tasks.assign"], []),
        ("SELLER", [], ["tasks.assign"]),
    ], "the change log, newest first"


def held(instance: Http, token: str) -> list[str]:
    reply = instance.call("GET", "/api/profile/permissions/", token=token)
    assert reply.status == 200, "GET /api/profile/permissions/"
    permissions: list[str] = reply.json()["permissions"]
    return permissions


def login(instance: Http, email: str) -> str:
    reply = instance.call("POST", "/api/login/", {"email": email, "password": PASSWORD})
    assert reply.status == 200, f"log in {email}"
    access: str = reply.json()["access"]
    return access


def make_admin(deployment: Deployment) -> str:
    """An ADMIN, made as on a server: `manage.py createsuperuser --noinput`."""
    email = f"admin.{uuid.uuid4().hex[:8]}@example.com"
    env = {**deployment.a.env, "DJANGO_SUPERUSER_EMAIL": email, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    command = [sys.executable, "manage.py", "createsuperuser", "--noinput"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=60, capture_output=True)
    return email


def test_instance_killed_under_load(deployment: Deployment) -> None:
    """Runs last: it kills instance A, then B."""
    login = deployment.direct_b.call("POST", "/api/login/", {"email": make_user(deployment), "password": PASSWORD})
    assert login.status == 200, "login for the load"
    token = login.json()["access"]
    front = Http(deployment.front.base, timeout=10)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status: int | None = front.call("GET", "/api/tasks/", token=token).status
                error = None
            except (OSError, http.client.HTTPException) as exc:
                status, error = None, repr(exc)
            with lock:
                outcomes.append(Outcome(started, time.monotonic(), status, error))

    threads = [threading.Thread(target=load, daemon=True) for _ in range(LOAD_THREADS)]
    began = time.monotonic()
    wall_offset = time.time() - began  # monotonic -> wall clock, to compare with nginx's log
    try:
        for thread in threads:
            thread.start()
        time.sleep(KILL_AFTER_SECONDS)
        killed_pids = {deployment.a.master_pid, *deployment.a.worker_pids()}
        killing = time.monotonic()
        deployment.a.kill()
        killed = time.monotonic()
        time.sleep(LOAD_SECONDS - KILL_AFTER_SECONDS)
    finally:  # the watchdog may cut the sleep short: the load must stop all the same
        stop.set()
    for thread in threads:
        thread.join(timeout=15)
    ended = time.monotonic()

    assert all(not Path(f"/proc/{pid}").exists() for pid in killed_pids), "instance A's processes all gone"
    assert refuses(deployment.a.port), "instance A's port refuses connections after the kill"
    failures = [outcome for outcome in outcomes if outcome.status != 200]
    # A request A was answering when SIGKILL hit may be cut after nginx sent its headers on
    # (nginx cannot retry once the client has bytes): at most one per load thread, and only
    # those in flight at that moment. Every other request must get a 200.
    cut_in_flight = [outcome for outcome in failures if outcome.started <= killed and outcome.finished >= killing]
    assert failures[:5] == cut_in_flight[:5], (
        f"requests through nginx that did not get a 200 ({len(failures)} of {len(outcomes)}), "
        "other than those A was answering when it was killed"
    )
    assert len(cut_in_flight) <= LOAD_THREADS, f"at most one cut request per load thread ({len(cut_in_flight)})"
    before = [outcome for outcome in outcomes if outcome.finished <= killed]
    after = [outcome for outcome in outcomes if outcome.started > killed]
    rate_before = len(before) / (killed - began)
    rate_after = len(after) / (ended - killed)
    assert rate_after > 0, "requests per second after the kill"

    a_address, b_address = deployment.address(deployment.a), deployment.address(deployment.b)

    def load_lines() -> list[Logged]:
        return [entry for entry in deployment.nginx.logged() if entry.path == "/api/tasks/"]

    wait_until(lambda: len(load_lines()) >= len(outcomes), 5, what="nginx's log lines of every load request")
    tasks = load_lines()
    assert len(tasks) == len(outcomes), "nginx's log lines of the load requests"
    logged_before = [entry for entry in tasks if entry.at < began + wall_offset + KILL_AFTER_SECONDS - 0.5]
    logged_after = [entry for entry in tasks if entry.at > killed + wall_offset + 0.05]
    assert {entry.answered_by for entry in logged_before} == {a_address, b_address}, (
        "instances answering before the kill"
    )
    assert {entry.answered_by for entry in logged_after} == {b_address}, "instances answering after the kill"
    retried = [entry for entry in tasks if len(entry.upstreams) > 1]
    assert {(entry.upstreams, entry.status) for entry in retried} <= {((a_address, b_address), 200)}, (
        f"retried requests went from A to B and got 200: {retried[:3]}"
    )

    # Both instances gone: nginx's own answer keeps the API's shape (JSON 503, Retry-After).
    deployment.b.kill()
    nobody = deployment.front.call("GET", "/api/tasks/", token=token)
    assert (nobody.status, nobody.headers.get("content-type"), nobody.headers.get("retry-after"), nobody.json()) == (
        503,
        "application/json",
        "5",
        {"detail": "The service is temporarily unavailable.", "code": "service_unavailable"},
    ), "nginx's answer with both instances down"
    print(
        f"{len(outcomes)} requests from {LOAD_THREADS} threads in {ended - began:.1f} s, "
        f"{len(cut_in_flight)} cut in flight by the kill, none other failed; "
        f"A killed at {killed - began:.1f} s; {rate_before:.0f} req/s before, {rate_after:.0f} req/s after "
        f"(all from B); {len(retried)} retried by nginx from A to B; then B killed too: nginx answers JSON 503"
    )


def make_user(deployment: Deployment, role: str = "CUSTOMER") -> str:
    email = f"load.{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "role": role}
    assert deployment.direct_b.call("POST", "/api/register/", body).status == 201, "register"
    return email


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def post_headers_only(client: Http, path: str, content_length: int) -> Reply:
    """A POST announcing a large body without sending it: the answer must come from the headers."""
    host, port = client.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(content_length))
        connection.endheaders()
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()
