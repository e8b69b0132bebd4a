"""The links mailed to users, and checking what comes back from them. Nothing is stored.

Each kind of link works once and only until it expires, by what it is bound to:

- **Reset password** (`uid`, `token`): Django's PasswordResetTokenGenerator (our own
  `key_salt`) signs the user's id, password hash, last login, email and the time of
  issue. Setting the new password changes the hash, so the link (and every other reset
  link of the user) is spent the moment it is used; it expires after
  PASSWORD_RESET_MINUTES (Django's PASSWORD_RESET_TIMEOUT). A set-password link for an
  account an admin created is the same link (its unusable password hash changes too).
- **Verify email** (`uid`, `token`): a signed, timestamped pair of the user id and a keyed
  digest of the address, valid VERIFY_EMAIL_MAX_AGE. It stops working when the address
  changes; used again on a verified account it changes nothing (the contract's 200).
- **Confirm an email change** (`token`): a signed, timestamped payload of the user id, a
  keyed digest of the current address and password hash, and the new address, valid
  EMAIL_CHANGE_MAX_AGE. Once the address has changed (or the password has: a user who
  fears a thief changes it), the digest no longer matches: spent.

Every failure is the same `InvalidLink`: wrong, expired and spent cannot be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from api.types import MAX_ID

from .errors import InvalidLink
from .models import User

VERIFY_EMAIL_MAX_AGE = timedelta(days=3)
EMAIL_CHANGE_MAX_AGE = timedelta(hours=24)
_VERIFY_SALT = "nexora.accounts.links.verify-email"
_EMAIL_CHANGE_SALT = "nexora.accounts.links.email-change"


class PasswordResetLinks(PasswordResetTokenGenerator):
    """Django's reset tokens under a salt of our own (not interchangeable with other uses)."""

    key_salt = "nexora.accounts.links.password-reset"


password_reset_tokens = PasswordResetLinks()


def uid_for(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_id_from(uid: str) -> int:
    """The user id a link's `uid` names; InvalidLink when it names none."""
    try:
        text = urlsafe_base64_decode(uid).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidLink() from None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise InvalidLink()
    return int(text)


def frontend_link(route: str, **params: str) -> str:
    return f"{settings.FRONTEND_URL}/{route}?{urlencode(params)}"


def _digest(*parts: str) -> str:
    return salted_hmac("nexora.accounts.links.digest", "\x00".join(parts), algorithm="sha256").hexdigest()[:32]


# --- reset password ------------------------------------------------------------------------


def password_reset_link(user: User) -> str:
    """Also built for a stand-in of an unknown address, so that both cost the same."""
    return frontend_link("reset-password", uid=uid_for(user), token=password_reset_tokens.make_token(user))


def check_password_reset(user: User, token: str) -> None:
    if not password_reset_tokens.check_token(user, token):
        raise InvalidLink()


# --- verify email --------------------------------------------------------------------------


def verify_email_link(user: User) -> str:
    token = signing.dumps([user.pk, _digest(user.email)], salt=_VERIFY_SALT)
    return frontend_link("verify-email", uid=uid_for(user), token=token)


def check_verify_email(user: User, token: str) -> None:
    try:
        user_id, email_digest = signing.loads(token, salt=_VERIFY_SALT, max_age=VERIFY_EMAIL_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        raise InvalidLink() from None
    if user_id != user.pk or not constant_time_compare(str(email_digest), _digest(user.email)):
        raise InvalidLink()


# --- confirm an email change -------------------------------------------------------------


@dataclass(frozen=True)
class EmailChange:
    user_id: int
    new_email: str
    #: Binds the link to the address and password the user had when asking.
    state_digest: str

    def check_current(self, user: User) -> None:
        """InvalidLink unless `user` still has the address and password of the request."""
        if user.pk != self.user_id or not constant_time_compare(self.state_digest, _state_digest(user)):
            raise InvalidLink()


def _state_digest(user: User) -> str:
    return _digest(user.email, user.password)


def email_change_link(user: User, new_email: str) -> str:
    token = signing.dumps({"user": user.pk, "to": new_email, "state": _state_digest(user)}, salt=_EMAIL_CHANGE_SALT)
    return frontend_link("confirm-email", token=token)


def read_email_change(token: str) -> EmailChange:
    try:
        payload = signing.loads(token, salt=_EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
        return EmailChange(
            user_id=int(payload["user"]), new_email=str(payload["to"]), state_digest=str(payload["state"])
        )
    except (signing.BadSignature, TypeError, ValueError, KeyError):
        raise InvalidLink() from None
