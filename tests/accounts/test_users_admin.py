"""The users administration: /api/users/..., policy-guarded (ADMIN by default)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.models import RoleChange, User
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import (
    PASSWORD,
    AdminFactory,
    CustomerFactory,
    RoleChangeFactory,
    SellerFactory,
    UserFactory,
)
from permissions.registry import policies
from tests.accounts.helpers import (
    TOKEN_INVALID,
    USER_KEYS,
    assert_detail,
    assert_json,
    assert_unauthorized,
    assert_user_body,
    assert_validation_error,
    table_counts,
    user_row,
)
from tests.assertions import assert_denied

USERS = "/api/users/"
ROLE_CHANGE_KEYS = {"id", "actor_id", "user_id", "old_role", "new_role", "at"}
LAST_ADMIN = "This is the last active admin: promote another admin first."
MISSING_ID = 999_999_999


def user_url(user_id: Any) -> str:
    return f"{USERS}{user_id}/"


def role_url(user_id: Any) -> str:
    return f"{USERS}{user_id}/role/"


def history_url(user_id: Any) -> str:
    return f"{USERS}{user_id}/role-history/"


def bearer(access: str) -> dict[str, str]:
    """`headers=` with a Bearer access token."""
    return {"Authorization": f"Bearer {access}"}


def list_users(client: ApiClient, query: str = "") -> dict[str, Any]:
    body: dict[str, Any] = assert_json(client.get(f"{USERS}{query}"), 200)
    assert set(body) == {"items", "count"}
    for item in body["items"]:
        assert set(item) == USER_KEYS
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def ids_of(users: Any) -> list[int]:
    return sorted(user.pk for user in users)


# --- list ------------------------------------------------------------------------------------


def test_users_list_page(admin: User, admin_client: ApiClient) -> None:
    others = CustomerFactory.create_batch(3)

    body = list_users(admin_client)

    assert body["count"] == User.objects.count() == 4
    assert ids(body) == ids_of([admin, *others])
    by_id = {item["id"]: item for item in body["items"]}
    for user in [admin, *others]:
        assert_user_body(by_id[user.pk], user)


@pytest.mark.parametrize("role", ["ADMIN", "SELLER", "CUSTOMER"])
def test_users_list_filter_role(admin_client: ApiClient, role: str) -> None:
    CustomerFactory.create_batch(2)
    SellerFactory.create_batch(3)
    AdminFactory.create()

    body = list_users(admin_client, f"?role={role}")

    expected = User.objects.filter(role=role)
    assert body["count"] == expected.count() > 0
    assert ids(body) == ids_of(expected)
    assert {item["role"] for item in body["items"]} == {role}


@pytest.mark.parametrize(("query", "active"), [("true", True), ("false", False), ("1", True), ("0", False)])
def test_users_list_filter_is_active(admin_client: ApiClient, query: str, active: bool) -> None:
    CustomerFactory.create_batch(2, is_active=False)
    CustomerFactory.create_batch(1)

    body = list_users(admin_client, f"?is_active={query}")

    expected = User.objects.filter(is_active=active)
    assert body["count"] == expected.count() > 0
    assert ids(body) == ids_of(expected)


def test_users_list_filters_combine(admin_client: ApiClient) -> None:
    wanted = SellerFactory.create(is_active=False)
    SellerFactory.create()
    CustomerFactory.create(is_active=False)

    body = list_users(admin_client, "?role=SELLER&is_active=false")

    assert ids(body) == [wanted.pk]
    assert body["count"] == 1


@pytest.fixture
def searchable(db: None) -> dict[str, User]:
    return {
        "email": CustomerFactory.create(email="quixotic.reader@example.com", first_name="Ann", last_name="Lee"),
        "first": CustomerFactory.create(first_name="Zebulon", last_name="Smith"),
        "last": SellerFactory.create(first_name="Tom", last_name="Quillfeather"),
        "percent": CustomerFactory.create(first_name="100%", last_name="Sure"),
        "hundred": CustomerFactory.create(first_name="1000", last_name="Sure"),
        "underscore": CustomerFactory.create(first_name="snake_case", last_name="Py"),
        "no-underscore": CustomerFactory.create(first_name="snakeXcase", last_name="Py"),
    }


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("quixotic", ["email"]),
        ("QUIXOTIC.Reader@EXAMPLE", ["email"]),
        ("zebul", ["first"]),
        ("ZEBULON", ["first"]),
        ("quillFEATHER", ["last"]),
        ("0%", ["percent"]),
        ("%", ["percent"]),
        ("e_c", ["underscore"]),
        ("_", ["underscore"]),
        ("no-such-person", []),
    ],
)
def test_users_list_search(
    admin_client: ApiClient, searchable: dict[str, User], search: str, expected: list[str]
) -> None:
    body = list_users(admin_client, f"?search={quote(search)}")

    assert ids(body) == ids_of(searchable[name] for name in expected)
    assert body["count"] == len(expected)


def test_users_list_search_and_role(admin_client: ApiClient, searchable: dict[str, User]) -> None:
    body = list_users(admin_client, "?search=q&role=SELLER")

    assert ids(body) == [searchable["last"].pk]


def test_users_list_default_limit_20(admin_client: ApiClient) -> None:
    CustomerFactory.create_batch(24)

    body = list_users(admin_client)

    assert body["count"] == 25
    assert ids(body) == sorted(User.objects.values_list("id", flat=True))[:20]


@pytest.mark.parametrize(("limit", "offset"), [(1, 0), (5, 3), (100, 0), (10, 24), (10, 30)])
def test_users_list_limit_offset(admin_client: ApiClient, limit: int, offset: int) -> None:
    CustomerFactory.create_batch(24)
    all_ids = sorted(User.objects.values_list("id", flat=True))

    body = list_users(admin_client, f"?limit={limit}&offset={offset}")

    assert body["count"] == 25
    assert ids(body) == all_ids[offset : offset + limit]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("?limit=0", ["query", "limit"]),
        ("?limit=101", ["query", "limit"]),
        ("?limit=-1", ["query", "limit"]),
        ("?limit=abc", ["query", "limit"]),
        ("?offset=-1", ["query", "offset"]),
        ("?offset=abc", ["query", "offset"]),
        (f"?offset={10**23}", ["query", "offset"]),
        ("?role=OWNER", ["query", "role"]),
        ("?role=admin", ["query", "role"]),
        ("?is_active=maybe", ["query", "is_active"]),
        ("?search=" + "a" * 101, ["query", "search"]),
        ("?search=a%00b", ["query", "search"]),
    ],
)
def test_users_list_invalid_query_422(admin_client: ApiClient, query: str, loc: list[str]) -> None:
    assert_validation_error(admin_client.get(f"{USERS}{query}"), loc)


# --- read one -------------------------------------------------------------------------------


def test_users_get_one(admin_client: ApiClient, customer: User) -> None:
    assert_user_body(assert_json(admin_client.get(user_url(customer.pk)), 200), customer)


def test_users_get_missing_404(admin_client: ApiClient) -> None:
    assert assert_json(admin_client.get(user_url(MISSING_ID)), 404) == {"detail": "Not found", "code": "not_found"}


@pytest.mark.parametrize("user_id", ["abc", str(10**23), "0", "-1", "1.5"])
def test_users_get_invalid_id_422(admin_client: ApiClient, user_id: str) -> None:
    assert_validation_error(admin_client.get(user_url(user_id)), ["path", "user_id"])


# --- update -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Linus"},
        {"last_name": "Torvalds"},
        {"phone": "+358 40 000"},
        {"address": "Helsinki"},
        {"is_active": False},
        {"first_name": "Linus", "is_active": True},
    ],
)
def test_users_patch_changes_fields(admin_client: ApiClient, customer: User, changes: dict[str, Any]) -> None:
    before = user_row(customer)

    body = assert_json(admin_client.patch(user_url(customer.pk), changes), 200)

    assert_user_body(body, customer)
    after = user_row(customer)
    assert {k: after[k] for k in changes} == changes
    untouched = set(before) - set(changes) - {"token_version"}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "ADMIN"},
        {"email": "x@example.com"},
        {"is_staff": True},
        {"password": "x"},
        {"is_active": "false"},
        {"is_active": 0},
        {"is_active": None},
        {"first_name": None},
    ],
    ids=[
        "role",
        "email",
        "is_staff",
        "password",
        "is_active-string",
        "is_active-int",
        "is_active-null",
        "first_name-null",
    ],
)
def test_users_patch_invalid_422(admin_client: ApiClient, customer: User, changes: dict[str, Any]) -> None:
    before = user_row(customer)

    assert_validation_error(admin_client.patch(user_url(customer.pk), changes), ["body", next(iter(changes))])
    assert user_row(customer) == before


def test_users_patch_missing_404(admin_client: ApiClient) -> None:
    before = table_counts()

    assert assert_json(admin_client.patch(user_url(MISSING_ID), {"first_name": "X"}), 404) == {
        "detail": "Not found",
        "code": "not_found",
    }
    assert table_counts() == before


def test_users_patch_deactivate_revokes_tokens_at_once(admin_client: ApiClient, customer: User) -> None:
    pair = tokens_for(customer)
    assert assert_json(ApiClient().get("/api/profile/", headers=bearer(pair.access)), 200)["id"] == customer.pk

    body = assert_json(admin_client.patch(user_url(customer.pk), {"is_active": False}), 200)

    assert body["is_active"] is False
    assert User.objects.get(pk=customer.pk).is_active is False
    assert_unauthorized(ApiClient().get("/api/profile/", headers=bearer(pair.access)), TOKEN_INVALID["detail"])
    assert_unauthorized(ApiClient().post("/api/token/refresh/", {"refresh": pair.refresh}))


def test_users_patch_reactivate_does_not_revive_tokens(admin_client: ApiClient, customer: User) -> None:
    pair = tokens_for(customer)
    assert admin_client.patch(user_url(customer.pk), {"is_active": False}).status_code == 200

    body = assert_json(admin_client.patch(user_url(customer.pk), {"is_active": True}), 200)

    assert body["is_active"] is True
    assert User.objects.get(pk=customer.pk).is_active is True
    assert_unauthorized(ApiClient().get("/api/profile/", headers=bearer(pair.access)), TOKEN_INVALID["detail"])
    assert_unauthorized(ApiClient().post("/api/token/refresh/", {"refresh": pair.refresh}))
    # A new login works again.
    login = assert_json(ApiClient().post("/api/login/", {"email": customer.email, "password": PASSWORD}), 200)
    assert assert_json(ApiClient().get("/api/profile/", headers=bearer(login["access"])), 200)["id"] == customer.pk


def test_users_patch_deactivate_last_active_admin_409(admin: User, admin_client: ApiClient) -> None:
    AdminFactory.create(is_active=False)  # an inactive admin does not count
    before, counts = user_row(admin), table_counts()

    response = admin_client.patch(user_url(admin.pk), {"is_active": False})

    assert_detail(response, 409, LAST_ADMIN)
    assert user_row(admin) == before
    assert table_counts() == counts
    assert list_users(admin_client)["count"] == 2  # the token still works


def test_users_patch_deactivate_admin_when_another_remains(admin: User, admin_client: ApiClient) -> None:
    other = AdminFactory.create()

    body = assert_json(admin_client.patch(user_url(other.pk), {"is_active": False}), 200)

    assert body["is_active"] is False
    assert User.objects.get(pk=other.pk).is_active is False


# --- role ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [("CUSTOMER", "SELLER"), ("CUSTOMER", "ADMIN"), ("SELLER", "CUSTOMER"), ("SELLER", "ADMIN")],
)
def test_users_set_role_records_change(admin: User, admin_client: ApiClient, old: str, new: str) -> None:
    target = UserFactory.create(role=old)
    started = timezone.now()

    body = assert_json(admin_client.put(role_url(target.pk), {"role": new}), 200)

    assert_user_body(body, target)
    assert body["role"] == new
    change = RoleChange.objects.get()
    assert (change.actor_id, change.user_id, change.old_role, change.new_role) == (admin.pk, target.pk, old, new)
    assert started - timedelta(seconds=1) <= change.at <= timezone.now() + timedelta(seconds=1)


def test_users_set_role_demote_other_admin(admin: User, admin_client: ApiClient) -> None:
    other = AdminFactory.create()

    assert assert_json(admin_client.put(role_url(other.pk), {"role": "SELLER"}), 200)["role"] == "SELLER"
    assert User.objects.get(pk=other.pk).role == "SELLER"
    assert RoleChange.objects.get().old_role == "ADMIN"


def test_users_set_role_same_role_records_nothing(admin_client: ApiClient, customer: User) -> None:
    body = assert_json(admin_client.put(role_url(customer.pk), {"role": "CUSTOMER"}), 200)

    assert body["role"] == "CUSTOMER"
    assert not RoleChange.objects.exists()


def test_users_set_role_promotion_applies_to_token_issued_before(admin_client: ApiClient, customer: User) -> None:
    old_token = tokens_for(customer).access
    assert_denied(ApiClient().get(USERS, headers=bearer(old_token)), "users.view")

    assert admin_client.put(role_url(customer.pk), {"role": "ADMIN"}).status_code == 200

    body = assert_json(ApiClient().get(USERS, headers=bearer(old_token)), 200)
    assert customer.pk in ids(body)


def test_users_set_role_demotion_applies_to_token_issued_before(admin_client: ApiClient) -> None:
    other_admin = AdminFactory.create()
    old_token = tokens_for(other_admin).access
    assert ApiClient().get(USERS, headers=bearer(old_token)).status_code == 200

    assert admin_client.put(role_url(other_admin.pk), {"role": "CUSTOMER"}).status_code == 200

    assert_denied(ApiClient().get(USERS, headers=bearer(old_token)), "users.view")


@pytest.mark.parametrize("new_role", ["SELLER", "CUSTOMER"])
def test_users_set_role_demote_last_active_admin_409(admin: User, admin_client: ApiClient, new_role: str) -> None:
    AdminFactory.create(is_active=False)
    before, counts = user_row(admin), table_counts()

    response = admin_client.put(role_url(admin.pk), {"role": new_role})

    assert_detail(response, 409, LAST_ADMIN)
    assert user_row(admin) == before
    assert table_counts() == counts


def test_users_set_role_admin_may_demote_self_when_another_admin_remains(admin: User, admin_client: ApiClient) -> None:
    AdminFactory.create()

    assert assert_json(admin_client.put(role_url(admin.pk), {"role": "SELLER"}), 200)["role"] == "SELLER"
    assert User.objects.get(pk=admin.pk).role == "SELLER"
    change = RoleChange.objects.get()
    assert (change.actor_id, change.user_id) == (admin.pk, admin.pk)


@pytest.fixture
def sellers_change_roles() -> Iterator[None]:
    policies.override_roles({"users.change_role": ["ADMIN", "SELLER"]})
    try:
        yield
    finally:
        policies.reset_roles()


@pytest.mark.usefixtures("sellers_change_roles")
def test_users_set_role_cannot_raise_own_role_403(seller: User, seller_client: ApiClient) -> None:
    before, counts = user_row(seller), table_counts()

    response = seller_client.put(role_url(seller.pk), {"role": "ADMIN"})

    assert_detail(response, 403, code="own_role_raise")
    assert user_row(seller) == before
    assert table_counts() == counts


@pytest.mark.usefixtures("sellers_change_roles")
def test_users_set_role_holder_of_policy_may_lower_own_role(seller: User, seller_client: ApiClient) -> None:
    body = assert_json(seller_client.put(role_url(seller.pk), {"role": "CUSTOMER"}), 200)

    assert body["role"] == "CUSTOMER"
    assert User.objects.get(pk=seller.pk).role == "CUSTOMER"


@pytest.mark.parametrize(
    "body",
    [{"role": "OWNER"}, {"role": "admin"}, {"role": None}, {}, {"role": "SELLER", "x": 1}],
    ids=["unknown", "lower-case", "null", "missing", "extra-field"],
)
def test_users_set_role_invalid_body_422(admin_client: ApiClient, customer: User, body: dict[str, Any]) -> None:
    before, counts = user_row(customer), table_counts()

    assert_validation_error(admin_client.put(role_url(customer.pk), body))
    assert user_row(customer) == before
    assert table_counts() == counts


def test_users_set_role_missing_user_404(admin_client: ApiClient) -> None:
    before = table_counts()

    assert assert_json(admin_client.put(role_url(MISSING_ID), {"role": "SELLER"}), 404) == {
        "detail": "Not found",
        "code": "not_found",
    }
    assert table_counts() == before


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("patch", user_url(MISSING_ID), {"role": "ADMIN"}),
        ("patch", user_url(MISSING_ID), {"is_active": "no"}),
        ("put", role_url(MISSING_ID), {"role": "OWNER"}),
        ("put", role_url(MISSING_ID), {}),
        ("get", history_url(MISSING_ID) + "?limit=0", None),
    ],
    ids=["patch-unknown-field", "patch-wrong-type", "set-role-unknown-role", "set-role-empty", "history-bad-limit"],
)
def test_users_missing_user_404_before_422(admin_client: ApiClient, method: str, url: str, body: Any) -> None:
    """The contract's order is 401, 403, 404, 422, 409: a missing user is a 404 whatever the body."""
    before = table_counts()

    response = admin_client.get(url) if body is None else getattr(admin_client, method)(url, body)

    assert assert_json(response, 404) == {"detail": "Not found", "code": "not_found"}
    assert table_counts() == before


