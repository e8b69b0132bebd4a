"""Email verification: the link mailed at sign-up, POST /api/email/verify/ and .../resend/,
and REQUIRE_VERIFIED_EMAIL at log-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, CustomerFactory, UserFactory
from tests.accounts.helpers import (
    LOGIN_FAILED,
    STRONG_PASSWORD,
    assert_detail,
    assert_json,
    assert_unauthorized,
    assert_user_body,
    mail_link,
)

VERIFY = "/api/email/verify/"
RESEND = "/api/email/verify/resend/"
INVALID_LINK = {"detail": "This link is invalid or has expired.", "code": "invalid_link"}
RESENT = {"detail": "If the address is not verified yet, a new verification link has been sent to it."}
NOT_VERIFIED = {
    "detail": "Verify your email address first: follow the link we sent, or reset your password to get a new one.",
    "code": "email_not_verified",
}

Deliver = Callable[[Callable[[], Any]], Any]


def sign_up(deliver: Deliver, email: str = "fresh@example.com") -> Any:
    return deliver(lambda: ApiClient().post("/api/register/", {"email": email, "password": STRONG_PASSWORD}))


def verification_link(deliver: Deliver, mailbox: list[Any], email: str = "fresh@example.com") -> dict[str, str]:
    assert sign_up(deliver, email).status_code == 201
    [message] = mailbox
    assert message.to == [email]
    assert message.subject == "Verify your email address for Nexora"
    mailbox.clear()
    return mail_link(message, "verify-email")


def login(email: str, password: str = STRONG_PASSWORD) -> Any:
    return ApiClient().post("/api/login/", {"email": email, "password": password})


# --- sign-up and verify ----------------------------------------------------------------------


def test_sign_up_mails_a_verification_link_and_the_user_starts_unverified(
    deliver: Deliver, mailoutbox: list[Any]
) -> None:
    response = sign_up(deliver)

    assert assert_json(response, 201)["email_verified"] is False
    [message] = mailoutbox
    assert set(mail_link(message, "verify-email")) == {"uid", "token"}
    assert "3 days" in message.body
    assert not User.objects.get().email_verified


def test_refused_sign_up_mails_nothing(deliver: Deliver, mailoutbox: list[Any]) -> None:
    CustomerFactory.create(email="taken@example.com")

    assert sign_up(deliver, "taken@example.com").status_code == 409
    assert mailoutbox == []


def test_sign_up_with_idempotency_key_mails_once(deliver: Deliver, mailoutbox: list[Any]) -> None:
    body = {"email": "fresh@example.com", "password": STRONG_PASSWORD}
    for _ in range(2):
        response = deliver(lambda: ApiClient().post("/api/register/", body, HTTP_IDEMPOTENCY_KEY="signup-1"))
        assert response.status_code == 201

    assert len(mailoutbox) == 1


def test_verify_marks_the_address_verified(deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = verification_link(deliver, mailoutbox)

    body = assert_json(ApiClient().post(VERIFY, link), 200)

    user = User.objects.get()
    assert user.email_verified and body["email_verified"] is True
    assert_user_body(body, user)


def test_verify_again_on_a_verified_account_200(deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = verification_link(deliver, mailoutbox)
    assert ApiClient().post(VERIFY, link).status_code == 200

    body = assert_json(ApiClient().post(VERIFY, link), 200)

    assert body["email_verified"] is True


def test_verify_link_expires_after_three_days(deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = verification_link(deliver, mailoutbox)

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert assert_json(ApiClient().post(VERIFY, link), 400) == INVALID_LINK
    assert not User.objects.get().email_verified


def test_verify_link_dies_when_the_address_changes(deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = verification_link(deliver, mailoutbox)
    User.objects.update(email="moved@example.com")

    assert assert_json(ApiClient().post(VERIFY, link), 400) == INVALID_LINK


@pytest.mark.parametrize("wrong", ["token", "uid", "uid-of-another-user", "deactivated"])
def test_verify_wrong_link_400(wrong: str, deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = verification_link(deliver, mailoutbox)
    other = verification_link(deliver, mailoutbox, "other@example.com")
    if wrong == "token":
        link["token"] = link["token"][:-2] + ("xx" if not link["token"].endswith("xx") else "yy")
    elif wrong == "uid":
        link["uid"] = "%%%"
    elif wrong == "uid-of-another-user":
        link["uid"] = other["uid"]
    else:
        User.objects.update(is_active=False)

    assert assert_json(ApiClient().post(VERIFY, link), 400) == INVALID_LINK
    assert not User.objects.filter(email_verified=True).exists()


def test_a_reset_link_does_not_verify(customer: User) -> None:
    """Each kind of link is signed for its own purpose: a password-reset token is no verification."""
    from accounts.links import password_reset_link, uid_for
    from tests.accounts.helpers import link_query

    link = link_query(password_reset_link(customer), "reset-password")

    response = ApiClient().post(VERIFY, {"uid": uid_for(customer), "token": link["token"]})
    assert assert_json(response, 400) == INVALID_LINK


# --- resend ----------------------------------------------------------------------------------


def test_resend_mails_a_new_link_that_works(
    customer: User, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    response = deliver(lambda: customer_client.post(RESEND))

    assert assert_json(response, 202) == RESENT
    [message] = mailoutbox
    assert message.to == [customer.email]
    assert ApiClient().post(VERIFY, mail_link(message, "verify-email")).json()["email_verified"] is True


def test_resend_for_a_verified_address_mails_nothing(client_for: Any, deliver: Deliver, mailoutbox: list[Any]) -> None:
    user = CustomerFactory.create(email_verified=True)

    assert assert_json(deliver(lambda: client_for(user).post(RESEND)), 202) == RESENT
    assert mailoutbox == []


def test_resend_throttled(settings: Any, customer_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]) -> None:
    settings.PASSWORD_RESET_RATE = "2/h"
    # The start of the next hour: forward, so the access token is neither future-dated nor expired.
    next_hour = (timezone.now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    with time_machine.travel(next_hour, tick=False):
        assert [deliver(lambda: customer_client.post(RESEND)).status_code for _ in range(2)] == [202, 202]
        throttled = deliver(lambda: customer_client.post(RESEND))

    assert_detail(throttled, 429, code="throttled")
    assert throttled["Retry-After"] == "3600"
    assert len(mailoutbox) == 2


def test_resend_anonymous_401(anon_client: ApiClient) -> None:
    assert_unauthorized(anon_client.post(RESEND))


# --- REQUIRE_VERIFIED_EMAIL ------------------------------------------------------------------


@pytest.fixture
def verified_email_required(settings: Any) -> None:
    settings.REQUIRE_VERIFIED_EMAIL = True


@pytest.mark.usefixtures("verified_email_required")
def test_login_unverified_403_only_with_the_right_password(customer: User) -> None:
    assert assert_json(login(customer.email, PASSWORD), 403) == NOT_VERIFIED
    assert_unauthorized(login(customer.email, "Wrong-Passw0rd!"), LOGIN_FAILED["detail"])
    assert_unauthorized(login("nobody@example.com", PASSWORD), LOGIN_FAILED["detail"])


@pytest.mark.usefixtures("verified_email_required")
def test_login_after_verifying_200(deliver: Deliver, mailoutbox: list[Any]) -> None:
    link = verification_link(deliver, mailoutbox)
    assert login("fresh@example.com").status_code == 403

    ApiClient().post(VERIFY, link)

    assert assert_json(login("fresh@example.com"), 200)["user"]["email_verified"] is True


def test_login_unverified_200_by_default(customer: User) -> None:
    assert login(customer.email, PASSWORD).status_code == 200


@pytest.mark.usefixtures("verified_email_required")
def test_unverified_403_does_not_count_as_a_failed_login(settings: Any, customer: User) -> None:
    settings.LOGIN_RATE = "2/m"
    assert [login(customer.email, PASSWORD).status_code for _ in range(4)] == [403] * 4


@pytest.mark.usefixtures("verified_email_required")
def test_createsuperuser_is_verified(db: None) -> None:
    User.objects.create_superuser("root@example.com", STRONG_PASSWORD)

    assert login("root@example.com").status_code == 200


def test_factory_users_of_an_inactive_kind_stay_refused(db: None) -> None:
    user = UserFactory.create(inactive=True, email_verified=True)

    assert_unauthorized(login(user.email, PASSWORD), LOGIN_FAILED["detail"])
