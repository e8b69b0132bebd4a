"""Log-ins counted against LOGIN_RATE, per client, per (address, client), and per address or
per (address, device token) (the store: api/throttle_store.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from api.client import client_address
from api.throttle_store import PasswordAttempt, digest, password_attempt
from api.throttling import Rate


def login_attempt(request: HttpRequest, email: str, *, device_token: str | None = None) -> PasswordAttempt:
    """A log-in, judged against LOGIN_RATE (failed log-ins are counted; once a count is over,
    even the right password gets 429):

    - with a valid device token for the address (a client that proved it logged in to it
      before), per (address, device token) only: neither an attack on the address from
      elsewhere nor one from the same client address (an office behind one NAT) locks the
      owner out of a device they used, and a stolen device token still gets LIMIT guesses;
    - without one, per client, per (address, client) and per address.
    """
    if device_token:
        return password_attempt([f"login:device:{digest(email, device_token)}"], Rate.parse(settings.LOGIN_RATE))
    client = client_address(request)[:64]
    keys = [f"login:addr:{client}", f"login:pair:{digest(email, client)}", f"login:email:{digest(email)}"]
    return password_attempt(keys, Rate.parse(settings.LOGIN_RATE))
