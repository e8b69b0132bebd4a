"""The rig of tests/web: the built web client served by gunicorn on loopback (the same
server `make serve` runs, on a throwaway database), and headless chromium browsers on it.

`make test-web` builds the client and installs chromium first; without either, these tests
are skipped, or fail when CI is set. When a test fails, a screenshot and the HTML of each of
its browsers' pages are kept in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nexora_testkit.live_server import ROOT, Gunicorn, migrate, server_env, throwaway_database
from tests.web.browser import Page, missing, start_chromium

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
BUNDLE = ROOT / "web" / "dist" / "index.html"
PASSWORD = "web-Correct-Horse-9"
#: Browser console messages that mean the page broke its own Content-Security-Policy.
CSP_VIOLATION = re.compile(r"Content Security Policy|Trusted ?Type|TrustedHTML|TrustedScript", re.IGNORECASE)

PAGES = pytest.StashKey[list[tuple[str, Page]]]()
KEPT = pytest.StashKey[bool]()


def require(found: bool, message: str) -> None:
    """Missing provisioning fails in CI (it must not pass silently there) and skips elsewhere."""
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: the browser tests may not be skipped)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> None:
    gone = missing()
    require(
        not gone,
        f"{', '.join(gone)} not found: `make test-web` installs Debian's chromium and chromium-driver "
        "when run as root (`apt-get install -y --no-install-recommends chromium chromium-driver`).",
    )


@pytest.fixture(scope="session")
def bundle() -> Path:
    require(BUNDLE.is_file(), "The web client is not built: run `make web` (`make test-web` builds it first).")
    return BUNDLE


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The servers' environment, on a throwaway database (SQLite, or MariaDB in a MySQL run)."""
    with throwaway_database(os.environ.get("DATABASE_URL", ""), tmp_path_factory.mktemp("web-db"), "nexora_web") as url:
        server = server_env(url, LOGIN_RATE="1000/m")
        migrate(server)
        yield server


@pytest.fixture(scope="module")
def server(
    chromium: None, bundle: Path, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    with Gunicorn(env, tmp_path_factory.mktemp("web-logs"), workers=2, name="web") as gunicorn:
        yield gunicorn


@pytest.fixture(scope="module")
def short_token_server(
    chromium: None, bundle: Path, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    """The same database, with access tokens that expire after a few seconds."""
    with Gunicorn(
        env,
        tmp_path_factory.mktemp("short-logs"),
        workers=2,
        name="short-tokens",
        settings_module="tests.web.short_tokens_settings",
    ) as gunicorn:
        yield gunicorn


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    id: int
    role: str

    @property
    def first_name(self) -> str:
        """The first name `sign_up` gives the account (its role's)."""
        return self.role.title()


def sign_up(on: Gunicorn, role: str = "CUSTOMER") -> Account:
    """A new user with that role, signed up through the API of `on` (an ADMIN is then promoted
    with `manage.py set_role`, as an operator would)."""
    email = f"{role.lower()}.{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "first_name": role.title()}
    if role == "SELLER":
        body["role"] = role
    reply = on.http.call("POST", "/api/register/", body)
    assert reply.status == 201, reply.body
    if role == "ADMIN":
        subprocess.run(
            [sys.executable, "manage.py", "set_role", email, role],
            cwd=ROOT,
            env=on.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
    return Account(email, PASSWORD, reply.json()["id"], role)


@pytest.fixture
def account(server: Gunicorn) -> Callable[[str], Account]:
    """`account("SELLER")`: a new user with that role (see `sign_up`)."""
    return functools.partial(sign_up, server)


def sign_in(page: Page, account: Account) -> None:
    """Log in from the log-in page, as `account`; on to the task list."""
    page.open("/login")
    page.fill("Email", account.email)
    page.fill("Password", account.password)
    page.click("Log in")
    page.wait_for_path("/tasks")
    page.wait_for_text(f"Signed in as {account.email}")


def refresh_token_of(page: Page) -> str | None:
    token = page.script("return sessionStorage.getItem('nexora.refresh')")
    return str(token) if token is not None else None


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path) -> Generator[Callable[..., Page]]:
    """`browser("seller", server)`: a new headless chromium on `server`'s web client. At the end,
    no page may have broken the Content-Security-Policy (its console says so)."""
    pages = request.node.stash.setdefault(PAGES, [])

    def start(name: str, on: Gunicorn) -> Page:
        page = Page(start_chromium(tmp_path), on.http.base)
        pages.append((name, page))
        return page

    yield start
    try:
        violations = [
            f"{name}: {message}"
            for name, page in pages
            for message in page.console_errors()
            if CSP_VIOLATION.search(message)
        ]
        if violations:
            keep_pages(request.node, "csp")
        assert not violations, "The pages broke their Content-Security-Policy:\n" + "\n".join(violations)
    finally:
        for _, page in pages:
            page.driver.quit()


def keep_pages(item: pytest.Item, when: str) -> None:
    """A screenshot and the HTML of each browser of `item`, under test-artifacts/screenshots/
    (emptied at the first failure of a run, so it holds that run's failures only)."""
    if not item.session.stash.get(KEPT, False):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
        item.session.stash[KEPT] = True
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
    for name, page in item.stash.get(PAGES, []):
        stem = SCREENSHOTS / f"{test}-{when}-{name}"
        try:
            page.driver.save_screenshot(str(stem.with_suffix(".png")))
            stem.with_suffix(".html").write_text(page.driver.page_source, encoding="utf-8")
        except Exception as error:  # a browser that crashed leaves nothing to keep
            stem.with_suffix(".txt").write_text(f"no screenshot: {error}\n", encoding="utf-8")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the pages of a test that failed (its browsers are still open: fixtures end later)."""
    report = yield
    if report.failed and report.when == "call":
        keep_pages(item, report.when)
        report.sections.append(("browser pages", f"kept in {SCREENSHOTS.relative_to(ROOT)}/"))
    return report
