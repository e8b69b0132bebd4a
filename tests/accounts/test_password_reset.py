"""POST /api/password/reset/ and /api/password/reset/confirm/: a forgotten password, by mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode

from accounts.links import uid_for
from accounts.models import User
from api.models import ThrottleWindow
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import PASSWORD, CustomerFactory, UserFactory
from tests.accounts.helpers import (
    STRONG_PASSWORD,
    TOKEN_INVALID,
    assert_detail,
    assert_json,
    assert_unauthorized,
    assert_validation_error,
    mail_link,
    user_row,
)

RESET = "/api/password/reset/"
CONFIRM = "/api/password/reset/confirm/"
ACCEPTED = {"detail": "If an active account has this address, a link to reset its password has been sent to it."}
INVALID_LINK = {"detail": "This link is invalid or has expired.", "code": "invalid_link"}
NEW_PASSWORD = "Quiet-Lantern-Harbour-42"

Deliver = Callable[[Callable[[], Any]], Any]


@pytest.fixture(autouse=True)
def generous_rate(settings: Any) -> None:
    settings.PASSWORD_RESET_RATE = "100/h"


def request_reset(deliver: Deliver, email: str, **extra: Any) -> Any:
    return deliver(lambda: ApiClient().post(RESET, {"email": email}, **extra))


def reset_link(deliver: Deliver, user: User, mailbox: list[Any]) -> dict[str, str]:
    assert_json(request_reset(deliver, user.email), 202)
    assert [message.to for message in mailbox] == [[user.email]]
    return mail_link(mailbox.pop(), "reset-password")


def confirm(link: dict[str, str], password: str = NEW_PASSWORD) -> Any:
    return ApiClient().post(CONFIRM, {**link, "new_password": password})


def login(email: str, password: str) -> Any:
    return ApiClient().post("/api/login/", {"email": email, "password": password})


# --- request -----------------------------------------------------------------------------------


def test_reset_request_mails_a_link_to_an_active_user(customer: User, deliver: Deliver, mailoutbox: list[Any]) -> None:
    response = request_reset(deliver, customer.email.upper())

    assert assert_json(response, 202) == ACCEPTED
    [message] = mailoutbox
    assert message.to == [customer.email]
    assert message.from_email == "Nexora <no-reply@localhost>"
    assert message.subject == "Reset your Nexora password"
    link = mail_link(message, "reset-password")
    assert set(link) == {"uid", "token"}
    assert "for 1 hour." in message.body


@pytest.mark.parametrize("kind", ["unknown", "inactive"])
def test_reset_request_for_unknown_or_inactive_address_answers_the_same_and_mails_nothing(
    kind: str, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    email = "nobody@example.com" if kind == "unknown" else UserFactory.create(inactive=True).email
    known = CustomerFactory.create()

    answers = [request_reset(deliver, email), request_reset(deliver, known.email)]

    expected = (202, answers[1].content, "application/json; charset=utf-8")
    assert [(a.status_code, a.content, a["Content-Type"]) for a in answers] == [expected] * 2
    assert [message.to for message in mailoutbox] == [[known.email]]


@pytest.mark.parametrize("email", ["not-an-email", "", "a@", "@example.com"])
def test_reset_request_malformed_email_422(email: str, anon_client: ApiClient, mailoutbox: list[Any]) -> None:
    assert_validation_error(anon_client.post(RESET, {"email": email}), ["body", "email"])
    assert mailoutbox == []


def test_reset_request_unknown_field_422(anon_client: ApiClient) -> None:
    assert_validation_error(anon_client.post(RESET, {"email": "a@example.com", "role": "ADMIN"}), ["body", "role"])


@pytest.mark.parametrize("per", ["address", "client"])
def test_reset_request_throttled_per_address_and_per_client(
    per: str, settings: Any, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    settings.PASSWORD_RESET_RATE = "2/h"
    user = CustomerFactory.create()

    def attempt(n: int) -> Any:
        if per == "address":  # the same address from ever new clients
            return request_reset(deliver, user.email, REMOTE_ADDR=f"198.51.100.{n}")
        return request_reset(deliver, f"someone{n}@example.com")  # ever new addresses from one client

    with time_machine.travel(timezone.now().replace(minute=10, second=0, microsecond=0), tick=False):
        assert [attempt(n).status_code for n in range(2)] == [202, 202]
        throttled = attempt(3)

    assert_detail(throttled, 429, code="throttled")
    assert int(throttled["Retry-After"]) == 50 * 60
    assert len(mailoutbox) == (2 if per == "address" else 0)


def test_reset_request_counts_unknown_addresses_like_known_ones(deliver: Deliver) -> None:
    request_reset(deliver, "nobody@example.com")
    request_reset(deliver, CustomerFactory.create().email)

    assert sorted(key.split(":")[1] for key in ThrottleWindow.objects.values_list("key", flat=True)) == [
        "addr",
        "email",
        "email",
    ]


# --- confirm -------------------------------------------------------------------------------------


def test_reset_confirm_sets_the_password_and_ends_every_token(
    customer: User, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    pair = tokens_for(customer)
    link = reset_link(deliver, customer, mailoutbox)

    response = confirm(link)

    assert response.status_code == 204 and response.content == b""
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert customer.email_verified  # the link came to this address
    assert_unauthorized(ApiClient().get("/api/profile/", HTTP_AUTHORIZATION=f"Bearer {pair.access}"))
    assert assert_json(ApiClient().post("/api/token/refresh/", {"refresh": pair.refresh}), 401) == TOKEN_INVALID
    assert login(customer.email, PASSWORD).status_code == 401
    assert login(customer.email, NEW_PASSWORD).status_code == 200


def test_reset_link_is_spent_once_used(customer: User, deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = reset_link(deliver, customer, mailoutbox)
    other_link = reset_link(deliver, customer, mailoutbox)
    assert confirm(link).status_code == 204

    for used in (link, other_link):  # every earlier link of the user is spent with it
        assert assert_json(confirm(used, STRONG_PASSWORD), 400) == INVALID_LINK
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_reset_link_expires_after_password_reset_minutes(
    customer: User, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    link = reset_link(deliver, customer, mailoutbox)
    before = user_row(customer)

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert assert_json(confirm(link), 400) == INVALID_LINK

    assert user_row(customer) == before
    with time_machine.travel(timezone.now() + timedelta(minutes=59)):
        assert confirm(link).status_code == 204


@pytest.mark.parametrize(
    "wrong",
    ["token", "other-user", "garbage-uid", "negative-uid", "huge-uid", "token-of-another-user"],
)
def test_reset_confirm_wrong_link_400(wrong: str, deliver: Deliver, mailoutbox: list[Any]) -> None:
    user, other = CustomerFactory.create(), CustomerFactory.create()
    link = reset_link(deliver, user, mailoutbox)
    other_link = reset_link(deliver, other, mailoutbox)
    change = {
        "token": {"token": link["token"][:-1] + ("0" if link["token"][-1] != "0" else "1")},
        "other-user": {"uid": uid_for(other)},
        "garbage-uid": {"uid": "not base64!"},
        "negative-uid": {"uid": urlsafe_base64_encode(b"-1")},
        "huge-uid": {"uid": urlsafe_base64_encode(b"9" * 25)},
        "token-of-another-user": {"token": other_link["token"]},
    }[wrong]
    before, before_other = user_row(user), user_row(other)

    assert assert_json(confirm({**link, **change}), 400) == INVALID_LINK
    assert (user_row(user), user_row(other)) == (before, before_other)


def test_reset_confirm_for_a_deactivated_user_400(customer: User, deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = reset_link(deliver, customer, mailoutbox)
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert assert_json(confirm(link), 400) == INVALID_LINK


def test_reset_confirm_weak_password_422_leaves_the_link_unspent(
    customer: User, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    link = reset_link(deliver, customer, mailoutbox)
    before = user_row(customer)

    errors = assert_validation_error(confirm(link, "password123"), ["body", "new_password"])

    assert [error["type"] for error in errors] == ["password_too_weak"]
    assert user_row(customer) == before
    assert confirm(link).status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"uid": "MQ", "token": "x"},
        {"uid": "MQ", "token": "x", "new_password": "short"},
        {"uid": "", "token": "x", "new_password": NEW_PASSWORD},
        {"uid": "MQ", "token": "x", "new_password": NEW_PASSWORD, "x": 1},
    ],
    ids=["empty", "no-password", "short-password", "empty-uid", "unknown-field"],
)
def test_reset_confirm_malformed_body_422(body: dict[str, Any], anon_client: ApiClient) -> None:
    assert_json(anon_client.post(CONFIRM, body), 422)


def test_set_password_link_of_an_admin_created_user_works_like_a_reset(
    admin_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    created = deliver(lambda: admin_client.post("/api/users/", {"email": "new.hire@example.com", "role": "SELLER"}))
    [message] = mailoutbox
    link = mail_link(message, "reset-password")

    assert confirm(link).status_code == 204
    assert login("new.hire@example.com", NEW_PASSWORD).json()["user"]["id"] == created.json()["id"]
    assert assert_json(confirm(link, STRONG_PASSWORD), 400) == INVALID_LINK
