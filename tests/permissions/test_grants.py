"""PUT/DELETE /api/permissions/roles/{role}/ and GET /api/permissions/changes/: grants changed
at run time, exact bodies, the order 401, 403, 404, 422, 409, and the change log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, CustomerFactory, SellerFactory
from permissions.models import GrantChange, GrantsVersion, RoleGrants
from permissions.registry import policies
from tests.assertions import assert_json, assert_validation_error
from tests.permissions.default_matrix import default_permissions

SELLER_URL = "/api/permissions/roles/SELLER/"
ADMIN_URL = "/api/permissions/roles/ADMIN/"
DENIED_MANAGE = {
    "detail": "You do not have permission to perform this action: requires 'permissions.manage'.",
    "code": "permission_denied",
    "policy": "permissions.manage",
    "reason": "role",
}
LOCKED = ["permissions.manage", "permissions.view", "users.change_role"]


def version() -> int:
    return int(GrantsVersion.objects.values_list("value", flat=True).first() or 0)


def changes() -> list[tuple[int | None, str, list[str], list[str]]]:
    return [(c.actor_id, c.role, c.added, c.removed) for c in GrantChange.objects.order_by("id")]


def seller_set_without_assign() -> list[str]:
    return [name for name in default_permissions(Role.SELLER) if name != "tasks.assign"]


# --- PUT ------------------------------------------------------------------------------------


def test_put_stores_the_whole_set_records_it_and_moves_the_version(admin: User, admin_client: ApiClient) -> None:
    wanted = [*seller_set_without_assign(), "users.view"]

    response = admin_client.put(SELLER_URL, {"policies": [*reversed(wanted), "users.view"]})

    assert assert_json(response, 200) == {"role": "SELLER", "policies": sorted(wanted), "default": False}
    assert list(RoleGrants.objects.values_list("role", "policies")) == [("SELLER", sorted(wanted))]
    assert changes() == [(admin.pk, "SELLER", ["users.view"], ["tasks.assign"])]
    assert version() > 0


def test_the_change_holds_on_the_next_request(admin_client: ApiClient) -> None:
    seller = SellerFactory.create()
    customer = CustomerFactory.create()
    body = {"title": "Call back", "assignee_id": customer.pk}
    assert ApiClient(seller).post("/api/tasks/", body).status_code == 201

    assert admin_client.put(SELLER_URL, {"policies": seller_set_without_assign()}).status_code == 200

    refused = ApiClient(seller).post("/api/tasks/", body)
    assert assert_json(refused, 403) == {
        "detail": "You do not have permission to perform this action: requires 'tasks.assign'.",
        "code": "permission_denied",
        "policy": "tasks.assign",
        "reason": "role",
    }
    held = ApiClient(seller).get("/api/profile/permissions/")
    assert assert_json(held, 200) == {"role": "SELLER", "permissions": seller_set_without_assign()}
    matrix = assert_json(ApiClient(seller).get("/api/permissions/"), 200)
    assign = next(policy for policy in matrix["policies"] if policy["name"] == "tasks.assign")
    assert assign["roles"] == ["ADMIN"]


def test_put_the_defaults_is_still_a_stored_set(admin_client: ApiClient) -> None:
    response = admin_client.put(SELLER_URL, {"policies": default_permissions(Role.SELLER)})

    assert assert_json(response, 200) == {
        "role": "SELLER",
        "policies": default_permissions(Role.SELLER),
        "default": False,
    }
    assert changes()[0][1:] == ("SELLER", [], [])
    # The same set again changes nothing: nothing recorded, the version stays.
    before = version()
    assert admin_client.put(SELLER_URL, {"policies": default_permissions(Role.SELLER)}).status_code == 200
    assert len(changes()) == 1 and version() == before


def test_an_empty_set_takes_everything(admin_client: ApiClient) -> None:
    response = admin_client.put("/api/permissions/roles/CUSTOMER/", {"policies": []})

    assert assert_json(response, 200) == {"role": "CUSTOMER", "policies": [], "default": False}
    customer = CustomerFactory.create()
    assert ApiClient(customer).get("/api/tasks/").status_code == 403
    assert ApiClient(customer).get("/api/profile/").status_code == 200  # access levels are no grants


def test_admin_may_change_its_own_unlocked_grants(admin_client: ApiClient) -> None:
    kept = [name for name in default_permissions(Role.ADMIN) if name != "tasks.delete_any"]

    response = admin_client.put(ADMIN_URL, {"policies": kept})

    assert assert_json(response, 200) == {"role": "ADMIN", "policies": kept, "default": False}
    held = admin_client.get("/api/profile/permissions/")
    assert assert_json(held, 200) == {"role": "ADMIN", "permissions": kept}
    assert policies.granted_to("ADMIN") == kept  # the request made this process current


@pytest.mark.parametrize("locked", LOCKED)
def test_admin_must_keep_its_locked_grants(admin_client: ApiClient, locked: str) -> None:
    without = [name for name in default_permissions(Role.ADMIN) if name != locked]

    response = admin_client.put(ADMIN_URL, {"policies": without})

    assert assert_json(response, 409) == {
        "detail": f"ADMIN must keep {locked}: these grants are locked.",
        "code": "grant_locked",
    }
    assert not RoleGrants.objects.exists() and not GrantChange.objects.exists() and version() == 0


def test_every_missing_locked_grant_is_named(admin_client: ApiClient) -> None:
    response = admin_client.put(ADMIN_URL, {"policies": ["tasks.create"]})

    assert assert_json(response, 409) == {
        "detail": f"ADMIN must keep {', '.join(LOCKED)}: these grants are locked.",
        "code": "grant_locked",
    }


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["tasks.fly"], "unknown policy 'tasks.fly'"),
        (["access.public"], "'access.public' is an access level, not a grant"),
        (["access.authenticated"], "'access.authenticated' is an access level, not a grant"),
    ],
)
def test_unknown_or_access_level_policy_is_422(admin_client: ApiClient, names: list[str], problem: str) -> None:
    response = admin_client.put(SELLER_URL, {"policies": ["tasks.create", *names]})

    errors = assert_validation_error(response, ["body", "policies", 1])
    assert errors[0]["msg"] == f"Value error, {problem}"
    assert not RoleGrants.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"policies": "tasks.create"}, {"policies": [1]}, {"policies": [], "role": "ADMIN"}, {"policies": None}],
    ids=["missing", "not-a-list", "not-a-string", "unknown-field", "null"],
)
def test_malformed_body_is_422(admin_client: ApiClient, body: dict[str, Any]) -> None:
    assert_validation_error(admin_client.put(SELLER_URL, body))
    assert not RoleGrants.objects.exists()


def test_unknown_role_is_404_before_the_body_is_judged(admin_client: ApiClient) -> None:
    for body in ({"policies": ["tasks.create"]}, {"policies": 42}):
        response = admin_client.put("/api/permissions/roles/OWNER/", body)
        assert assert_json(response, 404) == {"detail": "Not found", "code": "not_found"}
    response = admin_client.delete("/api/permissions/roles/admin/")  # role names are case-sensitive
    assert assert_json(response, 404) == {"detail": "Not found", "code": "not_found"}


def test_lock_comes_after_the_body_is_judged(admin_client: ApiClient) -> None:
    """422 before 409: an unknown policy in a set that would also drop a locked grant."""
    assert_validation_error(admin_client.put(ADMIN_URL, {"policies": ["tasks.fly"]}))


@pytest.mark.parametrize("role", [Role.SELLER, Role.CUSTOMER])
def test_without_permissions_manage_is_403_before_404_and_422(role: Role, db: None) -> None:
    client = ApiClient(SellerFactory.create() if role == Role.SELLER else CustomerFactory.create())
    for method, url, body in [
        ("put", SELLER_URL, {"policies": []}),
        ("put", "/api/permissions/roles/OWNER/", {"policies": 42}),
        ("delete", SELLER_URL, None),
        ("get", "/api/permissions/changes/", None),
    ]:
        response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)
        assert assert_json(response, 403) == DENIED_MANAGE, (method, url)
    assert not RoleGrants.objects.exists()


def test_anonymous_is_401(anon_client: ApiClient) -> None:
    for response in (
        anon_client.put(SELLER_URL, {"policies": []}),
        anon_client.delete(SELLER_URL),
        anon_client.get("/api/permissions/changes/"),
    ):
        assert assert_json(response, 401)["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_seller_granted_manage_may_change_grants(admin_client: ApiClient) -> None:
    seller = SellerFactory.create()
    managing = [*default_permissions(Role.SELLER), "permissions.manage"]
    assert admin_client.put(SELLER_URL, {"policies": managing}).status_code == 200

    response = ApiClient(seller).delete(SELLER_URL)

    assert assert_json(response, 200) == {
        "role": "SELLER",
        "policies": default_permissions(Role.SELLER),
        "default": True,
    }
    assert changes()[-1] == (seller.pk, "SELLER", [], ["permissions.manage"])
    assert assert_json(ApiClient(seller).delete(SELLER_URL), 403) == DENIED_MANAGE


# --- DELETE -----------------------------------------------------------------------------------


def test_delete_goes_back_to_the_defaults_and_is_recorded(admin: User, admin_client: ApiClient) -> None:
    admin_client.put(SELLER_URL, {"policies": ["tasks.create"]})
    moved = version()

    response = admin_client.delete(SELLER_URL)

    assert assert_json(response, 200) == {
        "role": "SELLER",
        "policies": default_permissions(Role.SELLER),
        "default": True,
    }
    assert not RoleGrants.objects.exists()
    added = sorted(set(default_permissions(Role.SELLER)) - {"tasks.create"})
    assert changes()[-1] == (admin.pk, "SELLER", added, [])
    assert version() > moved


def test_delete_of_a_role_on_its_defaults_changes_nothing(admin_client: ApiClient) -> None:
    response = admin_client.delete("/api/permissions/roles/CUSTOMER/")

    assert assert_json(response, 200) == {
        "role": "CUSTOMER",
        "policies": default_permissions(Role.CUSTOMER),
        "default": True,
    }
    assert not GrantChange.objects.exists() and version() == 0


# --- the change log ---------------------------------------------------------------------------


def test_changes_newest_first_paginated(admin: User, admin_client: ApiClient) -> None:
    admin_client.put(SELLER_URL, {"policies": ["tasks.create"]})
    admin_client.put("/api/permissions/roles/CUSTOMER/", {"policies": ["tasks.create", "tasks.assign"]})
    admin_client.delete(SELLER_URL)
    ids = list(GrantChange.objects.order_by("-id").values_list("id", flat=True))

    page = assert_json(admin_client.get("/api/permissions/changes/?limit=2"), 200)

    assert page["count"] == 3
    assert [item["id"] for item in page["items"]] == ids[:2]
    newest = page["items"][0]
    assert set(newest) == {"id", "actor_id", "role", "added", "removed", "at"}
    assert newest["actor_id"] == admin.pk and newest["role"] == "SELLER" and newest["removed"] == []
    customer_removed = sorted(set(default_permissions(Role.CUSTOMER)) - {"tasks.create"})
    assert (page["items"][1]["added"], page["items"][1]["removed"]) == (["tasks.assign"], customer_removed)
    assert datetime.fromisoformat(newest["at"]).tzinfo is not None
    rest = assert_json(admin_client.get("/api/permissions/changes/?limit=2&offset=2"), 200)
    oldest = GrantChange.objects.get(pk=ids[2])
    assert rest["count"] == 3 and len(rest["items"]) == 1
    assert rest["items"][0].pop("at") == oldest.at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert rest["items"] == [
        {"id": oldest.pk, "actor_id": admin.pk, "role": "SELLER", "added": [], "removed": removed_by_first_put()}
    ]


def removed_by_first_put() -> list[str]:
    return sorted(set(default_permissions(Role.SELLER)) - {"tasks.create"})


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=x"])
def test_changes_page_bounds_are_422(admin_client: ApiClient, query: str) -> None:
    assert_validation_error(admin_client.get(f"/api/permissions/changes/?{query}"))


def test_the_actor_may_go_and_the_change_stays(admin_client: ApiClient) -> None:
    other = AdminFactory.create()
    ApiClient(other).put(SELLER_URL, {"policies": ["tasks.create"]})

    other.delete()

    change = GrantChange.objects.get()
    assert (change.actor_id, change.role) == (None, "SELLER")
