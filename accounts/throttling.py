"""What accounts count against a rate: sign-ups per client, password-reset and other mail
requests, and re-checks of a signed-in user's password (the store: api/throttle_store.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from api.client import client_address
from api.throttle_store import PasswordAttempt, count_attempt, digest, password_attempt
from api.throttling import Rate


def password_recheck_attempt(user_id: int) -> PasswordAttempt:
    """A re-check of a signed-in user's password (to change it, the address, or to delete
    the account), judged per account against LOGIN_RATE like a log-in: a stolen access
    token must not be an unthrottled way to guess the password."""
    return password_attempt([f"recheck:user:{user_id}"], Rate.parse(settings.LOGIN_RATE))


#: Key prefix of the sign-up counts: every request to /api/register/ is one, whatever its answer.
SIGNUP_KEY = "signup:addr:"


def count_signup(request: HttpRequest) -> None:
    """Count a sign-up attempt of this client against REGISTER_RATE (raise Throttled when over)."""
    count_attempt([SIGNUP_KEY + client_address(request)[:64]], Rate.parse(settings.REGISTER_RATE))


def count_reset_request(request: HttpRequest, email: str) -> None:
    """Count a password-reset request per address and per client against PASSWORD_RESET_RATE.

    Counted alike for a registered, an unknown and an inactive address: the count must not
    tell them apart either.
    """
    keys = [f"reset:email:{digest(email)}", f"reset:addr:{client_address(request)[:64]}"]
    count_attempt(keys, Rate.parse(settings.PASSWORD_RESET_RATE))


def count_mail_request(user_id: int, purpose: str) -> None:
    """Count a request of this account that sends a mail (`purpose`: "verify", "email-change")
    against PASSWORD_RESET_RATE: nobody can make the API mail an address without end."""
    count_attempt([f"{purpose}:user:{user_id}"], Rate.parse(settings.PASSWORD_RESET_RATE))
