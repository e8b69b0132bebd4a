"""The rig of tests/deploy, built once per module: a throwaway MariaDB database, two
instances sharing it and nginx in front, all on 127.0.0.1.

nginx and MariaDB themselves are provisioned by `make test-deploy` (Debian's nginx installed
when missing, MariaDB started when down), never here. Every wait has a timeout, and the
watchdog bounds the setup and the checks as a whole.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
import uuid
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

import pytest
import redis

from nexora_testkit.live_server import Gunicorn, free_port, migrate, server_env, throwaway_mysql_database
from tests.deploy.rig import LOGIN_LIMIT, MARIADB_URL, REDIS_URL, Deployment, Nginx, find_nginx
from tests.redis_keys import PrefixedKeys, require_redis

CHECKS_DEADLINE_SECONDS = 100  # nginx's install and MariaDB's start-up (make test-deploy) are not counted
LOG_TAIL_LINES = 15
#: Set when a check failed: the work folder (logs) is then kept for a look.
KEEP_WORK = pytest.StashKey[bool]()


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    """Missing nginx fails in CI (it must not pass silently there) and skips elsewhere."""
    found = find_nginx()
    if found is None:
        message = (
            "nginx is not installed: `make test-deploy` installs Debian's nginx-light when run as root, "
            "or run `apt-get install -y --no-install-recommends nginx-light`."
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: the deployment check may not be skipped)", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def store(nginx_binary: str, request: pytest.FixtureRequest) -> Iterator[PrefixedKeys | None]:
    """Where the instances keep their throttle counts: the database unless a module asks for
    Redis too (`parametrize("store", ["database", "redis"], indirect=True, scope="module")`).
    Redis is provisioned by `make test-deploy` (`make redis-up`); unreachable, the Redis run
    fails in CI and skips elsewhere."""
    if getattr(request, "param", "database") == "database":
        yield None
        return
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    require_redis(client, REDIS_URL, "`make test-deploy`")
    found = PrefixedKeys(client, f"nexora-deploy-{uuid.uuid4().hex[:12]}:")
    try:
        yield found
    finally:
        found.clear()


@pytest.fixture(scope="module")
def watchdog(store: PrefixedKeys | None) -> Iterator[None]:
    """Fails the check in progress once the checks run past CHECKS_DEADLINE_SECONDS.

    `deployment` disarms it first thing in its teardown, so stopping the rig is never cut short.
    """

    def on_deadline(signum: int, frame: FrameType | None) -> None:
        pytest.fail(f"the deployment checks took longer than {CHECKS_DEADLINE_SECONDS} s", pytrace=False)

    previous = signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(CHECKS_DEADLINE_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def work(request: pytest.FixtureRequest, store: PrefixedKeys | None) -> Iterator[Path]:
    """Logs and nginx's files, one folder per rig; not under pytest's tmp_path, whose 0700
    parents nginx's workers (user nobody when started as root) could not pass through. Kept
    when a check failed."""
    folder = Path(tempfile.mkdtemp(prefix=f"nexora-deploy-{'redis' if store else 'db'}-"))
    folder.chmod(0o755)
    yield folder
    if request.config.stash.get(KEEP_WORK, False):
        print(f"Logs kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def database_url(watchdog: None) -> Iterator[str]:
    with throwaway_mysql_database(MARIADB_URL, "nexora_deploy") as url:
        yield url
    print(f"[teardown] database {url.rsplit('/', 1)[1]} dropped")


@pytest.fixture(scope="module")
def instances(database_url: str, work: Path, store: PrefixedKeys | None) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    """Instance A and B, two workers each, one database (and Redis, if `store` is) and one
    secret key for both: a token from one instance is good on the other."""
    shared = {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": store.prefix} if store else {}
    env = server_env(
        database_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        TRUSTED_PROXY_COUNT="1",
        LOGIN_RATE=f"{LOGIN_LIMIT}/m",
        **shared,
    )
    migrate(env)
    with ExitStack() as teardown:
        a = Gunicorn(env, work, workers=2, name="instance-a")
        b = Gunicorn(env, work, workers=2, name="instance-b")
        teardown.callback(b.stop)
        teardown.callback(a.stop)
        a.start()
        b.start()
        yield a, b


@pytest.fixture(scope="module")
def nginx(
    request: pytest.FixtureRequest, nginx_binary: str, instances: tuple[Gunicorn, Gunicorn], work: Path
) -> Iterator[Nginx]:
    """deploy/nginx.conf, plus the module's NGINX_TEST_LOCATIONS if it has any."""
    a, b = instances
    server = Nginx(
        nginx_binary,
        work / "nginx",
        free_port(),
        (f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"),
        test_locations=getattr(request.module, "NGINX_TEST_LOCATIONS", ""),
    )
    server.folder.mkdir()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployment(
    nginx_binary: str, watchdog: None, instances: tuple[Gunicorn, Gunicorn], nginx: Nginx, store: PrefixedKeys | None
) -> Iterator[Deployment]:
    """What every check takes. nginx_binary comes first: no database nor server is made when
    the check is to be skipped."""
    a, b = instances
    print(
        f"[setup] instance A 127.0.0.1:{a.port} and B 127.0.0.1:{b.port} (2 workers each, "
        f"TRUSTED_PROXY_COUNT=1, LOGIN_RATE={LOGIN_LIMIT}/m, throttle counts in "
        f"{'Redis' if store else 'MariaDB'}); nginx {nginx.version()} on 127.0.0.1:{nginx.port}"
    )
    yield Deployment(a, b, nginx, store)
    signal.alarm(0)  # before nginx, the instances and the database are stopped: never cut short


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed check carries the tail of every log of the rig, and the logs are kept."""
    report: pytest.TestReport = yield
    folder = getattr(item, "funcargs", {}).get("work")
    if report.failed and isinstance(folder, Path):
        item.config.stash[KEEP_WORK] = True
        for log in sorted(folder.rglob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            report.sections.append((f"{log.relative_to(folder)} (last {len(tail)} lines)", "\n".join(tail)))
    return report