# --- role history ------------------------------------------------------------------------------


def test_users_role_history_newest_first(admin: User, admin_client: ApiClient, customer: User) -> None:
    for role in ("SELLER", "ADMIN", "CUSTOMER"):
        assert admin_client.put(role_url(customer.pk), {"role": role}).status_code == 200
    RoleChangeFactory.create()  # another user's history is not listed

    body = assert_json(admin_client.get(history_url(customer.pk)), 200)

    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    for item in body["items"]:
        assert set(item) == ROLE_CHANGE_KEYS
    assert [(i["actor_id"], i["user_id"], i["old_role"], i["new_role"]) for i in body["items"]] == [
        (admin.pk, customer.pk, "ADMIN", "CUSTOMER"),
        (admin.pk, customer.pk, "SELLER", "ADMIN"),
        (admin.pk, customer.pk, "CUSTOMER", "SELLER"),
    ]
    stored = list(RoleChange.objects.filter(user=customer).order_by("-at", "-id"))
    assert [item["id"] for item in body["items"]] == [change.pk for change in stored]
    ats = [item["at"] for item in body["items"]]
    assert all(at.endswith(("Z", "+00:00")) for at in ats)


def test_users_role_history_ordered_by_time(admin_client: ApiClient, customer: User) -> None:
    now = timezone.now()
    older = RoleChangeFactory.create(user=customer)
    newer = RoleChangeFactory.create(user=customer)
    # Written out of order: the newer change has the smaller id.
    RoleChange.objects.filter(pk=older.pk).update(at=now - timedelta(days=1))
    RoleChange.objects.filter(pk=newer.pk).update(at=now - timedelta(days=2))

    body = assert_json(admin_client.get(history_url(customer.pk)), 200)

    assert [item["id"] for item in body["items"]] == [older.pk, newer.pk]


