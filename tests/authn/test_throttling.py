"""Login throttling: per client address and per e-mail, counted in the database, and every
test again with the counts in Redis (REDIS_URL): the `store` fixture runs each twice.

The Redis run uses the local server (`REDIS_TEST_URL`, default redis://127.0.0.1:6379/15)
under a key prefix of its own. Unreachable, it is skipped, or fails when `CI` is set: CI
(.ci/run) starts redis-server, so a green CI has counted in Redis.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from api.models import ThrottleWindow
from api.throttle_store import forget_known_full, password_attempt, redis_client
from api.throttling import Rate, Throttled
from authn.models import LoginSession
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, CustomerFactory
from tests.accounts.helpers import LOGIN_FAILED, assert_detail, assert_json
from tests.redis_keys import PrefixedKeys, require_redis

LIMIT = 3


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


class Store:
    """Where the counts are, read back the same way for both stores: {key: count}."""

    def __init__(self, name: str, keys: PrefixedKeys | None = None) -> None:
        self.name = name
        self.keys = keys

    def counts(self) -> dict[str, int]:
        if self.keys is None:
            return dict(ThrottleWindow.objects.values_list("key", "count"))
        return self.keys.counts()

    def count(self, key_prefix: str) -> int:
        """The one window whose key starts with `key_prefix`."""
        found = [count for key, count in self.counts().items() if key.startswith(key_prefix)]
        assert len(found) == 1, (key_prefix, self.counts())
        return found[0]

    def has(self, key_prefix: str) -> bool:
        return any(key.startswith(key_prefix) for key in self.counts())


@pytest.fixture(autouse=True, params=["database", "redis"])
def store(request: pytest.FixtureRequest, settings: Any) -> Iterator[Store]:
    settings.LOGIN_RATE = f"{LIMIT}/m"
    settings.TRUSTED_PROXY_COUNT = 0
    if request.param == "database":
        settings.REDIS_URL = ""
        yield Store("database")
        return
    client = redis_client(REDIS_TEST_URL)
    require_redis(client, REDIS_TEST_URL, ".ci/run")
    keys = PrefixedKeys(client)
    settings.REDIS_URL = REDIS_TEST_URL
    settings.REDIS_KEY_PREFIX = keys.prefix
    try:
        yield Store("redis", keys)
    finally:
        keys.clear()


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
    assert not LoginSession.objects.exists()


def test_login_throttle_counts_failed_logins_only(customer: User, store: Store) -> None:
    """A user behind one address who logs in often is never throttled for it."""
    for _ in range(LIMIT + 2):
        assert assert_json(attempt(customer.email, PASSWORD), 200)["user"]["id"] == customer.pk

    assert LoginSession.objects.filter(user=customer).count() == LIMIT + 2
    assert store.counts() == {}  # a right password only reads the counts


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
    assert not LoginSession.objects.exists()


# --- X-Forwarded-For ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_throttle_rotating_xff_ignored_without_trusted_proxy(store: Store) -> None:
    for n in range(LIMIT):
        assert_not_throttled(attempt(f"someone{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))

    assert_throttled(attempt("someone-else@example.com", HTTP_X_FORWARDED_FOR="203.0.113.200"))
    # Only the socket address was counted, never the header's.
    assert store.count("login:addr:127.0.0.1:") == LIMIT
    assert not store.has("login:addr:203.0.113.")


@pytest.mark.django_db
def test_login_throttle_trusted_proxy_counts_xff_last_entry(settings: Any, store: Store) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    # Different clients behind the one proxy: counted apart.
    for n in range(LIMIT + 2):
        assert_not_throttled(attempt(f"client{n}@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", **proxy))

    for n in range(LIMIT + 2):
        assert store.count(f"login:addr:203.0.113.{n}:") == 1
    assert not store.has("login:addr:10.0.0.1:")


@pytest.mark.django_db
def test_login_throttle_trusted_proxy_spoofed_first_entries_do_not_dodge(settings: Any, store: Store) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    for n in range(LIMIT):
        spoofed = f"192.0.2.{n}, 203.0.113.7"  # the client forged the first entry; the proxy appended the last
        assert_not_throttled(attempt(f"someone{n}@example.com", HTTP_X_FORWARDED_FOR=spoofed, **proxy))

    assert_throttled(attempt("someone-else@example.com", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7", **proxy))
    assert store.count("login:addr:203.0.113.7:") == LIMIT


# --- storage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["database"], indirect=True)
def test_login_throttle_counts_stored_in_throttle_window(customer: User, store: Store) -> None:
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
    # Refused before its password was checked: the windows are full, nothing more to count.
    assert {row.key: row.count for row in ThrottleWindow.objects.all()} == {row.key: LIMIT for row in rows}


@pytest.mark.django_db
def test_login_throttle_invalid_body_not_counted(store: Store) -> None:
    for _ in range(LIMIT + 1):
        assert ApiClient().post("/api/login/", {"email": 5, "password": PASSWORD}).status_code == 422

    assert store.counts() == {}
    assert_not_throttled(attempt("someone@example.com"))


@pytest.mark.parametrize("store", ["redis"], indirect=True)
def test_login_throttle_counts_stored_in_redis(customer: User, store: Store) -> None:
    for _ in range(LIMIT):
        attempt(customer.email)

    counts = store.counts()
    assert {key.split(":")[1] for key in counts} == {"addr", "pair", "email"}
    assert set(counts.values()) == {LIMIT}
    assert not ThrottleWindow.objects.exists()  # nothing in the database
    assert store.keys is not None
    for key in counts:  # each key expires by itself, within a window and a second
        assert 0 < store.keys.client.ttl(store.keys.prefix + key) <= 61
    assert all(customer.email not in key for key in counts)

    assert_throttled(attempt(customer.email))
    assert set(store.counts().values()) == {LIMIT}


@pytest.mark.parametrize("store", ["redis"], indirect=True)
def test_login_answers_503_when_redis_is_unreachable(customer: User, store: Store, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nobody listens

    response = attempt(customer.email, PASSWORD)

    assert response.status_code == 503
    assert response.json() == {"detail": "The service is temporarily unavailable.", "code": "service_unavailable"}
    assert response["Retry-After"].isdigit()
    assert not LoginSession.objects.exists()


def test_a_full_window_refuses_before_any_password_is_hashed(customer: User) -> None:
    """Once this process has seen a window full, a flood on it costs no Argon2 hash."""
    hashed: list[str] = []
    for _ in range(LIMIT):
        attempt(customer.email)

    with patch.object(User, "check_password", autospec=True, side_effect=lambda user, raw: hashed.append(raw)):
        for _ in range(5):
            assert_throttled(attempt(customer.email))
        assert_throttled(attempt(customer.email, PASSWORD))
    assert hashed == []


def test_another_process_checks_the_password_then_refuses_by_the_stored_count(customer: User, store: Store) -> None:
    """A process that has not seen the window full (another worker or instance) learns it
    from the store, after the check: the right password is refused too, and not counted."""
    for _ in range(LIMIT):
        attempt(customer.email)
    forget_known_full()

    assert_throttled(attempt(customer.email, PASSWORD))
    assert set(store.counts().values()) == {LIMIT}
    forget_known_full()
    assert_throttled(attempt(customer.email))
    assert set(store.counts().values()) == {LIMIT + 1}
    assert not LoginSession.objects.exists()


def test_a_window_remembered_full_but_emptied_in_the_store_refuses_nothing(customer: User, store: Store) -> None:
    """What a process remembers is a hint the store confirms: emptied meanwhile (counts
    flushed, a test's database rolled back), the window is believed empty, with no reset."""
    for _ in range(LIMIT):
        attempt(customer.email)
    assert_throttled(attempt(customer.email, PASSWORD))  # remembered full, and the store agrees
    if store.keys is None:
        ThrottleWindow.objects.all().delete()
    else:
        store.keys.clear()

    assert assert_json(attempt(customer.email, PASSWORD), 200)["user"]["id"] == customer.pk


@pytest.mark.django_db
def test_guesses_in_flight_get_answers_only_within_the_limit(store: Store) -> None:
    """Guesses started together (each passed the first look) are judged one by one against
    the store once their passwords are checked: LIMIT wrong answers at most, then 429 even
    for the right password."""
    keys = ["login:addr:192.0.2.50"]
    rate = Rate.parse(f"{LIMIT}/m")
    in_flight = [password_attempt(keys, rate) for _ in range(LIMIT + 3)]

    for guess in in_flight[:LIMIT]:
        guess.failed()
    for guess in in_flight[LIMIT:-1]:
        with pytest.raises(Throttled):
            guess.failed()
    with pytest.raises(Throttled):
        in_flight[-1].succeeded()
    assert store.count("login:addr:192.0.2.50:") == LIMIT + 2


@pytest.mark.parametrize("store", ["redis"], indirect=True)
def test_redis_that_lost_its_scripts_still_counts_and_gives_back(customer: User, store: Store) -> None:
    """The counts run as scripts called by their digest; a restarted Redis has none loaded."""
    assert store.keys is not None
    attempt(customer.email)
    store.keys.client.script_flush()

    attempt(customer.email)
    assert set(store.counts().values()) == {2}
    store.keys.client.script_flush()
    assert_json(attempt(customer.email, PASSWORD), 200)
    assert set(store.counts().values()) == {2}  # the right password is not counted


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


def test_owner_with_a_device_token_logs_in_from_a_client_address_that_is_locked(customer: User) -> None:
    """An office behind one NAT: someone there fails LIMIT + 2 times on other accounts, which
    locks the shared address for everyone without a device token, but not for the owner's
    browser, which sends the token of its earlier log-in."""
    office = "198.51.100.20"
    device_token = log_in(customer.email, REMOTE_ADDR=office)["device_token"]
    for n in range(LIMIT + 2):
        attempt(f"colleague{n}@example.com", REMOTE_ADDR=office)

    assert_throttled(attempt(customer.email, PASSWORD, REMOTE_ADDR=office))
    body = assert_json(
        ApiClient().post(
            "/api/login/",
            {"email": customer.email, "password": PASSWORD, "device_token": device_token},
            REMOTE_ADDR=office,
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


# --- re-checks of a signed-in user's password ----------------------------------------------------

RECHECKS = {
    "password": ("POST", "/api/profile/password/", {"new_password": "Another-Horse-10"}, "current_password"),
    "email": ("POST", "/api/profile/email/", {"new_email": "moved@example.com"}, "password"),
    "delete": ("DELETE", "/api/profile/", {}, "password"),
}


def recheck(customer: User, which: str, password: str) -> Any:
    method, path, body, field = RECHECKS[which]
    client, data = ApiClient(customer), {**body, field: password}
    return client.post(path, data) if method == "POST" else client.delete(path, data, content_type="application/json")


@pytest.mark.parametrize("which", list(RECHECKS))
def test_a_stolen_access_token_cannot_guess_the_password_without_end(
    customer: User, store: Store, which: str, mailoutbox: list[Any]
) -> None:
    """Wrong guesses at the current password are counted per account, like log-ins: once
    over LOGIN_RATE, even the right one is refused, and nothing changes."""
    for _ in range(LIMIT):
        assert_detail(
            recheck(customer, which, "Wrong-Passw0rd!"), 400, "The current password is wrong.", "wrong_password"
        )

    assert_throttled(recheck(customer, which, PASSWORD))
    stored = User.objects.get(pk=customer.pk)
    assert (stored.email, stored.check_password(PASSWORD)) == (customer.email, True)
    assert mailoutbox == []
    assert store.count(f"recheck:user:{customer.pk}:") == LIMIT


def test_the_right_password_is_not_counted(customer: User, store: Store) -> None:
    assert recheck(customer, "password", "Wrong-Passw0rd!").status_code == 400
    assert recheck(customer, "email", PASSWORD).status_code == 202

    assert store.count(f"recheck:user:{customer.pk}:") == 1


def test_rechecks_of_one_account_leave_another_alone(customer: User) -> None:
    for _ in range(LIMIT + 1):
        recheck(customer, "delete", "Wrong-Passw0rd!")

    other = CustomerFactory.create()
    assert recheck(other, "delete", PASSWORD).status_code == 204
    assert not User.objects.filter(pk=other.pk).exists()
