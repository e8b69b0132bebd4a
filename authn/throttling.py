"""Log-ins counted against LOGIN_RATE, per client, per (address, client), and per address or
per (address, device token) (the store: api/throttle_store.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from api.client import client_address
from api.throttle_store import PasswordAttempt, digest, password_attempt
from api.throttling import Rate


def login_attempt(request: HttpRequest, email: str, *, device_token: str | None = None) -> PasswordAttempt:
    """A log-in, judged per client, per (address, client), and per address, or per (address,
    device token) for a client that proves it logged in here before, against LOGIN_RATE
    (contract: failed log-ins are counted; once a count is over, even the right password
    gets 429)."""
    client = client_address(request)[:64]
    per_address = f"login:device:{digest(email, device_token)}" if device_token else f"login:email:{digest(email)}"
    keys = [f"login:addr:{client}", f"login:pair:{digest(email, client)}", per_address]
    return password_attempt(keys, Rate.parse(settings.LOGIN_RATE))