def test_users_role_history_command_line_change_has_null_actor(admin_client: ApiClient, customer: User) -> None:
    RoleChangeFactory.create(user=customer, actor=None)

    body = assert_json(admin_client.get(history_url(customer.pk)), 200)

    assert body["items"][0]["actor_id"] is None


def test_users_role_history_empty(admin_client: ApiClient, customer: User) -> None:
    assert assert_json(admin_client.get(history_url(customer.pk)), 200) == {"items": [], "count": 0}


def test_users_role_history_paginated(admin_client: ApiClient, customer: User) -> None:
    RoleChangeFactory.create_batch(3, user=customer)

    body = assert_json(admin_client.get(history_url(customer.pk) + "?limit=2&offset=1"), 200)

    assert body["count"] == 3
    assert len(body["items"]) == 2
    assert_validation_error(admin_client.get(history_url(customer.pk) + "?limit=0"), ["query", "limit"])


def test_users_role_history_missing_user_404(admin_client: ApiClient) -> None:
    assert assert_json(admin_client.get(history_url(MISSING_ID)), 404) == {"detail": "Not found", "code": "not_found"}


# --- who may ---------------------------------------------------------------------------------------

#: (method, url builder, body, policy named in the 403)
ENDPOINTS = [
    ("get", lambda _: USERS, None, "users.view"),
    ("get", user_url, None, "users.view"),
    ("patch", user_url, {"first_name": "Mallory"}, "users.change"),
    ("patch", user_url, {"is_active": False}, "users.change"),
    ("put", role_url, {"role": "ADMIN"}, "users.change_role"),
    ("get", history_url, None, "users.view"),
    ("get", lambda user_id: f"{USERS}{user_id}/security-events/", None, "users.view"),
]
ENDPOINT_IDS = ["list", "get", "patch", "deactivate", "set-role", "role-history", "security-events"]


