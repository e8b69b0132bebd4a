"""Two gunicorn instances behind nginx on loopback, sharing MariaDB: the deployment of the
README, checked end to end (`make test-deploy`).

    client --> nginx (deploy/nginx.conf) --+--> instance A (gunicorn, 2 workers) --+--> MariaDB
                                           +--> instance B (gunicorn, 2 workers) --+

Installs Debian's nginx if it is missing and starts MariaDB if it is down, then on a
throwaway database `nexora_deploy_<random>`:

  [0] nginx in front: health, server_tokens off, JSON 413, X-Request-ID passed on;
  [1] a session spans instances: log in on A, use the token, refresh and log out on B/A;
  [2] login throttling counts across instances, per e-mail and per client address;
  [3] instance A is SIGKILLed under load through nginx: every request gets a 200 but
      those A was answering at that instant (nginx retries the ones not yet begun);
  [4] teardown: nginx and both instances stopped, the database dropped, even on failure.

Everything listens on 127.0.0.1 only; every wait has a timeout and the checks as a whole
are bounded by a watchdog. Exit status 0 only when every check passed.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nexora_testkit.live_server import (  # noqa: E402  (needs ROOT on the path)
    Gunicorn,
    Http,
    Reply,
    free_port,
    migrate,
    server_env,
    throwaway_mysql_database,
    wait_until,
)

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
MARIADB_URL = "mysql://root@127.0.0.1:3306/nexora_deploy"  # server only: the database is a throwaway one
CHECKS_DEADLINE_SECONDS = 100  # the watchdog: nginx install and MariaDB start-up are not counted
LOGIN_LIMIT = 5
PASSWORD = "deploy-Correct-Horse-9"
# The instances trust one proxy (TRUSTED_PROXY_COUNT=1). Called directly, the check stands
# in for nginx and says which client it is, as nginx would (a documentation address).
DIRECT_CLIENT = "192.0.2.1"
APT_INSTALL = ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
LOAD_THREADS = 8
LOAD_SECONDS = 6.0
KILL_AFTER_SECONDS = 2.0


class CheckFailed(Exception):
    """A check saw something other than what the deployment promises."""


class Watchdog(BaseException):
    """The checks ran past CHECKS_DEADLINE_SECONDS (BaseException: no handler swallows it)."""


def expect(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def expect_true(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


def say(message: str) -> None:
    print(message, flush=True)


# --- provisioning ----------------------------------------------------------------------


def find_nginx() -> str | None:
    """On PATH, or in /usr/sbin, which a non-root PATH may lack."""
    if found := shutil.which("nginx"):
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def ensure_nginx() -> str:
    """Debian's nginx, installed with apt-get when missing (its service kept from starting)."""
    found = find_nginx()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise CheckFailed("nginx is not installed and this user cannot install it: "
                          "run `apt-get install -y --no-install-recommends nginx-light` as root.")
    say("nginx is missing: installing Debian's nginx-light with apt-get.")
    with services_kept_stopped():
        # The package lists may be missing or stale on a fresh machine: update once, then retry;
        # `nginx` is the fallback on releases that dropped the nginx-light flavour.
        for command in (APT_INSTALL + ["nginx-light"], ["apt-get", "update", "-q"], APT_INSTALL + ["nginx-light"],
                        APT_INSTALL + ["nginx"]):
            result = subprocess.run(command, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                                    stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                say(f"  `{' '.join(command)}` failed: {result.stderr.strip()[-300:]}")
            elif command[1] == "install" and (found := find_nginx()):
                return found
    raise CheckFailed("Could not install nginx with apt-get (see above).")


@contextmanager
def services_kept_stopped() -> Iterator[None]:
    """Debian's policy-rc.d convention: the package must not start nginx on port 80 of every
    address. Docker images already ship a policy-rc.d that refuses; only if there is none is
    one put in place for the install, and removed afterwards."""
    policy = Path("/usr/sbin/policy-rc.d")
    if policy.exists():
        yield
        return
    policy.write_text("#!/bin/sh\n# Written by deploy/check_two_instances.py for the duration of an install.\nexit 101\n")
    policy.chmod(0o755)
    try:
        yield
    finally:
        policy.unlink(missing_ok=True)


def ensure_mariadb() -> None:
    """MariaDB on 127.0.0.1:3306, started if it is down (the script `make mariadb-up` runs)."""
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "wait_for_mariadb.py"), "--start"], timeout=90)
    if result.returncode != 0:
        raise CheckFailed("MariaDB is not reachable on 127.0.0.1:3306.")


