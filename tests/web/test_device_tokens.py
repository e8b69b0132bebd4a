"""The web client keeps the log-in's device token and sends it back: in a real browser, an
attack on the address from elsewhere does not lock out a browser that has logged in
before, while a browser that never has is refused (docs/api.md, "Tokens")."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from nexora_testkit.live_server import Gunicorn
from tests.web.browser import Page
from tests.web.conftest import Account, sign_in, sign_up

pytestmark = pytest.mark.browser

Browser = Callable[[str, Gunicorn], Page]
LIMIT = 3
ATTACKER = "203.0.113.66"


@pytest.fixture(scope="module")
def throttled_server(
    chromium: None, bundle: object, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    """The rig's database with a low LOGIN_RATE; X-Forwarded-For is believed (one proxy), so
    the attack can come from another address than the browsers (which send none)."""
    throttled = {**env, "LOGIN_RATE": f"{LIMIT}/m", "TRUSTED_PROXY_COUNT": "1"}
    with Gunicorn(throttled, tmp_path_factory.mktemp("throttled-logs"), workers=2, name="throttled") as gunicorn:
        yield gunicorn


def attack(server: Gunicorn, email: str) -> list[int]:
    """Wrong passwords for `email` from another address, until its per-address count is full."""
    return [
        server.http.call(
            "POST",
            "/api/login/",
            {"email": email, "password": "Wrong-Passw0rd!"},
            headers={"X-Forwarded-For": ATTACKER},
        ).status
        for _ in range(LIMIT + 1)
    ]


def device_tokens_of(page: Page) -> list[list[str]]:
    stored = page.script("return localStorage.getItem('nexora.deviceTokens')")
    return list(json.loads(stored)) if stored else []


def test_a_browser_that_logged_in_before_is_not_locked_out_by_an_attack(
    throttled_server: Gunicorn, browser: Browser
) -> None:
    owner: Account = sign_up(throttled_server)
    known = browser("known", throttled_server)
    sign_in(known, owner)
    [[address, token]] = device_tokens_of(known)
    assert address == owner.email and token
    known.click("Log out")
    known.wait_for_path("/login")

    assert attack(throttled_server, owner.email) == [401] * LIMIT + [429]

    # A browser that never logged in here meets the per-address limit.
    stranger = browser("stranger", throttled_server)
    stranger.open("/login")
    stranger.fill("Email", owner.email)
    stranger.fill("Password", owner.password)
    stranger.click("Log in")
    stranger.wait_for_text("Too many attempts.")
    assert stranger.path == "/login"
    assert device_tokens_of(stranger) == []

    # The owner's browser sends its device token back: counted apart, let in.
    sign_in(known, owner)
    [[_, renewed]] = device_tokens_of(known)
    assert renewed