def call(client: ApiClient, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url) if body is None else getattr(client, method)(url, body)


@pytest.mark.parametrize("role", ["CUSTOMER", "SELLER"])
@pytest.mark.parametrize(("method", "url", "body", "policy"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_users_endpoints_forbidden_below_admin_403(
    client_for: Any, role: str, method: str, url: Any, body: Any, policy: str
) -> None:
    caller = UserFactory.create(role=role)
    client = client_for(caller)
    target = CustomerFactory.create()
    before, counts = user_row(target), table_counts()

    response = call(client, method, url(target.pk), body)

    assert_denied(response, policy)
    assert user_row(target) == before
    assert User.objects.get(pk=caller.pk).role == role
    assert table_counts() == counts


@pytest.mark.parametrize(("method", "url", "body", "policy"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_users_endpoints_forbidden_before_404_and_422(
    customer_client: ApiClient, method: str, url: Any, body: Any, policy: str
) -> None:
    """Checks run 401, 403, 404, 422: a missing id and a bad body still answer 403."""
    bad_body = None if body is None else {"role": "NOPE", "smuggled": True}

    response = call(customer_client, method, url(MISSING_ID), bad_body)

    assert_denied(response, policy)


@pytest.mark.parametrize(("method", "url", "body", "policy"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_users_endpoints_anonymous_401(
    anon_client: ApiClient, customer: User, method: str, url: Any, body: Any, policy: str
) -> None:
    before, counts = user_row(customer), table_counts()

    assert_unauthorized(call(anon_client, method, url(customer.pk), body))
    assert user_row(customer) == before
    assert table_counts() == counts


@pytest.mark.parametrize(("method", "url", "body", "policy"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_users_endpoints_invalid_token_401(customer: User, method: str, url: Any, body: Any, policy: str) -> None:
    client = ApiClient(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert_unauthorized(call(client, method, url(customer.pk), body))