# --- nginx -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    """One line of nginx's access log (format `nexora` in deploy/nginx.conf, plus the time)."""

    at: float
    method: str
    path: str
    status: int
    request_id: str
    upstreams: tuple[str, ...]

    @property
    def answered_by(self) -> str:
        return self.upstreams[-1] if self.upstreams else ""


_LOG_LINE = re.compile(
    r'^(?P<at>\d+\.\d+) \S+ \[[^]]+\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) \d+ '
    r"rid=(?P<rid>\S+) upstream=(?P<upstream>.*?) upstream_status=.* request_time=\S+$"
)


class Nginx:
    """nginx run as a plain subprocess: deploy/nginx.conf rendered inside a throwaway main
    config whose pid file, logs and temporary files all live in `folder`."""

    def __init__(self, binary: str, folder: Path, listen_port: int, instances: tuple[str, str]) -> None:
        self.binary = binary
        self.folder = folder
        self.port = listen_port
        self.instances = instances
        self.access_log = folder / "nginx.access.log"
        self.error_log = folder / "nginx.error.log"
        self.config = folder / "nginx.main.conf"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = Http(f"http://127.0.0.1:{listen_port}", timeout=10)

    def render(self) -> None:
        site = Template(NGINX_TEMPLATE.read_text()).safe_substitute(
            NEXORA_LISTEN=f"127.0.0.1:{self.port}",
            NEXORA_SERVER_NAME="127.0.0.1",
            NEXORA_INSTANCE_A=self.instances[0],
            NEXORA_INSTANCE_B=self.instances[1],
            NEXORA_ACCESS_LOG=str(self.access_log),
        )
        left = re.findall(r"\$\{NEXORA_\w+\}", site)
        expect(left, [], "placeholders of deploy/nginx.conf left unfilled")
        # The time of each line to the millisecond, so lines can be placed before or after the kill.
        timed_site = site.replace("log_format nexora '$remote_addr", "log_format nexora '$msec $remote_addr")
        expect_true(timed_site != site, "deploy/nginx.conf's log_format nexora starts with $remote_addr")
        site = timed_site
        (self.folder / "nexora.conf").write_text(site)
        # Run as root, nginx's workers run as `nobody`: they must reach the temporary folders.
        self.folder.chmod(0o755)
        temp = {name: self.folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
        self.config.write_text(
            "# Generated by deploy/check_two_instances.py: a throwaway nginx around deploy/nginx.conf.\n"
            "daemon off;\nworker_processes 1;\n"
            f"pid {self.folder / 'nginx.pid'};\nerror_log {self.error_log} warn;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            + "".join(f"    {name}_temp_path {path};\n" for name, path in temp.items())
            + f"    include {self.folder / 'nexora.conf'};\n}}\n"
        )

    def start(self) -> Nginx:
        self.render()
        command = [self.binary, "-p", str(self.folder), "-e", str(self.error_log), "-c", str(self.config)]
        test = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=20)
        if test.returncode != 0:
            raise CheckFailed(f"nginx refuses the rendered deploy/nginx.conf:\n{test.stderr}")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(lambda: self.http.call("GET", "/api/health/").status == 200, 15, what="nginx answering /api/health/")
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def logged_with(self, request_ids: list[str]) -> dict[str, Logged]:
        """The lines of these requests: nginx writes a line just after the response, so wait for it."""
        found: dict[str, Logged] = {}

        def all_logged() -> bool:
            found.update({entry.request_id: entry for entry in self.logged() if entry.request_id in request_ids})
            return len(found) == len(request_ids)

        wait_until(all_logged, 5, what=f"nginx's log lines of {request_ids}")
        return found

    def logged(self) -> list[Logged]:
        entries = []
        for line in self.access_log.read_text(errors="replace").splitlines():
            match = _LOG_LINE.match(line)
            if match:
                upstreams = tuple(part.strip() for part in match["upstream"].split(",") if part.strip() != "-")
                entries.append(Logged(float(match["at"]), match["method"], match["path"], int(match["status"]),
                                      match["rid"], upstreams))
        return entries

    def version(self) -> str:
        result = subprocess.run([self.binary, "-v"], capture_output=True, text=True, timeout=10)
        return result.stderr.strip().rsplit("/", 1)[-1]


# --- the checks --------------------------------------------------------------------------


