"""Request and response schemas of the sign-up, profile, account lifecycle and users endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, StrictBool, StrictStr, WithJsonSchema

from api.schemas import RowOut
from api.types import InputSchema, QueryParams, QueryText, Text

from .models import SecurityEventType, UserManager
from .roles import Role


def _valid_email(value: str) -> str:
    value = UserManager.normalize_email(value)
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("value is not a valid email address") from None
    return value


Email = Annotated[
    StrictStr,
    Text(254, min_length=3),
    AfterValidator(_valid_email),
    WithJsonSchema({"type": "string", "format": "email", "minLength": 3, "maxLength": 254}),
]
#: Checked for length before hashing: Argon2 on a megabyte "password" is a cheap DoS.
Password = Annotated[StrictStr, Text(128, min_length=1)]
#: A password being set: Django's validators decide, but the length floor is published too.
NewPassword = Annotated[StrictStr, Text(128, min_length=8)]
Name = Annotated[StrictStr, Text(150)]
Phone = Annotated[StrictStr, Text(32)]
Address = Annotated[StrictStr, Text(500)]
#: The roles a visitor may choose, as the spec publishes them (SELLER, CUSTOMER). ADMIN still
#: parses, so that the service answers it with 403 `role_not_allowed`, as the contract says.
SignupRole = Annotated[
    Role,
    WithJsonSchema({"type": "string", "enum": [role.value for role in Role.self_service_roles()]}),
]
#: The `uid` and `token` of a mailed link, as the web client read them from its query string.
LinkUid = Annotated[StrictStr, Text(64, min_length=1)]
LinkToken = Annotated[StrictStr, Text(1024, min_length=1)]


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


class RoleChangeOut(RowOut):
    id: int
    actor_id: int | None
    user_id: int
    #: Null for the creation of the account by an admin.
    old_role: Role | None
    new_role: Role
    at: datetime


class SecurityEventOut(RowOut):
    id: int
    type: SecurityEventType
    at: datetime
    #: The client of the request that caused it; empty when another user (an admin) or a
    #: management command did it.
    ip: str
    user_agent: str
    #: A few ids, role names or mail domains; never a password, code, token or secret.
    detail: dict[str, Any]


class AcceptedOut(Schema):
    """A request taken on: what happens next happens by mail."""

    detail: str


# --- requests --------------------------------------------------------------------------


class RegisterIn(InputSchema):
    email: Email
    password: NewPassword
    first_name: Name = ""
    last_name: Name = ""
    role: SignupRole = Role.CUSTOMER
    phone: Phone = ""
    address: Address = ""


class ProfileUpdateIn(InputSchema):
    """Only what a user may change about themself; `role`, `email`, ... are a 422."""

    first_name: Name = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422
    last_name: Name = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422
    phone: Phone = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422
    address: Address = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422


class PasswordChangeIn(InputSchema):
    current_password: Password
    new_password: NewPassword


class UserUpdateIn(ProfileUpdateIn):
    is_active: StrictBool = None  # type: ignore[assignment]  # absent: unchanged; null is still a 422


class RoleIn(InputSchema):
    role: Role


class UserFilters(QueryParams):
    role: Role | None = None
    is_active: bool | None = None
    search: Annotated[str, QueryText(100)] | None = None


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
