"""Request and response schemas of the auth, profile and users endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, StrictBool, WithJsonSchema

from api.schemas import RowOut
from api.types import InputSchema, QueryParams, query_text, text

from .managers import UserManager
from .roles import Role


def _valid_email(value: str) -> str:
    value = UserManager.normalize_email(value)
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("value is not a valid email address") from None
    return value


Email = Annotated[
    text(254, min_length=3),
    AfterValidator(_valid_email),
    WithJsonSchema({"type": "string", "format": "email", "minLength": 3, "maxLength": 254}),
]
#: Checked for length before hashing: Argon2 on a megabyte "password" is a cheap DoS.
Password = text(128, min_length=1)
#: A password being set: Django's validators decide, but the length floor is published too.
NewPassword = text(128, min_length=8)
Name = text(150)
Phone = text(32)
Address = text(500)
Token = text(4096, min_length=1)
#: The `uid` and `token` of a mailed link, as the web client read them from its query string.
LinkUid = text(64, min_length=1)
LinkToken = text(1024, min_length=1)


# --- responses -------------------------------------------------------------------------


class UserOut(RowOut):
    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    phone: str
    address: str
    is_active: bool
    email_verified: bool
    date_joined: datetime


class TokenPairOut(Schema):
    access: str
    refresh: str


class LoginOut(TokenPairOut):
    user: UserOut
    #: Send it back at the next log-in from this client: an attack on the address from
    #: elsewhere then cannot lock this client out (per-address throttle).
    device_token: str


class RoleChangeOut(RowOut):
    id: int
    actor_id: int | None
    user_id: int
    #: Null for the creation of the account by an admin.
    old_role: Role | None
    new_role: Role
    at: datetime


class AcceptedOut(Schema):
    """A request taken on: what happens next happens by mail."""

    detail: str


# --- requests --------------------------------------------------------------------------


class RegisterIn(InputSchema):
    email: Email
    password: NewPassword
    first_name: Name = ""
    last_name: Name = ""
    role: Role = Role.CUSTOMER
    phone: Phone = ""
    address: Address = ""


class LoginIn(InputSchema):
    email: text(254, min_length=1)  # type: ignore[valid-type]
    password: Password
    device_token: text(128) | None = None  # type: ignore[valid-type]


class RefreshIn(InputSchema):
    refresh: Token


class VerifyIn(InputSchema):
    token: Token


class ProfileUpdateIn(InputSchema):
    """Only what a user may change about themself; `role`, `email`, ... are a 422."""

    first_name: Name = None  # type: ignore[assignment]
    last_name: Name = None  # type: ignore[assignment]
    phone: Phone = None  # type: ignore[assignment]
    address: Address = None  # type: ignore[assignment]


class PasswordChangeIn(InputSchema):
    current_password: Password
    new_password: NewPassword


class UserUpdateIn(ProfileUpdateIn):
    is_active: StrictBool = None  # type: ignore[assignment]


class RoleIn(InputSchema):
    role: Role


class UserFilters(QueryParams):
    role: Role | None = None
    is_active: bool | None = None
    search: query_text(100) | None = None  # type: ignore[valid-type]


# --- account lifecycle ---------------------------------------------------------------------


class PasswordResetIn(InputSchema):
    email: Email


class PasswordResetConfirmIn(InputSchema):
    uid: LinkUid
    token: LinkToken
    new_password: NewPassword


class EmailVerifyIn(InputSchema):
    uid: LinkUid
    token: LinkToken


class EmailChangeIn(InputSchema):
    new_email: Email
    password: Password


class EmailChangeConfirmIn(InputSchema):
    token: LinkToken


class AccountDeleteIn(InputSchema):
    password: Password


class UserCreateIn(InputSchema):
    """No password: the new user sets one from the link mailed to them."""

    email: Email
    role: Role
    first_name: Name = ""
    last_name: Name = ""
