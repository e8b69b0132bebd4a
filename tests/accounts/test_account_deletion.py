"""DELETE /api/profile/: a user deletes their own account, with their password."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from accounts.models import User
from authn.models import LoginSession
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import PASSWORD, AdminFactory, CustomerFactory, TaskFactory
from tasks.models import Task
from tests.accounts.helpers import TOKEN_INVALID, assert_json, assert_unauthorized, assert_validation_error, user_row

PROFILE = "/api/profile/"
WRONG_PASSWORD = {"detail": "The current password is wrong.", "code": "wrong_password"}
LAST_ADMIN = {"detail": "This is the last active admin: promote another admin first.", "code": "last_admin"}


def delete_account(client: ApiClient, password: str = PASSWORD) -> Any:
    return client.delete(PROFILE, {"password": password}, content_type="application/json")


def test_delete_own_account_204_and_everything_of_it_goes(customer: User, caplog: pytest.LogCaptureFixture) -> None:
    client = ApiClient(customer)
    pair = tokens_for(customer)
    owned, assigned = TaskFactory.create(owner=customer), TaskFactory.create(assignee=customer)
    others_task = TaskFactory.create()
    customer_id = customer.pk
    caplog.set_level(logging.INFO, logger="nexora.audit")

    response = delete_account(client)

    assert response.status_code == 204 and response.content == b""
    assert not User.objects.filter(pk=customer_id).exists()
    assert not Task.objects.filter(pk=owned.pk).exists()
    assert Task.objects.get(pk=assigned.pk).assignee_id is None
    assert Task.objects.filter(pk=others_task.pk).exists()
    assert_unauthorized(client.get(PROFILE))
    assert assert_json(ApiClient().post("/api/token/refresh/", {"refresh": pair.refresh}), 401) == TOKEN_INVALID
    assert not LoginSession.objects.filter(user_id=customer_id).exists()
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "user_deleted"]
    assert (record.actor_id, record.user_id) == (customer_id, customer_id)  # type: ignore[attr-defined]


def test_delete_own_account_wrong_password_400(customer: User) -> None:
    before = user_row(customer)

    assert assert_json(delete_account(ApiClient(customer), "Wrong-Passw0rd!"), 400) == WRONG_PASSWORD
    assert user_row(customer) == before


def test_delete_the_last_active_admin_409(admin: User) -> None:
    client = ApiClient(admin)

    assert assert_json(delete_account(client), 409) == LAST_ADMIN
    assert User.objects.filter(pk=admin.pk).exists()
    assert client.get(PROFILE).status_code == 200  # nothing was revoked either


def test_delete_an_admin_when_another_remains_204(admin: User) -> None:
    AdminFactory.create()

    assert delete_account(ApiClient(admin)).status_code == 204
    assert not User.objects.filter(pk=admin.pk).exists()


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (None, ["body"]),
        ({}, ["body", "password"]),
        ({"password": ""}, ["body", "password"]),
        ({"password": PASSWORD, "confirm": True}, ["body", "confirm"]),
    ],
    ids=["no-body", "empty", "empty-password", "unknown-field"],
)
def test_delete_own_account_malformed_body_422(body: Any, loc: list[str], customer: User) -> None:
    client = ApiClient(customer)
    response = client.delete(PROFILE) if body is None else client.delete(PROFILE, body, content_type="application/json")

    assert_validation_error(response, loc)
    assert User.objects.filter(pk=customer.pk).exists()


def test_delete_own_account_anonymous_401(db: None) -> None:
    CustomerFactory.create()

    assert_unauthorized(delete_account(ApiClient()))
