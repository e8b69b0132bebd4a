"""POST /api/register/ throttled per client address (REGISTER_RATE): a 409 says an address
has an account, so the throttle bounds how fast anyone can test addresses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from api.housekeeping import flush_throttle_windows
from api.models import ThrottleWindow
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory
from tests.accounts.helpers import STRONG_PASSWORD, assert_detail

REGISTER = "/api/register/"
LIMIT = 3


@pytest.fixture(autouse=True)
def register_rate(settings: Any) -> None:
    settings.REGISTER_RATE = f"{LIMIT}/h"
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    """Twenty minutes into an hour, and still: no attempt falls into the next window."""
    with time_machine.travel(timezone.now().replace(minute=20, second=0, microsecond=0), tick=False):
        yield


def sign_up(email: str, client: str = "203.0.113.7", **headers: str) -> Any:
    return ApiClient().post(REGISTER, {"email": email, "password": STRONG_PASSWORD}, REMOTE_ADDR=client, **headers)


def assert_throttled(response: Any) -> None:
    assert_detail(response, 429, code="throttled")
    assert response["Retry-After"] == str(40 * 60)


@pytest.mark.django_db
def test_signups_over_the_rate_429() -> None:
    assert [sign_up(f"new{n}@example.com").status_code for n in range(LIMIT)] == [201] * LIMIT

    assert_throttled(sign_up("one-more@example.com"))
    assert not User.objects.filter(email="one-more@example.com").exists()


@pytest.mark.django_db
def test_probing_taken_addresses_counts_too() -> None:
    taken = [CustomerFactory.create().email for _ in range(LIMIT + 1)]

    statuses = [sign_up(email).status_code for email in taken]

    assert statuses == [409] * LIMIT + [429]


@pytest.mark.django_db
def test_an_idempotency_key_does_not_take_a_refused_attempt_back() -> None:
    """An idempotent create rolls back after an error; the count is made outside that transaction."""
    taken = CustomerFactory.create().email

    statuses = [sign_up(taken, HTTP_IDEMPOTENCY_KEY=f"probe-{n}").status_code for n in range(LIMIT + 1)]

    assert statuses == [409] * LIMIT + [429]


@pytest.mark.django_db
def test_malformed_signups_count_too() -> None:
    for _ in range(LIMIT):
        assert ApiClient().post(REGISTER, {"email": "nope"}, REMOTE_ADDR="203.0.113.7").status_code == 422

    assert_throttled(sign_up("late@example.com"))


@pytest.mark.django_db
def test_other_clients_are_not_affected() -> None:
    for n in range(LIMIT + 1):
        sign_up(f"burst{n}@example.com")

    assert sign_up("elsewhere@example.com", client="198.51.100.20").status_code == 201


@pytest.mark.django_db
def test_the_next_window_allows_again() -> None:
    for n in range(LIMIT + 1):
        sign_up(f"burst{n}@example.com")

    with time_machine.travel(timezone.now().replace(minute=0) + timedelta(hours=1), tick=False):
        assert sign_up("next-hour@example.com").status_code == 201


@pytest.mark.django_db
def test_a_replayed_signup_is_counted_too() -> None:
    """A replay is a request too: it is counted like any other."""
    first = sign_up("once@example.com", HTTP_IDEMPOTENCY_KEY="once")
    for n in range(LIMIT - 1):
        sign_up(f"other{n}@example.com")

    assert first.status_code == 201
    assert_throttled(sign_up("once@example.com", HTTP_IDEMPOTENCY_KEY="once"))
    assert ThrottleWindow.objects.get().count == LIMIT + 1


@pytest.mark.django_db
def test_flush_expired_prunes_finished_signup_and_reset_windows_only() -> None:
    sign_up("counted@example.com")
    ApiClient().post("/api/password/reset/", {"email": "counted@example.com"}, REMOTE_ADDR="203.0.113.7")
    assert ThrottleWindow.objects.count() == 3  # sign-up per client; reset per address and per client

    assert flush_throttle_windows() == 0  # still in their hour
    with time_machine.travel(timezone.now() + timedelta(minutes=42), tick=False):
        assert flush_throttle_windows() == 3
