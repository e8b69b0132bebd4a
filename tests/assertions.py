"""Assertions on the contract's response shapes, shared by every test package."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nexora_testkit.client import Response

VALIDATION_ITEM_KEYS = {"loc", "msg", "type"}

#: What /api/health/ and every other operation answer while the database is down.
HEALTH_DOWN = {
    "status": "unavailable",
    "database": "unreachable",
    "detail": "The database is unreachable.",
    "code": "service_unavailable",
}
UNAVAILABLE = {"detail": "The service is temporarily unavailable.", "code": "service_unavailable"}


def assert_json(response: Response, status: int) -> Any:
    """The status, a JSON content type, and the decoded body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def assert_validation_error(response: Response, *locs: Sequence[str | int]) -> list[dict[str, Any]]:
    """A 422 in Ninja's shape; every `loc` given is among the errors' locations."""
    body = assert_json(response, 422)
    assert set(body) == {"detail", "code"} and body["code"] == "validation_error", body
    errors = body["detail"]
    assert isinstance(errors, list) and errors, body
    for error in errors:
        assert VALIDATION_ITEM_KEYS <= set(error) <= VALIDATION_ITEM_KEYS | {"ctx"}, error
        assert isinstance(error["loc"], list) and isinstance(error["type"], str)
        assert isinstance(error["msg"], str) and error["msg"], error
    reported = [error["loc"] for error in errors]
    for loc in locs:
        assert loc in reported, (loc, reported)
    return errors


def denied(policy: str, reason: str = "role") -> dict[str, str]:
    """The exact body of a 403 from the policy layer: the policy at stake and why it refused."""
    return {
        "detail": f"You do not have permission to perform this action: requires '{policy}'.",
        "code": "permission_denied",
        "policy": policy,
        "reason": reason,
    }


def assert_denied(response: Response, policy: str, reason: str = "role") -> None:
    """A 403 from the policy layer naming `policy`, for `reason`."""
    assert assert_json(response, 403) == denied(policy, reason)