@dataclass
class Deployment:
    a: Gunicorn
    b: Gunicorn
    nginx: Nginx

    @property
    def direct_a(self) -> Http:
        return Http(self.a.http.base, timeout=10, headers={"X-Forwarded-For": DIRECT_CLIENT})

    @property
    def direct_b(self) -> Http:
        return Http(self.b.http.base, timeout=10, headers={"X-Forwarded-For": DIRECT_CLIENT})

    @property
    def front(self) -> Http:
        return self.nginx.http

    def address(self, instance: Gunicorn) -> str:
        return f"127.0.0.1:{instance.port}"


def check_nginx_front(deployment: Deployment) -> str:
    front = deployment.front
    health = front.call("GET", "/api/health/")
    expect((health.status, health.json()), (200, {"status": "ok", "database": "ok"}), "GET /api/health/ through nginx")
    expect(health.headers.get("server"), "nginx", "Server header (server_tokens off: no version)")

    too_big = post_headers_only(front, "/api/register/", content_length=2 * 1024 * 1024)
    expect(too_big.status, 413, "a 2 MiB body through nginx")
    expect(too_big.headers.get("content-type"), "application/json", "Content-Type of nginx's 413")
    expect(too_big.json(), {"detail": "Request body is too large."}, "body of nginx's 413")

    sane = f"deploy-check-{uuid.uuid4().hex[:8]}"
    front.call("GET", "/api/health/?sane", headers={"X-Request-ID": sane})
    front.call("GET", "/api/health/?insane", headers={"X-Request-ID": "not sane; <script>"})
    deployment.nginx.logged_with([sane])
    wait_until(lambda: any(entry.path == "/api/health/?insane" for entry in deployment.nginx.logged()), 5,
               what="nginx's log line of the insane X-Request-ID")
    replaced = [entry.request_id for entry in deployment.nginx.logged() if entry.path == "/api/health/?insane"]
    expect_true(re.fullmatch(r"[0-9a-f]{32}", replaced[0]) is not None,
                f"an insane X-Request-ID replaced by nginx's own id, got {replaced[0]!r}")
    return "health 200 through nginx; Server: nginx; 2 MiB body -> JSON 413; X-Request-ID kept or replaced"


def check_session_across_instances(deployment: Deployment) -> str:
    a, b = deployment.direct_a, deployment.direct_b
    email = f"deploy.{uuid.uuid4().hex[:8]}@example.com"
    expect(a.call("POST", "/api/register/", {"email": email, "password": PASSWORD}).status, 201, "register on A")
    login = a.call("POST", "/api/login/", {"email": email, "password": PASSWORD})
    expect(login.status, 200, "login on A")
    pair = login.json()

    profile = b.call("GET", "/api/profile/", token=pair["access"])
    expect((profile.status, profile.json()["email"]), (200, email), "A's access token on B: GET /api/profile/")
    created = b.call("POST", "/api/tasks/", {"title": "Made on B"}, token=pair["access"])
    expect(created.status, 201, "create a task on B")
    read = a.call("GET", f"/api/tasks/{created.json()['id']}/", token=pair["access"])
    expect((read.status, read.json()), (200, created.json()), "read B's task on A")

    refreshed = b.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]})
    expect(refreshed.status, 200, "refresh A's refresh token on B")
    expect(a.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]}).status, 401,
           "the rotated-out refresh token on A")
    new_refresh = refreshed.json()["refresh"]
    expect(a.call("POST", "/api/logout/", {"refresh": new_refresh}).status, 204, "log out on A")
    expect(b.call("POST", "/api/token/refresh/", {"refresh": new_refresh}).status, 401,
           "the logged-out refresh token on B")
    return ("login A; profile + task on B, task read on A; refresh on B, old refresh 401 on A; "
            "logout on A, refresh 401 on B")


