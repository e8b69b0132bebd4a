"""Device tokens (OWASP's device cookies, for a bearer-token API).

A successful log-in returns a token that proves "this client has logged in to this address
before". A later log-in that sends it back is throttled per (address, device) instead of
per address, so an attack on an address from elsewhere cannot lock its owner out of a
device they have used. The token is an HMAC over the address and the password hash: it
is bound to its address and stops working when the password (or the address) changes.
Nothing is stored.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User

_SALT = "nexora.accounts.device-token"
#: Longest token the login schema accepts (nonce, dot, SHA-256 hex digest).
MAX_LENGTH = 128


def _mac(user: User, nonce: str) -> str:
    return salted_hmac(_SALT, f"{user.email}\x00{nonce}\x00{user.password}", algorithm="sha256").hexdigest()


def device_token_for(user: User) -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_mac(user, nonce)}"


def device_token_valid(email: str, token: str) -> bool:
    """Was `token` issued at a log-in to `email`, under its current password?"""
    nonce, _, mac = token.partition(".")
    if not nonce or not mac:
        return False
    user = User.objects.filter(email=email).only("email", "password").first()
    return user is not None and constant_time_compare(mac, _mac(user, nonce))
