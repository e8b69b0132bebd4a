"""The one table of answers: every error a client can cause, its HTTP status and its stable `code`.

Services raise domain errors named after what happened; nothing else in the project
knows their status. The permission layer answers its own 401 (`not_authenticated`) and
403 (`permission_denied`, with the `policy` lacked) in `permissions.ninja`, and the
404 (`not_found`, an unknown role) and 409 (`grant_locked`) of its grant endpoints too.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError

from accounts.errors import (
    AdminSignupRefused,
    EmailTaken,
    InvalidLink,
    LastActiveAdmin,
    OwnRoleRaiseRefused,
    WrongPassword,
)
from api.errors import DB_RETRY_AFTER_SECONDS, ErrorSpec, ErrorTable
from api.exceptions import ObjectNotFound, RejectedValue
from api.idempotency import IdempotencyKeyReused
from api.parser import BodyNotJson
from api.throttling import Throttled, ThrottleStoreUnavailable
from authn.errors import EmailNotVerified, InvalidToken, LoginFailed

BEARER_CHALLENGE = 'Bearer realm="api"'
UNAVAILABLE = {"Retry-After": str(DB_RETRY_AFTER_SECONDS)}
DATABASE_DOWN = "The service is temporarily unavailable."
#: The database, or Redis where log-in attempts are counted, does not answer: one answer for all.
SERVICE_DOWN = ErrorSpec(
    503,
    "service_unavailable",
    "the database is unreachable; retry later.",
    headers=UNAVAILABLE,
    detail=DATABASE_DOWN,
    log=True,
)

ERRORS: ErrorTable = {
    # The object is missing or hidden from the caller: one answer for both.
    ObjectNotFound: ErrorSpec(404, "not_found", "no such object, or not one the caller may see."),
    # An input refused like a schema failure: weak password, unknown assignee, unreadable JSON.
    RejectedValue: ErrorSpec(422, "validation_error", "a value was refused (see `detail[].type`)."),
    IdempotencyKeyReused: ErrorSpec(422, "idempotency_key_reused", "the Idempotency-Key was used with another body."),
    EmailTaken: ErrorSpec(409, "email_taken", "another account has this email address."),
    LastActiveAdmin: ErrorSpec(409, "last_admin", "the last active admin cannot be demoted, deactivated or deleted."),
    AdminSignupRefused: ErrorSpec(403, "role_not_allowed", "the ADMIN role cannot be chosen at sign-up."),
    OwnRoleRaiseRefused: ErrorSpec(403, "own_role_raise", "nobody may raise their own role."),
    WrongPassword: ErrorSpec(400, "wrong_password", "the current password given is wrong."),
    InvalidLink: ErrorSpec(400, "invalid_link", "the link is wrong, expired or already used (one answer for all)."),
    EmailNotVerified: ErrorSpec(403, "email_not_verified", "the address is not verified yet (REQUIRE_VERIFIED_EMAIL)."),
    LoginFailed: ErrorSpec(
        401,
        "invalid_credentials",
        "unknown email, wrong password or inactive account.",
        headers={"WWW-Authenticate": BEARER_CHALLENGE},
    ),
    InvalidToken: ErrorSpec(
        401,
        "not_authenticated",
        "the token is malformed, expired or revoked.",
        headers={"WWW-Authenticate": BEARER_CHALLENGE},
    ),
    Throttled: ErrorSpec(429, "throttled", "too many attempts; retry after `Retry-After` seconds."),
    BodyNotJson: ErrorSpec(415, "unsupported_media_type", "the body is not sent as application/json."),
    RequestDataTooBig: ErrorSpec(413, "request_too_large", "the body is over the size limit (1 MiB)."),
    TooManyFieldsSent: ErrorSpec(
        400, "too_many_fields", "the query string has too many fields.", detail="The query string has too many fields."
    ),
    OperationalError: SERVICE_DOWN,
    # Redis (REDIS_URL), where log-in attempts are counted, is down: the same answer.
    ThrottleStoreUnavailable: SERVICE_DOWN,
    # A dropped connection surfaces as InterfaceError, which is not an OperationalError.
    InterfaceError: SERVICE_DOWN,
}

#: What any operation with a JSON body can answer, with query parameters, and at all.
BODY_ERRORS = (RejectedValue, RequestDataTooBig, BodyNotJson)
QUERY_ERRORS = (TooManyFieldsSent,)
EVERY_OPERATION_ERRORS = (OperationalError,)
