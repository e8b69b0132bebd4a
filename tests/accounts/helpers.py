"""Assertions and small helpers shared by the accounts test modules (not a test module)."""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from accounts.models import RoleChange, SecurityEvent, User
from accounts.throttling import SIGNUP_KEY
from api.models import ThrottleWindow
from authn.models import LoginSession
from nexora_testkit.client import Response
from tests.assertions import VALIDATION_ITEM_KEYS, assert_json, assert_validation_error

__all__ = ["VALIDATION_ITEM_KEYS", "assert_json", "assert_validation_error"]  # re-exported for the accounts tests

#: The exact keys of the contract's `User` schema.
USER_KEYS = {
    "id",
    "email",
    "first_name",
    "last_name",
    "role",
    "phone",
    "address",
    "is_active",
    "email_verified",
    "date_joined",
}
#: The exact keys of the contract's `TokenPair` schema.
TOKEN_PAIR_KEYS = {"access", "refresh"}
#: A password that passes every validator and is unlike any factory e-mail.
STRONG_PASSWORD = "Correct-Horse-Battery-Staple-9"

LOGIN_FAILED = {"detail": "No active account found with the given email and password.", "code": "invalid_credentials"}
TOKEN_INVALID = {"detail": "Token is invalid or expired.", "code": "not_authenticated"}

#: The code an error answer carries when a test names only its status.
CODE_OF_STATUS = {
    401: "not_authenticated",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    503: "service_unavailable",
}


def assert_detail(response: Response, status: int, detail: str | None = None, code: str | None = None) -> str:
    """An error body: exactly `detail` (that message, if given) and `code` (that one, or the
    status's usual one), plus `policy` and `reason` on a policy 403 (`tests.assertions.assert_denied`
    checks those)."""
    body = assert_json(response, status)
    expected_code = code or CODE_OF_STATUS.get(status)
    assert set(body) == (
        {"detail", "code", "policy", "reason"} if body.get("code") == "permission_denied" else {"detail", "code"}
    ), body
    assert isinstance(body["detail"], str) and body["detail"], body
    if expected_code is not None:
        assert body["code"] == expected_code, body
    if detail is not None:
        assert body["detail"] == detail
    return str(body["detail"])


def assert_unauthorized(response: Response, detail: str | None = None, code: str | None = None) -> str:
    if code is None and detail == LOGIN_FAILED["detail"]:
        code = LOGIN_FAILED["code"]
    message = assert_detail(response, 401, detail, code)
    assert response["WWW-Authenticate"].startswith("Bearer"), response.headers
    return message


def assert_user_body(body: dict[str, Any], user: User) -> None:
    """`body` is exactly the `User` schema and describes `user` as stored now."""
    user.refresh_from_db()
    assert set(body) == USER_KEYS, body
    assert body["id"] == user.pk
    assert body["email"] == user.email
    assert body["first_name"] == user.first_name
    assert body["last_name"] == user.last_name
    assert body["role"] == user.role
    assert body["phone"] == user.phone
    assert body["address"] == user.address
    assert body["is_active"] == user.is_active
    assert body["email_verified"] == user.email_verified


def user_row(user: User) -> Mapping[str, Any]:
    """Every column of a user as stored now (compare before and after a refused write)."""
    return User.objects.filter(pk=user.pk).values().get()


def table_counts() -> dict[str, int]:
    """Rows of every table a refused accounts request could have written to, but the
    sign-up counts: every request to /api/register/ is counted, whatever its answer
    (tests/accounts/test_signup_throttle.py)."""
    return {
        "users": User.objects.count(),
        "role_changes": RoleChange.objects.count(),
        "security_events": SecurityEvent.objects.count(),
        "sessions": LoginSession.objects.count(),
        "ended_sessions": LoginSession.objects.filter(ended_at__isnull=False).count(),
        "throttle": ThrottleWindow.objects.exclude(key__startswith=SIGNUP_KEY).count(),
    }


# --- mail -------------------------------------------------------------------------------------


def link_query(text: str, route: str, frontend_url: str | None = None) -> dict[str, str]:
    """The query of the one `{FRONTEND_URL}/{route}?...` link in a mail's text (HTML-unescaped)."""
    from django.conf import settings

    prefix = f"{frontend_url or settings.FRONTEND_URL}/{route}?"
    found = {html.unescape(url) for url in re.findall(re.escape(prefix) + r"[^\s\"'<>]+", text)}
    assert len(found) == 1, (route, found, text)
    query = urllib.parse.urlsplit(found.pop()).query
    return {name: values[0] for name, values in urllib.parse.parse_qs(query, strict_parsing=True).items()}


def mail_link(message: Any, route: str) -> dict[str, str]:
    """The link of `route` in a mail, the same in its text and its HTML body."""
    params = link_query(message.body, route)
    [(html_body, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert link_query(html_body, route) == params
    return params
