"""Every error under /api/ is JSON and writes nothing; passwords are hashed with Argon2id."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.utils.module_loading import import_string

from nexora_testkit.client import ApiClient
from tests.accounts.helpers import STRONG_PASSWORD, assert_detail, assert_json, assert_validation_error, table_counts

REGISTER = "/api/register/"
LOGIN = "/api/login/"
VALID_SIGNUP = {"email": "hardening@example.com", "password": STRONG_PASSWORD}


@pytest.fixture
def nothing_written(db: None) -> Any:
    """Assert, after the test, that no row was written to any accounts table."""
    before = table_counts()
    yield
    assert table_counts() == before


pytestmark = pytest.mark.usefixtures("nothing_written")


def post_raw(path: str, body: str | bytes, content_type: str = "application/json", **extra: Any) -> Any:
    return ApiClient().generic("POST", path, body, content_type=content_type, **extra)


# --- bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [REGISTER, LOGIN])
@pytest.mark.parametrize(
    "body",
    [
        '{"email": "a@example.com", ',
        "{bad json}",
        "not json at all",
        '{"email": "a@example.com"} trailing',
        b'{"email": "\xff\xfe"}',
    ],
    ids=["truncated", "bad-keys", "text", "trailing-data", "not-utf8"],
)
def test_malformed_json_422(path: str, body: str | bytes) -> None:
    errors = assert_validation_error(post_raw(path, body))

    assert errors[0]["loc"] == ["body"]


@pytest.mark.parametrize("path", [REGISTER, LOGIN])
def test_empty_body_422(path: str) -> None:
    assert_validation_error(post_raw(path, ""))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_value_422(constant: str) -> None:
    body = f'{{"email": "hardening@example.com", "password": "{STRONG_PASSWORD}", "first_name": {constant}}}'

    errors = assert_validation_error(post_raw(REGISTER, body))

    assert errors[0]["loc"] == ["body"]


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=xyz", "application/xml", ""],
    ids=["form", "text-plain", "multipart", "xml", "none"],
)
def test_body_not_json_415(content_type: str) -> None:
    body = "email=hardening%40example.com&password=x" if "form" in content_type else json.dumps(VALID_SIGNUP)

    assert_detail(post_raw(REGISTER, body, content_type=content_type), 415)


def test_body_as_form_via_client_415() -> None:
    response = ApiClient().post(REGISTER, VALID_SIGNUP, content_type="application/x-www-form-urlencoded")

    assert_detail(response, 415)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.api+json"])
def test_json_media_types_accepted(content_type: str) -> None:
    """The control case: a JSON body declared as JSON is parsed (the bad token is then a 401, not a 415)."""
    response = post_raw("/api/token/verify/", json.dumps({"token": "not-a-token"}), content_type=content_type)

    assert_detail(response, 401)


@pytest.mark.parametrize("path", [REGISTER, LOGIN])
def test_body_over_size_limit_413(path: str) -> None:
    body = json.dumps({**VALID_SIGNUP, "first_name": "a" * (3 * 1024 * 1024)})

    assert_detail(post_raw(path, body), 413)


# --- routing, methods, hosts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/does-not-exist/"),
        ("POST", "/api/does-not-exist/"),
        ("GET", "/api/users/1/nope/"),
        ("GET", "/api"),
        ("DELETE", "/api/register/extra/"),
    ],
)
def test_unknown_api_path_404(method: str, path: str) -> None:
    response = ApiClient().generic(method, path)

    assert assert_json(response, 404) == {"detail": "Not found", "code": "not_found"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", LOGIN, "POST"),
        ("GET", LOGIN, "POST"),
        ("DELETE", REGISTER, "POST"),
        ("GET", "/api/logout/", "POST"),
        ("PUT", "/api/profile/", None),
    ],
)
def test_wrong_method_405(method: str, path: str, allowed: str | None) -> None:
    response = ApiClient().generic(method, path, json.dumps(VALID_SIGNUP), content_type="application/json")

    assert_detail(response, 405)
    if allowed is not None:
        assert allowed in response["Allow"]


@pytest.mark.parametrize("path", [LOGIN, "/api/profile/", "/api/does-not-exist/"])
def test_disallowed_host_400(path: str) -> None:
    response = ApiClient().post(path, VALID_SIGNUP, HTTP_HOST="evil.example")

    assert_detail(response, 400, "Invalid Host header.", code="invalid_host")


@pytest.mark.parametrize("path", ["/nowhere", "/tasks/1/edit/x", "/api-docs/", "/static/nope.js"])
def test_unknown_path_outside_the_api_is_404_json_too(path: str) -> None:
    assert assert_json(ApiClient().get(path), 404) == {"detail": "Not found", "code": "not_found"}


def test_json_nested_too_deep_to_parse_is_422() -> None:
    depth = 100_000
    response = post_raw(REGISTER, "[" * depth + "]" * depth)

    errors = assert_validation_error(response, ["body"])
    assert [error["type"] for error in errors] == ["json_invalid"]


# --- password hashing ----------------------------------------------------------------------------


def test_password_hasher_is_argon2id_at_owasp_minimum() -> None:
    hasher = import_string(settings.PASSWORD_HASHERS[0])()

    assert hasher.algorithm == "argon2"
    assert hasher.memory_cost >= 19456
    assert hasher.time_cost >= 2
    assert hasher.parallelism >= 1
    assert type(get_hasher("default")) is type(hasher)

    encoded = make_password(STRONG_PASSWORD)
    assert encoded.startswith("argon2$argon2id$")
    assert "m=19456,t=2,p=1" in encoded
    assert check_password(STRONG_PASSWORD, encoded)
    assert not check_password(STRONG_PASSWORD + "x", encoded)
