"""POST /api/users/: an admin creates an account; its owner sets the password from a mailed link."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accounts.models import RoleChange, User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import CustomerFactory
from permissions.registry import policies
from tests.accounts.helpers import (
    USER_KEYS,
    assert_json,
    assert_unauthorized,
    assert_validation_error,
    mail_link,
    table_counts,
)
from tests.assertions import assert_denied
from tests.body_parses import parses_of

USERS = "/api/users/"
EMAIL_TAKEN = {"detail": "A user with this email already exists.", "code": "email_taken"}

Deliver = Callable[[Callable[[], Any]], Any]


@pytest.fixture
def without_change_role() -> Iterator[None]:
    """A deployment that lets admins create accounts but not grant roles."""
    policies.override_roles({"users.change_role": []})
    try:
        yield
    finally:
        policies.reset_roles()


def create(client: ApiClient, idempotency_key: str | None = None, **body: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    return client.post(USERS, {"email": "new.hire@example.com", "role": "SELLER", **body}, **headers)


def test_create_user_201_without_a_usable_password(
    admin: User, admin_client: ApiClient, deliver: Deliver, mailoutbox: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nexora.audit")

    response = deliver(
        lambda: create(admin_client, email="New.Hire@Example.com", first_name="Grace", last_name="Hopper")
    )

    body = assert_json(response, 201)
    user = User.objects.get(email="new.hire@example.com")
    assert body == {
        "id": user.pk,
        "email": "new.hire@example.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "role": "SELLER",
        "phone": "",
        "address": "",
        "is_active": True,
        "email_verified": False,
        "date_joined": body["date_joined"],
    }
    assert set(body) == USER_KEYS
    assert not user.has_usable_password()
    [change] = RoleChange.objects.filter(user=user)
    assert (change.actor_id, change.old_role, change.new_role) == (admin.pk, None, "SELLER")
    [message] = mailoutbox
    assert message.to == ["new.hire@example.com"]
    assert message.subject == "Your Nexora account is ready: choose a password"
    assert set(mail_link(message, "reset-password")) == {"uid", "token"}
    assert [r.role for r in caplog.records if getattr(r, "event", None) == "user_created"] == ["SELLER"]  # type: ignore[attr-defined]


def test_created_user_appears_in_the_role_history_with_no_old_role(admin_client: ApiClient) -> None:
    user_id = create(admin_client, role="CUSTOMER").json()["id"]

    history = assert_json(admin_client.get(f"{USERS}{user_id}/role-history/"), 200)

    assert [(item["old_role"], item["new_role"]) for item in history["items"]] == [(None, "CUSTOMER")]


@pytest.mark.usefixtures("without_change_role")
def test_create_admin_needs_users_change_role(admin_client: ApiClient) -> None:
    refused = create(admin_client, role="ADMIN")
    refused_even_with_a_bad_body = create(admin_client, role="ADMIN", email="not-an-email")
    allowed = create(admin_client, role="SELLER")

    for response in (refused, refused_even_with_a_bad_body):
        assert_denied(response, "users.change_role")
    assert allowed.status_code == 201
    assert admin_client.user is not None
    assert not User.objects.filter(role="ADMIN").exclude(pk=admin_client.user.pk).exists()


@pytest.mark.usefixtures("without_change_role")
def test_the_role_precheck_answers_403_from_the_parsers_one_reading(admin_client: ApiClient) -> None:
    """An ADMIN with a bad email: the 403 wins, and the precheck did not parse the body again."""
    users_before = list(User.objects.values_list("pk", flat=True))
    body = json.dumps({"email": "not-an-email", "role": "ADMIN"})

    with parses_of(body) as parses:
        response = admin_client.post(USERS, body)

    assert_denied(response, "users.change_role")
    assert parses.count == 1
    assert list(User.objects.values_list("pk", flat=True)) == users_before


def test_create_admin_201_for_an_admin(admin_client: ApiClient) -> None:
    assert assert_json(create(admin_client, role="ADMIN"), 201)["role"] == "ADMIN"


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_create_user_taken_email_409(
    email: str, admin_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]
) -> None:
    CustomerFactory.create(email="taken@example.com")
    before = table_counts()

    assert assert_json(deliver(lambda: create(admin_client, email=email)), 409) == EMAIL_TAKEN
    assert table_counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"role": "OWNER"}, ["body", "role"]),
        ({"password": "Secret-Passw0rd!"}, ["body", "password"]),
        ({"is_staff": True}, ["body", "is_staff"]),
        ({"first_name": "x" * 151}, ["body", "first_name"]),
    ],
    ids=["bad-email", "unknown-role", "password", "is_staff", "long-name"],
)
def test_create_user_malformed_422(body: dict[str, Any], loc: list[str], admin_client: ApiClient) -> None:
    before = table_counts()

    assert_validation_error(create(admin_client, **body), loc)
    assert table_counts() == before


def test_create_user_without_a_role_422(admin_client: ApiClient) -> None:
    assert_validation_error(admin_client.post(USERS, {"email": "new.hire@example.com"}), ["body", "role"])


@pytest.mark.parametrize("role", ["CUSTOMER", "SELLER"])
def test_create_user_by_a_non_admin_403(role: str, client_for: Any) -> None:
    caller = CustomerFactory.create(role=role)

    assert_denied(create(client_for(caller)), "users.create")
    assert not User.objects.filter(email="new.hire@example.com").exists()


def test_create_user_anonymous_401(anon_client: ApiClient) -> None:
    assert_unauthorized(create(anon_client))


def test_create_user_is_idempotent(admin_client: ApiClient, deliver: Deliver, mailoutbox: list[Any]) -> None:
    first = deliver(lambda: create(admin_client, idempotency_key="hire-42"))
    again = deliver(lambda: create(admin_client, idempotency_key="hire-42"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(email="new.hire@example.com").count() == 1
    assert RoleChange.objects.filter(user__email="new.hire@example.com").count() == 1
    assert len(mailoutbox) == 1


def test_create_user_same_key_other_body_422(admin_client: ApiClient) -> None:
    create(admin_client, idempotency_key="hire-43")

    body = assert_json(create(admin_client, email="other@example.com", idempotency_key="hire-43"), 422)

    assert body["code"] == "idempotency_key_reused"
    assert not User.objects.filter(email="other@example.com").exists()


def test_admin_add_user_takes_users_create(db: None) -> None:
    from accounts.admin import UserAdmin

    assert UserAdmin.permission_policies["add"].name == "users.create"


def test_created_user_cannot_log_in_before_setting_a_password(admin_client: ApiClient) -> None:
    create(admin_client)

    assert ApiClient().post("/api/login/", {"email": "new.hire@example.com", "password": "!"}).status_code == 401