def check_throttle_across_instances(deployment: Deployment) -> str:
    limit = LOGIN_LIMIT
    a, b = deployment.direct_a, deployment.direct_b

    # Per e-mail: each attempt from another client address, so only the e-mail's count can trip.
    wait_for_window_margin(seconds=10)
    email = f"victim.{uuid.uuid4().hex[:8]}@example.com"
    statuses, retry_after = [], []
    for attempt in range(limit + 2):
        instance = (a, b)[attempt % 2]
        reply = instance.call("POST", "/api/login/", {"email": email, "password": "wrong-password-1"},
                              headers={"X-Forwarded-For": f"198.51.100.{attempt + 1}"})
        statuses.append(reply.status)
        retry_after.append(reply.headers.get("retry-after"))
    expect(statuses, [401] * limit + [429, 429], f"{limit + 2} failed logins for one e-mail, alternately on A and B")
    assert_throttled_reply_headers(retry_after[limit:], "per e-mail")

    # Per client address, through nginx: nginx appends the address it saw (127.0.0.1), so a
    # forged X-Forwarded-For from the client changes nothing.
    wait_for_window_margin(seconds=10)
    run = uuid.uuid4().hex[:8]
    statuses, retry_after, request_ids = [], [], []
    for attempt in range(limit + 2):
        request_id = f"throttle-{run}-{attempt}"
        reply = deployment.front.call(
            "POST", "/api/login/", {"email": f"nobody.{run}.{attempt}@example.com", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}", "X-Request-ID": request_id})
        statuses.append(reply.status)
        retry_after.append(reply.headers.get("retry-after"))
        request_ids.append(request_id)
    expect(statuses, [401] * limit + [429, 429],
           f"{limit + 2} failed logins from one client through nginx, each with a forged X-Forwarded-For")
    assert_throttled_reply_headers(retry_after[limit:], "per address")
    logged = deployment.nginx.logged_with(request_ids)
    instances = [logged[request_id].answered_by for request_id in request_ids]
    both = {deployment.address(deployment.a), deployment.address(deployment.b)}
    expect(set(instances), both, "instances that answered the logins through nginx")
    expect(set(instances[limit:]), both, "instances that answered 429")
    return (f"one e-mail: {limit}x401 then 429 on B and on A (Retry-After {retry_after[limit]}); "
            f"one client via nginx, forged X-Forwarded-For: {limit}x401 then 429 from A and from B")


def assert_throttled_reply_headers(retry_after: list[str | None], what: str) -> None:
    for value in retry_after:
        expect_true(value is not None and value.isdigit() and 1 <= int(value) <= 60,
                    f"Retry-After of a 429 ({what}) should be 1..60 seconds, got {value!r}")


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


def check_kill_under_load(deployment: Deployment) -> str:
    login = deployment.direct_b.call("POST", "/api/login/", {"email": make_user(deployment), "password": PASSWORD})
    expect(login.status, 200, "login for the load")
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
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER_SECONDS)
    killed_pids = {deployment.a.master_pid, *deployment.a.worker_pids()}
    killing = time.monotonic()
    deployment.a.kill()
    killed = time.monotonic()
    time.sleep(LOAD_SECONDS - KILL_AFTER_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    ended = time.monotonic()

    expect_true(all(not Path(f"/proc/{pid}").exists() for pid in killed_pids), "instance A's processes all gone")
    expect_true(refuses(deployment.a.port), "instance A's port refuses connections after the kill")
    failures = [outcome for outcome in outcomes if outcome.status != 200]
    # A request A was answering when SIGKILL hit may be cut after nginx sent its headers on
    # (nginx cannot retry once the client has bytes): at most one per load thread, and only
    # those in flight at that moment. Every other request must get a 200.
    cut_in_flight = [outcome for outcome in failures if outcome.started <= killed and outcome.finished >= killing]
    expect(failures[:5], cut_in_flight[:5],
           f"requests through nginx that did not get a 200 ({len(failures)} of {len(outcomes)}), "
           "other than those A was answering when it was killed")
    expect_true(len(cut_in_flight) <= LOAD_THREADS, f"at most one cut request per load thread ({len(cut_in_flight)})")
    before = [outcome for outcome in outcomes if outcome.finished <= killed]
    after = [outcome for outcome in outcomes if outcome.started > killed]
    rate_before = len(before) / (killed - began)
    rate_after = len(after) / (ended - killed)
    expect_true(rate_after > 0, "requests per second after the kill")

    a_address, b_address = deployment.address(deployment.a), deployment.address(deployment.b)

    def load_lines() -> list[Logged]:
        return [entry for entry in deployment.nginx.logged() if entry.path == "/api/tasks/"]

    wait_until(lambda: len(load_lines()) >= len(outcomes), 5, what="nginx's log lines of every load request")
    tasks = load_lines()
    expect(len(tasks), len(outcomes), "nginx's log lines of the load requests")
    logged_before = [entry for entry in tasks if entry.at < began + wall_offset + KILL_AFTER_SECONDS - 0.5]
    logged_after = [entry for entry in tasks if entry.at > killed + wall_offset + 0.05]
    expect({entry.answered_by for entry in logged_before}, {a_address, b_address}, "instances answering before the kill")
    expect({entry.answered_by for entry in logged_after}, {b_address}, "instances answering after the kill")
    retried = [entry for entry in tasks if len(entry.upstreams) > 1]
    expect({(entry.upstreams, entry.status) for entry in retried} <= {((a_address, b_address), 200)}, True,
           f"retried requests went from A to B and got 200: {retried[:3]}")

    # Both instances gone: nginx's own answer keeps the API's shape (JSON 503, Retry-After).
    deployment.b.kill()
    nobody = deployment.front.call("GET", "/api/tasks/", token=token)
    expect((nobody.status, nobody.headers.get("content-type"), nobody.headers.get("retry-after"), nobody.json()),
           (503, "application/json", "5", {"detail": "The service is temporarily unavailable."}),
           "nginx's answer with both instances down")
    return (f"{len(outcomes)} requests from {LOAD_THREADS} threads in {ended - began:.1f} s, "
            f"{len(cut_in_flight)} cut in flight by the kill, none other failed; "
            f"A killed at {killed - began:.1f} s; {rate_before:.0f} req/s before, {rate_after:.0f} req/s after "
            f"(all from B); {len(retried)} retried by nginx from A to B; then B killed too: nginx answers JSON 503")


def make_user(deployment: Deployment) -> str:
    email = f"load.{uuid.uuid4().hex[:8]}@example.com"
    expect(deployment.direct_b.call("POST", "/api/register/", {"email": email, "password": PASSWORD}).status, 201,
           "register for the load")
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


# --- the run -----------------------------------------------------------------------------


def timed(label: str, check: Callable[[], str]) -> None:
    started = time.monotonic()
    summary = check()
    say(f"{label} ok ({time.monotonic() - started:.1f} s): {summary}")


def run(work: Path) -> None:
    started = time.monotonic()
    nginx_binary = ensure_nginx()
    ensure_mariadb()
    say(f"[setup] nginx at {nginx_binary}, MariaDB on 127.0.0.1:3306 ({time.monotonic() - started:.1f} s)")

    def on_deadline(signum: int, frame: object) -> None:
        raise Watchdog(f"the checks took longer than {CHECKS_DEADLINE_SECONDS} s")

    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(CHECKS_DEADLINE_SECONDS)
    checks_started = time.monotonic()
    with ExitStack() as teardown:
        database_url = teardown.enter_context(throwaway_mysql_database(MARIADB_URL, "nexora_deploy"))
        database = database_url.rsplit("/", 1)[1]
        teardown.callback(say, f"[4] teardown: nginx and both instances stopped, database {database} dropped")
        # One secret key and one database for both: a token from one instance is good on the other.
        env = server_env(database_url, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), TRUSTED_PROXY_COUNT="1",
                         LOGIN_RATE=f"{LOGIN_LIMIT}/m")
        migrate(env)
        a = Gunicorn(env, work, workers=2, name="instance-a")
        b = Gunicorn(env, work, workers=2, name="instance-b")
        teardown.callback(b.stop)
        teardown.callback(a.stop)
        a.start()
        b.start()
        nginx = Nginx(nginx_binary, work / "nginx", free_port(), (f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"))
        nginx.folder.mkdir()
        teardown.callback(nginx.stop)
        nginx.start()
        teardown.callback(signal.alarm, 0)  # runs first: the teardown is not cut short
        say(f"[setup] database {database} migrated; instance A 127.0.0.1:{a.port} and B 127.0.0.1:{b.port} "
            f"(2 workers each, TRUSTED_PROXY_COUNT=1, LOGIN_RATE={LOGIN_LIMIT}/m); nginx {nginx.version()} on "
            f"127.0.0.1:{nginx.port} ({time.monotonic() - checks_started:.1f} s)")

        deployment = Deployment(a, b, nginx)
        timed("[0] nginx in front", lambda: check_nginx_front(deployment))
        timed("[1] session across instances", lambda: check_session_across_instances(deployment))
        timed("[2] throttle shared", lambda: check_throttle_across_instances(deployment))
        timed("[3] instance killed under load", lambda: check_kill_under_load(deployment))


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="nexora-deploy-"))
    work.chmod(0o755)  # nginx's workers (user nobody when started as root) reach their folder through it
    try:
        run(work)
    except (CheckFailed, Watchdog, Exception) as failure:
        if not isinstance(failure, CheckFailed):
            traceback.print_exc()
        say(f"FAILED: {type(failure).__name__}: {failure}")
        for log in sorted(work.rglob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            say(f"--- {log.relative_to(work)} (last {len(tail)} lines)\n" + "\n".join(tail))
        say(f"Logs kept in {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    say(f"PASSED: two instances behind nginx, 4 checks, in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
