"""Request and response schemas of the log-in, token and sessions endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import StrictStr

from accounts.schemas import Password, UserOut
from api.schemas import RowOut
from api.types import InputSchema, Text

Token = Annotated[StrictStr, Text(4096, min_length=1)]


# --- responses -------------------------------------------------------------------------


class TokenPairOut(Schema):
    access: str
    refresh: str


class LoginOut(TokenPairOut):
    user: UserOut
    #: Send it back at the next log-in from this client: an attack on the address from
    #: elsewhere then cannot lock this client out (per-address throttle).
    device_token: str


class SessionOut(RowOut):
    id: int
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str
    #: The session of the access token this request was made with.
    current: bool


# --- requests --------------------------------------------------------------------------


class LoginIn(InputSchema):
    email: Annotated[StrictStr, Text(254, min_length=1)]
    password: Password
    device_token: Annotated[StrictStr, Text(128)] | None = None


class RefreshIn(InputSchema):
    refresh: Token


class VerifyIn(InputSchema):
    token: Token
