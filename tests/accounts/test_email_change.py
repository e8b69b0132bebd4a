"""POST /api/profile/email/ and /api/profile/email/confirm/: a new address, confirmed by mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, CustomerFactory
from tests.accounts.helpers import (
    STRONG_PASSWORD,
    assert_json,
    assert_unauthorized,
    assert_user_body,
    assert_validation_error,
    mail_link,
    user_row,
)

CHANGE = "/api/profile/email/"
CONFIRM = "/api/profile/email/confirm/"
NEW_EMAIL = "new.address@example.com"
REQUESTED = {"detail": "A confirmation link has been sent to the new address; the email changes when it is used."}
INVALID_LINK = {"detail": "This link is invalid or has expired.", "code": "invalid_link"}
WRONG_PASSWORD = {"detail": "The current password is wrong.", "code": "wrong_password"}
EMAIL_TAKEN = {"detail": "A user with this email already exists.", "code": "email_taken"}

Deliver = Callable[[Callable[[], Any]], Any]


@pytest.fixture(autouse=True)
def generous_rate(settings: Any) -> None:
    settings.PASSWORD_RESET_RATE = "100/h"


def request_change(deliver: Deliver, client: ApiClient, new_email: str = NEW_EMAIL, password: str = PASSWORD) -> Any:
    return deliver(lambda: client.post(CHANGE, {"new_email": new_email, "password": password}))


def confirmation_token(deliver: Deliver, client: ApiClient, mailbox: list[Any], new_email: str = NEW_EMAIL) -> str:
    assert request_change(deliver, client, new_email).status_code == 202
    confirmation = next(message for message in mailbox if message.to == [new_email])
    mailbox.clear()
    return mail_link(confirmation, "confirm-email")["token"]


def confirm(token: str) -> Any:
    return ApiClient().post(CONFIRM, {"token": token})


# --- request ---------------------------------------------------------------------------------


def test_change_request_mails_the_new_address_and_warns_the_old(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    old_email = customer.email

    response = request_change(deliver, customer_client, "New.Address@Example.COM")

    assert assert_json(response, 202) == REQUESTED
    confirmation, notice = sorted(mailoutbox, key=lambda message: message.to != [NEW_EMAIL])
    assert confirmation.to == [NEW_EMAIL] and confirmation.subject == "Confirm your new email address for Nexora"
    assert set(mail_link(confirmation, "confirm-email")) == {"token"}
    assert notice.to == [old_email] and notice.subject == "Your Nexora email address is about to change"
    assert NEW_EMAIL in notice.body and "token=" not in notice.body
    assert User.objects.get(pk=customer.pk).email == old_email  # nothing changes before the link is used


def test_change_request_wrong_password_400(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    response = request_change(deliver, customer_client, password="Wrong-Passw0rd!")

    assert assert_json(response, 400) == WRONG_PASSWORD
    assert mailoutbox == []


@pytest.mark.parametrize("taken", ["other-account", "own-address"])
def test_change_request_to_a_taken_address_409(
    taken: str, customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    email = CustomerFactory.create().email.upper() if taken == "other-account" else customer.email

    assert assert_json(request_change(deliver, customer_client, email), 409) == EMAIL_TAKEN
    assert mailoutbox == []


def test_change_request_wrong_password_and_taken_address_says_only_400(
    customer_client: ApiClient, deliver: Deliver
) -> None:
    other = CustomerFactory.create()

    assert assert_json(request_change(deliver, customer_client, other.email, "Wrong-Passw0rd!"), 400) == WRONG_PASSWORD


@pytest.mark.parametrize(
    "body",
    [
        {"new_email": "not-an-email", "password": PASSWORD},
        {"new_email": NEW_EMAIL},
        {"password": PASSWORD},
        {"new_email": NEW_EMAIL, "password": PASSWORD, "role": "ADMIN"},
    ],
    ids=["bad-email", "no-password", "no-email", "unknown-field"],
)
def test_change_request_malformed_422(body: dict[str, Any], customer_client: ApiClient) -> None:
    assert_json(customer_client.post(CHANGE, body), 422)


def test_change_request_anonymous_401(anon_client: ApiClient) -> None:
    assert_unauthorized(anon_client.post(CHANGE, {"new_email": NEW_EMAIL, "password": PASSWORD}))


def test_change_request_throttled_before_the_password_is_checked(
    settings: Any, customer_client: ApiClient, deliver: Deliver
) -> None:
    """Else a stolen access token would allow unlimited guesses at the password here."""
    settings.PASSWORD_RESET_RATE = "2/h"
    statuses = [request_change(deliver, customer_client, password=f"Guess-{n}-Passw0rd").status_code for n in range(3)]

    assert statuses == [400, 400, 429]


# --- confirm ---------------------------------------------------------------------------------


def test_confirm_changes_the_email_verified_without_a_token(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    token = confirmation_token(deliver, customer_client, mailoutbox)

    body = assert_json(confirm(token), 200)

    customer.refresh_from_db()
    assert (customer.email, customer.email_verified) == (NEW_EMAIL, True)
    assert_user_body(body, customer)
    assert ApiClient().post("/api/login/", {"email": NEW_EMAIL, "password": PASSWORD}).status_code == 200
    assert customer_client.get("/api/profile/").json()["email"] == NEW_EMAIL  # the session goes on


def test_confirm_link_is_spent_once_used(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    token = confirmation_token(deliver, customer_client, mailoutbox)
    second = confirmation_token(deliver, customer_client, mailoutbox, "second@example.com")
    assert confirm(token).status_code == 200

    assert assert_json(confirm(token), 400) == INVALID_LINK
    assert assert_json(confirm(second), 400) == INVALID_LINK  # asked for under the old address
    assert User.objects.get(pk=customer.pk).email == NEW_EMAIL


def test_confirm_link_dies_when_the_password_changes(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    """A user who fears a thief asked for the change changes the password: the link is void."""
    token = confirmation_token(deliver, customer_client, mailoutbox)
    customer_client.post("/api/profile/password/", {"current_password": PASSWORD, "new_password": STRONG_PASSWORD})
    before = user_row(customer)

    assert assert_json(confirm(token), 400) == INVALID_LINK
    assert user_row(customer) == before


def test_confirm_link_expires_after_a_day(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    token = confirmation_token(deliver, customer_client, mailoutbox)

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert assert_json(confirm(token), 400) == INVALID_LINK
    assert User.objects.get(pk=customer.pk).email != NEW_EMAIL


def test_confirm_when_the_address_was_taken_meanwhile_409(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    token = confirmation_token(deliver, customer_client, mailoutbox)
    CustomerFactory.create(email=NEW_EMAIL)
    before = user_row(customer)

    assert assert_json(confirm(token), 409) == EMAIL_TAKEN
    assert user_row(customer) == before


@pytest.mark.parametrize("token", ["", "x" * 1025], ids=["empty", "too-long"])
def test_confirm_malformed_422(token: str, anon_client: ApiClient) -> None:
    assert_validation_error(anon_client.post(CONFIRM, {"token": token}), ["body", "token"])


@pytest.mark.parametrize("token", ["garbage", "eyJ1c2VyIjoxfQ:1tAbCd:forged-signature"], ids=["garbage", "forged"])
def test_confirm_wrong_token_400(token: str, anon_client: ApiClient) -> None:
    assert assert_json(anon_client.post(CONFIRM, {"token": token}), 400) == INVALID_LINK


def test_confirm_for_a_deactivated_account_400(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    token = confirmation_token(deliver, customer_client, mailoutbox)
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert assert_json(confirm(token), 400) == INVALID_LINK
