"""Login throttling: per client address and per e-mail, counted in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from ninja_jwt.token_blacklist.models import OutstandingToken

from accounts.models import ThrottleWindow, User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, CustomerFactory
from tests.accounts.helpers import LOGIN_FAILED, assert_detail, assert_json

LIMIT = 3


@pytest.fixture(autouse=True)
def login_rate(settings: Any) -> None:
    settings.LOGIN_RATE = f"{LIMIT}/m"
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    """Mid-minute and still, so no attempt of a test falls into the next window."""
    with time_machine.travel(timezone.now().replace(second=30, microsecond=0), tick=False):
        yield


def attempt(email: str, password: str = "Wrong-Passw0rd!", **extra: str) -> Any:
    return ApiClient().post("/api/login/", {"email": email, "password": password}, **extra)


def assert_not_throttled(response: Any) -> None:
    assert response.status_code in (200, 401), (response.status_code, response.content)
    if response.status_code == 401:
        assert response.json() == LOGIN_FAILED


def assert_throttled(response: Any) -> None:
    assert_detail(response, 429)
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 1 <= int(retry_after) <= 60


def window(prefix: str) -> ThrottleWindow:
    return ThrottleWindow.objects.get(key__startswith=prefix)


# --- per client address -----------------------------------------------------------------


@pytest.mark.django_db
def test_login_throttle_per_address_fourth_attempt_429() -> None:
    for n in range(LIMIT):
        assert_not_throttled(attempt(f"someone{n}@example.com"))

    assert_throttled(attempt("someone-else@example.com"))


def test_login_throttle_blocks_even_correct_credentials(customer: User) -> None:
    for n in range(LIMIT):
        assert_not_throttled(attempt(f"guess{n}@example.com"))

    assert_throttled(attempt(customer.email, PASSWORD))
    assert not OutstandingToken.objects.exists()


def test_login_throttle_counts_failed_logins_only(customer: User) -> None:
    """A user behind one address who logs in often is never throttled for it."""
    for _ in range(LIMIT + 2):
        assert assert_json(attempt(customer.email, PASSWORD), 200)["user"]["id"] == customer.pk

    assert OutstandingToken.objects.filter(user=customer).count() == LIMIT + 2
    assert set(ThrottleWindow.objects.values_list("count", flat=True)) == {0}


@pytest.mark.django_db
def test_login_throttle_other_address_not_affected() -> None:
    for n in range(LIMIT + 1):
        attempt(f"someone{n}@example.com", REMOTE_ADDR="192.0.2.1")

    assert_not_throttled(attempt("fresh@example.com", REMOTE_ADDR="192.0.2.2"))


@pytest.mark.django_db
def test_login_throttle_new_window_allows_again() -> None:
    for n in range(LIMIT + 1):
        attempt(f"someone{n}@example.com")
    assert_throttled(attempt("again@example.com"))

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert_not_throttled(attempt("later@example.com"))


# --- per e-mail ----------------------------------------------------------------------------


def test_login_throttle_per_email_across_addresses(customer: User) -> None:
    variants = [customer.email, customer.email.upper(), customer.email.title()]
    for n, email in enumerate(variants):
        assert_not_throttled(attempt(email, REMOTE_ADDR=f"198.51.100.{n + 1}"))

    assert_throttled(attempt(customer.email, PASSWORD, REMOTE_ADDR="198.51.100.99"))
    assert not OutstandingToken.objects.exists()


# --- X-Forwarded-For ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_throttle_rotating_xff_ignored_without_trusted_proxy() -> None:
    for n in range(LIMIT):
        assert_not_throttled(attempt(f"someone{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))

    assert_throttled(attempt("someone-else@example.com", HTTP_X_FORWARDED_FOR="203.0.113.200"))
    # Only the socket address was counted, never the header's.
    assert window("login:addr:127.0.0.1:").count == LIMIT + 1
    assert not ThrottleWindow.objects.filter(key__startswith="login:addr:203.0.113.").exists()


@pytest.mark.django_db
def test_login_throttle_trusted_proxy_counts_xff_last_entry(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    # Different clients behind the one proxy: counted apart.
    for n in range(LIMIT + 2):
        assert_not_throttled(attempt(f"client{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", **proxy))

    for n in range(LIMIT + 2):
        assert window(f"login:addr:203.0.113.{n}:").count == 1
    assert not ThrottleWindow.objects.filter(key__startswith="login:addr:10.0.0.1:").exists()


@pytest.mark.django_db
def test_login_throttle_trusted_proxy_spoofed_first_entries_do_not_dodge(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    for n in range(LIMIT):
        spoofed = f"192.0.2.{n}, 203.0.113.7"  # the client forged the first entry; the proxy appended the last
        assert_not_throttled(attempt(f"someone{n}@example.com", HTTP_X_FORWARDED_FOR=spoofed, **proxy))

    assert_throttled(attempt("someone-else@example.com", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7", **proxy))
    assert window("login:addr:203.0.113.7:").count == LIMIT + 1


# --- storage -------------------------------------------------------------------------------------


def test_login_throttle_counts_stored_in_throttle_window(customer: User) -> None:
    for _ in range(LIMIT):
        attempt(customer.email)

    rows = list(ThrottleWindow.objects.order_by("key"))
    assert len(rows) == 3
    by_kind = {row.key.split(":")[1]: row for row in rows}
    assert set(by_kind) == {"addr", "pair", "email"}  # per client, per (address, client), per address
    assert by_kind["addr"].key.startswith("login:addr:127.0.0.1:")
    assert by_kind["addr"].count == by_kind["pair"].count == by_kind["email"].count == LIMIT
    # Each window ends within the rate's period from now.
    for row in rows:
        assert timezone.now() < row.expires_at <= timezone.now() + timedelta(seconds=60)
    # The e-mail address itself is not stored in the key.
    assert all(customer.email not in row.key for row in rows)

    assert_throttled(attempt(customer.email))
    assert {row.key: row.count for row in ThrottleWindow.objects.all()} == {row.key: LIMIT + 1 for row in rows}


@pytest.mark.django_db
def test_login_throttle_invalid_body_not_counted() -> None:
    for _ in range(LIMIT + 1):
        assert ApiClient().post("/api/login/", {"email": 5, "password": PASSWORD}).status_code == 422

    assert not ThrottleWindow.objects.exists()
    assert_not_throttled(attempt("someone@example.com"))


# --- device tokens: an attack on an address cannot lock its owner out -----------------------------


def log_in(email: str, password: str = PASSWORD, **extra: str) -> dict[str, Any]:
    return dict(assert_json(attempt(email, password, **extra), 200))


def test_login_returns_a_device_token_bound_to_the_address(customer: User) -> None:
    first, second = log_in(customer.email)["device_token"], log_in(customer.email)["device_token"]
    assert first != second and len(first) <= 128


def test_owner_with_a_device_token_logs_in_while_the_address_is_attacked(customer: User) -> None:
    device_token = log_in(customer.email, REMOTE_ADDR="198.51.100.7")["device_token"]
    for n in range(LIMIT + 2):  # guesses from many clients, none with a device token
        attempt(customer.email, REMOTE_ADDR=f"203.0.113.{n}")

    # From anywhere without a device token, even the right password is refused ...
    assert_throttled(attempt(customer.email, PASSWORD, REMOTE_ADDR="198.51.100.7"))
    assert_throttled(attempt(customer.email, PASSWORD, REMOTE_ADDR="192.0.2.50"))
    # ... but the owner's device, which sends its token back, gets in.
    body = assert_json(
        ApiClient().post(
            "/api/login/",
            {"email": customer.email, "password": PASSWORD, "device_token": device_token},
            REMOTE_ADDR="198.51.100.7",
        ),
        200,
    )
    assert body["user"]["id"] == customer.pk


def test_a_device_token_is_throttled_per_address_and_device(customer: User) -> None:
    """An attacker who stole a device token still gets LIMIT guesses, no more."""
    device_token = log_in(customer.email)["device_token"]
    for n in range(LIMIT):
        response = ApiClient().post(
            "/api/login/",
            {"email": customer.email, "password": "Wrong-Passw0rd!", "device_token": device_token},
            REMOTE_ADDR=f"203.0.113.{n}",
        )
        assert_not_throttled(response)
    assert_throttled(
        ApiClient().post(
            "/api/login/",
            {"email": customer.email, "password": PASSWORD, "device_token": device_token},
            REMOTE_ADDR="203.0.113.99",
        )
    )


@pytest.mark.parametrize("change", ["password", "email", "other_address", "garbage"])
def test_a_device_token_stops_working(customer: User, change: str) -> None:
    device_token = log_in(customer.email)["device_token"]
    email = customer.email
    if change == "password":
        customer.set_password("Another-Correct-Horse-7")
        customer.save()
        password = "Another-Correct-Horse-7"
    else:
        password = PASSWORD
    if change == "email":
        email = "moved@example.com"
        User.objects.filter(pk=customer.pk).update(email=email)
    if change == "other_address":
        email = CustomerFactory.create().email  # the same password as `customer`: only the address differs
    if change == "garbage":
        device_token = "not.a-token"
    for n in range(LIMIT + 1):
        attempt(email, REMOTE_ADDR=f"203.0.113.{n}")

    refused = ApiClient().post(
        "/api/login/", {"email": email, "password": password, "device_token": device_token}, REMOTE_ADDR="198.51.100.7"
    )
    assert_throttled(refused)
