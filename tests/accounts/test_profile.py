"""GET/PATCH /api/profile/ and POST /api/profile/password/."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import PASSWORD, CustomerFactory, UserFactory
from tests.accounts.helpers import (
    LOGIN_FAILED,
    STRONG_PASSWORD,
    TOKEN_INVALID,
    TOKEN_PAIR_KEYS,
    assert_detail,
    assert_json,
    assert_unauthorized,
    assert_user_body,
    assert_validation_error,
    table_counts,
    user_row,
)

PROFILE = "/api/profile/"
PASSWORD_CHANGE = "/api/profile/password/"


def bearer(access: str) -> dict[str, str]:
    """`headers=` with a Bearer access token."""
    return {"Authorization": f"Bearer {access}"}


def login(email: str, password: str) -> Any:
    return ApiClient().post("/api/login/", {"email": email, "password": password})


# --- read ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["CUSTOMER", "SELLER", "ADMIN"])
def test_profile_get_returns_own_user(client_for: Any, role: str) -> None:
    user = UserFactory.create(role=role)

    body = assert_json(client_for(user).get(PROFILE), 200)

    assert_user_body(body, user)
    assert "password" not in body


def test_profile_get_anonymous_401(anon_client: ApiClient) -> None:
    assert_unauthorized(anon_client.get(PROFILE))


# --- update --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Grace"},
        {"last_name": "Hopper"},
        {"phone": "+1 555 0100"},
        {"address": "1 Navy Yard, Arlington"},
        {"first_name": "Grace", "last_name": "Hopper", "phone": "", "address": ""},
        {"first_name": "", "last_name": ""},
    ],
    ids=["first_name", "last_name", "phone", "address", "all", "blank-names"],
)
def test_profile_patch_changes_fields(customer: User, customer_client: ApiClient, changes: dict[str, str]) -> None:
    before = user_row(customer)

    response = customer_client.patch(PROFILE, changes)

    body = assert_json(response, 200)
    assert_user_body(body, customer)
    assert user_row(customer) == {**before, **changes}


def test_profile_patch_empty_body_changes_nothing(customer: User, customer_client: ApiClient) -> None:
    before = user_row(customer)

    body = assert_json(customer_client.patch(PROFILE, {}), 200)

    assert_user_body(body, customer)
    assert user_row(customer) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "ADMIN"},
        {"email": "someone.else@example.com"},
        {"is_staff": True},
        {"is_superuser": True},
        {"is_active": False},
        {"password": STRONG_PASSWORD},
        {"token_version": 0},
        {"first_name": "Mallory", "role": "ADMIN"},
    ],
    ids=["role", "email", "is_staff", "is_superuser", "is_active", "password", "token_version", "with-legal-field"],
)
def test_profile_patch_forbidden_field_422(customer: User, customer_client: ApiClient, changes: dict[str, Any]) -> None:
    before, counts = user_row(customer), table_counts()
    forbidden = [field for field in changes if field != "first_name"]

    response = customer_client.patch(PROFILE, changes)

    errors = assert_validation_error(response, *[["body", field] for field in forbidden])
    assert {error["type"] for error in errors} == {"extra_forbidden"}
    assert user_row(customer) == before
    assert table_counts() == counts


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", None),
        ("last_name", None),
        ("phone", None),
        ("address", None),
        ("first_name", 7),
        ("phone", 5550100),
        ("first_name", "a" * 151),
        ("phone", "1" * 33),
        ("address", "x" * 501),
        ("last_name", "Nul\x00"),
    ],
    ids=[
        "first_name-null",
        "last_name-null",
        "phone-null",
        "address-null",
        "first_name-int",
        "phone-int",
        "first_name-151",
        "phone-33",
        "address-501",
        "last_name-nul",
    ],
)
def test_profile_patch_invalid_value_422(customer: User, customer_client: ApiClient, field: str, value: Any) -> None:
    before = user_row(customer)

    response = customer_client.patch(PROFILE, {field: value})

    assert_validation_error(response, ["body", field])
    assert user_row(customer) == before


def test_profile_patch_anonymous_401(anon_client: ApiClient) -> None:
    assert_unauthorized(anon_client.patch(PROFILE, {"first_name": "Eve"}))


# --- password change -------------------------------------------------------------------


def change_password(access: str, current: str, new: str) -> Any:
    return ApiClient().post(PASSWORD_CHANGE, {"current_password": current, "new_password": new}, headers=bearer(access))


def test_password_change_wrong_current_400(customer: User) -> None:
    pair = tokens_for(customer)
    before, counts = user_row(customer), table_counts()

    response = change_password(pair.access, "Wrong-current-Passw0rd", STRONG_PASSWORD)

    assert_detail(response, 400, "The current password is wrong.")
    assert user_row(customer) == before
    # Nothing but the guess was counted (tests/authn/test_throttling.py).
    assert table_counts() == {**counts, "throttle": counts["throttle"] + 1}
    # Nothing was revoked.
    assert assert_json(ApiClient().get(PROFILE, headers=bearer(pair.access)), 200)["id"] == customer.pk


@pytest.mark.parametrize(
    ("new_password", "message"),
    # Shorter than 8 is refused by the schema itself (the spec publishes minLength 8).
    [("Xy7!q", "at least 8 characters"), ("iloveyou", "too common"), ("73829461057", "entirely numeric")],
    ids=["short", "common", "all-digits"],
)
def test_password_change_weak_new_422(customer: User, new_password: str, message: str) -> None:
    pair = tokens_for(customer)
    before, counts = user_row(customer), table_counts()

    response = change_password(pair.access, PASSWORD, new_password)

    errors = assert_validation_error(response, ["body", "new_password"])
    assert message in errors[0]["msg"]
    assert user_row(customer) == before
    assert table_counts() == counts


def test_password_change_new_like_email_422(db: None) -> None:
    user = CustomerFactory.create(email="margaret.hamilton@example.com")
    before = user_row(user)

    response = change_password(tokens_for(user).access, PASSWORD, "margaret.hamilton")

    errors = assert_validation_error(response, ["body", "new_password"])
    assert "too similar" in errors[0]["msg"]
    assert user_row(user) == before


@pytest.mark.parametrize(
    "body",
    [
        {"current_password": PASSWORD},
        {"new_password": STRONG_PASSWORD},
        {"current_password": PASSWORD, "new_password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD},
        {"current_password": PASSWORD, "new_password": "x" * 129},
    ],
    ids=["no-new", "no-current", "unknown-field", "new-129"],
)
def test_password_change_invalid_body_422(customer: User, body: dict[str, Any]) -> None:
    before = user_row(customer)

    response = ApiClient().post(PASSWORD_CHANGE, body, headers=bearer(tokens_for(customer).access))

    assert_validation_error(response)
    assert user_row(customer) == before


def test_password_change_success_rotates_everything(customer: User) -> None:
    old = tokens_for(customer)
    other_session = tokens_for(customer)
    version = user_row(customer)["token_version"]

    response = change_password(old.access, PASSWORD, STRONG_PASSWORD)

    fresh = assert_json(response, 200)
    assert set(fresh) == TOKEN_PAIR_KEYS
    assert response["Cache-Control"] == "no-store"
    customer.refresh_from_db()
    assert customer.check_password(STRONG_PASSWORD)
    assert not customer.check_password(PASSWORD)
    assert customer.token_version == version + 1

    # The fresh pair works ...
    assert assert_json(ApiClient().get(PROFILE, headers=bearer(fresh["access"])), 200)["id"] == customer.pk
    # ... every older token does not.
    for access in (old.access, other_session.access):
        assert_unauthorized(ApiClient().get(PROFILE, headers=bearer(access)), TOKEN_INVALID["detail"])
    for raw in (old.refresh, other_session.refresh):
        assert_unauthorized(ApiClient().post("/api/token/refresh/", {"refresh": raw}), TOKEN_INVALID["detail"])
    assert set(assert_json(ApiClient().post("/api/token/refresh/", {"refresh": fresh["refresh"]}), 200)) == (
        TOKEN_PAIR_KEYS
    )


def test_password_change_new_password_logs_in_old_does_not(customer: User) -> None:
    assert change_password(tokens_for(customer).access, PASSWORD, STRONG_PASSWORD).status_code == 200

    assert assert_json(login(customer.email, STRONG_PASSWORD), 200)["user"]["id"] == customer.pk
    refused = login(customer.email, PASSWORD)
    assert_unauthorized(refused, code="invalid_credentials")
    assert refused.json() == LOGIN_FAILED


def test_password_change_anonymous_401(anon_client: ApiClient) -> None:
    response = anon_client.post(PASSWORD_CHANGE, {"current_password": PASSWORD, "new_password": STRONG_PASSWORD})

    assert_unauthorized(response)
