"""POST /api/register/: sign-up, its validation, and what it stores."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory
from tests.accounts.helpers import (
    STRONG_PASSWORD,
    USER_KEYS,
    assert_detail,
    assert_json,
    assert_validation_error,
    table_counts,
)

REGISTER = "/api/register/"
NEW_EMAIL = "new.member@example.com"


def payload(**overrides: Any) -> dict[str, Any]:
    """A valid sign-up body, with `overrides` applied."""
    return {"email": NEW_EMAIL, "password": STRONG_PASSWORD, **overrides}


def register(**overrides: Any) -> Any:
    return ApiClient().post(REGISTER, payload(**overrides))


def assert_refused_without_writes(response: Any, status: int, before: dict[str, int], *locs: list[str]) -> None:
    if status == 422:
        assert_validation_error(response, *locs)
    else:
        assert_detail(response, status)
    assert table_counts() == before


# --- success -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_minimal_creates_customer() -> None:
    response = register()

    body = assert_json(response, 201)
    assert set(body) == USER_KEYS
    user = User.objects.get()
    assert body == {
        "id": user.pk,
        "email": NEW_EMAIL,
        "first_name": "",
        "last_name": "",
        "role": "CUSTOMER",
        "phone": "",
        "address": "",
        "is_active": True,
        "email_verified": False,
        "date_joined": body["date_joined"],
    }
    assert body["date_joined"].endswith(("Z", "+00:00"))
    assert user.role == "CUSTOMER" and user.is_active
    assert not user.is_staff and not user.is_superuser
    assert user.check_password(STRONG_PASSWORD)
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_register_full_body_stores_every_field() -> None:
    response = register(
        first_name="Ada",
        last_name="Lovelace",
        role="SELLER",
        phone="+44 20 7946 0000",
        address="12 St James's Square, London",
    )

    body = assert_json(response, 201)
    user = User.objects.get(pk=body["id"])
    assert (user.first_name, user.last_name, user.role, user.phone, user.address) == (
        "Ada",
        "Lovelace",
        "SELLER",
        "+44 20 7946 0000",
        "12 St James's Square, London",
    )
    assert {k: body[k] for k in ("first_name", "last_name", "role", "phone", "address")} == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "role": "SELLER",
        "phone": "+44 20 7946 0000",
        "address": "12 St James's Square, London",
    }


@pytest.mark.django_db
def test_register_response_never_contains_password() -> None:
    response = register()

    body = assert_json(response, 201)
    assert "password" not in body
    stored_hash = User.objects.get().password
    assert STRONG_PASSWORD not in response.content.decode()
    assert stored_hash not in response.content.decode()


@pytest.mark.django_db
def test_register_email_stored_lower_cased_whole() -> None:
    response = register(email="Alice@Example.COM")

    body = assert_json(response, 201)
    assert body["email"] == "alice@example.com"
    assert User.objects.get(pk=body["id"]).email == "alice@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["CUSTOMER", "SELLER"])
def test_register_self_service_role_allowed(role: str) -> None:
    response = register(role=role)

    assert assert_json(response, 201)["role"] == role
    assert User.objects.get().role == role


@pytest.mark.django_db
def test_register_emoji_name_round_trips() -> None:
    name = "Zoë 🦄🚀"  # 4-byte UTF-8 characters: needs utf8mb4 on MySQL/MariaDB
    created = assert_json(register(first_name=name, last_name="𝔘𝔫𝔦𝔠𝔬𝔡𝔢"), 201)  # noqa: RUF001  (look-alike letters on purpose)
    assert created["first_name"] == name
    assert User.objects.get().first_name == name

    client = ApiClient()
    login = assert_json(client.post("/api/login/", {"email": NEW_EMAIL, "password": STRONG_PASSWORD}), 200)
    profile = assert_json(client.get("/api/profile/", HTTP_AUTHORIZATION=f"Bearer {login['access']}"), 200)

    assert profile["first_name"] == name
    assert profile["last_name"] == "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"  # noqa: RUF001  (look-alike letters on purpose)


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@EXAMPLE.COM", "Taken@Example.com", "tAkEn@eXaMpLe.CoM"])
def test_register_taken_email_any_case_409(email: str) -> None:
    CustomerFactory.create(email="taken@example.com")
    before = table_counts()

    response = register(email=email)

    assert_refused_without_writes(response, 409, before)
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status"),
    [({"password": "iloveyou"}, 422), ({"role": "ADMIN"}, 403)],
    ids=["weak-password-422", "admin-role-403"],
)
def test_register_taken_email_checked_last(overrides: dict[str, str], status: int) -> None:
    """Checks run 403, 422, then 409: a taken e-mail is reported only for an otherwise valid sign-up."""
    CustomerFactory.create(email=NEW_EMAIL)
    before = table_counts()

    response = register(**overrides)

    locs = [["body", "password"]] if status == 422 else []
    assert_refused_without_writes(response, status, before, *locs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email",
    ["not-an-email", "alice@", "@example.com", "alice@@example.com", "al ice@example.com", "alice@example", "", "a"],
)
def test_register_invalid_email_422(email: str) -> None:
    before = table_counts()

    assert_refused_without_writes(register(email=email), 422, before, ["body", "email"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (NEW_EMAIL, "iloveyou", "too common"),
        (NEW_EMAIL, "password123", "too common"),
        (NEW_EMAIL, "4829173650", "entirely numeric"),
        ("jonathan.smithers@example.com", "jonathan.smithers", "too similar"),
        ("jonathan.smithers@example.com", "Smithers.Jonathan", "too similar"),
    ],
    ids=["common", "common-with-digits", "all-digits", "like-email", "like-email-reordered"],
)
def test_register_weak_password_422(email: str, password: str, message: str) -> None:
    before = table_counts()

    response = register(email=email, password=password)

    errors = assert_validation_error(response, ["body", "password"])
    assert [error["type"] for error in errors] == ["password_too_weak"]
    assert message in errors[0]["msg"]
    assert table_counts() == before


@pytest.mark.django_db
def test_register_short_password_422_from_the_schema() -> None:
    """The spec publishes minLength 8, so the schema refuses a shorter one before the validators."""
    before = table_counts()

    response = register(email=NEW_EMAIL, password="Xy7!qz")

    errors = assert_validation_error(response, ["body", "password"])
    assert [error["type"] for error in errors] == ["string_too_short"]
    assert table_counts() == before


@pytest.mark.django_db
def test_register_role_admin_403() -> None:
    before = table_counts()

    response = register(role="ADMIN")

    assert_refused_without_writes(response, 403, before)


@pytest.mark.django_db
def test_register_unknown_role_422() -> None:
    before = table_counts()

    assert_refused_without_writes(register(role="SUPERUSER"), 422, before, ["body", "role"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"is_staff": True},
        {"is_superuser": True},
        {"rol": "SELLER"},
        {"Role": "ADMIN"},
        {"is_active": False},
        {"id": 1},
        {"token_version": 7},
        {"password_confirm": STRONG_PASSWORD},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_register_unknown_field_422(extra: dict[str, Any]) -> None:
    before = table_counts()

    response = register(**extra)

    errors = assert_validation_error(response, ["body", next(iter(extra))])
    assert {error["type"] for error in errors} == {"extra_forbidden"}
    assert table_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", 5),
        ("email", None),
        ("email", ["a@example.com"]),
        ("password", 1234567890123),
        ("password", {"value": STRONG_PASSWORD}),
        ("first_name", 42),
        ("last_name", True),
        ("role", 1),
        ("phone", 5551234),
        ("address", ["1 Main St"]),
    ],
)
def test_register_wrong_json_type_422(field: str, value: Any) -> None:
    before = table_counts()

    assert_refused_without_writes(register(**{field: value}), 422, before, ["body", field])


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], "a string", 5, None], ids=["list", "string", "number", "null"])
def test_register_body_not_an_object_422(body: Any) -> None:
    before = table_counts()

    response = ApiClient().post(REGISTER, body)

    assert_validation_error(response)
    assert table_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["email", "password"])
def test_register_missing_required_field_422(missing: str) -> None:
    before = table_counts()
    body = payload()
    del body[missing]

    response = ApiClient().post(REGISTER, body)

    assert_refused_without_writes(response, 422, before, ["body", missing])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "a" * 151),
        ("last_name", "b" * 151),
        ("phone", "1" * 33),
        ("address", "c" * 501),
        ("password", "Long-pass-" + "x" * 119),
        ("email", "a" * 243 + "@example.com"),
    ],
    ids=["first_name-151", "last_name-151", "phone-33", "address-501", "password-129", "email-255"],
)
def test_register_over_long_string_422(field: str, value: str) -> None:
    before = table_counts()

    assert_refused_without_writes(register(**{field: value}), 422, before, ["body", field])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", "a" * 150), ("phone", "1" * 32), ("address", "c" * 500), ("password", "Long-pass-" + "x" * 118)],
    ids=["first_name-150", "phone-32", "address-500", "password-128"],
)
def test_register_string_at_max_length_201(field: str, value: str) -> None:
    body = assert_json(register(**{field: value}), 201)

    user = User.objects.get(pk=body["id"])
    if field == "password":
        assert user.check_password(value)
    else:
        assert getattr(user, field) == value == body[field]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["first_name", "last_name", "phone", "address"])
def test_register_nul_byte_422(field: str) -> None:
    before = table_counts()

    assert_refused_without_writes(register(**{field: "Ali\x00ce"}), 422, before, ["body", field])
