"""A grant change made elsewhere (another process, another host: here, rows written behind
this process's back) holds on this process's very next request, at no extra query per
request: the grants version rides on the user row the request reads anyway."""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.roles import Role
from authn.tokens import active_user
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import AdminFactory, SellerFactory
from nexora_testkit.grants import granted
from permissions.models import GrantChange, GrantsVersion, RoleGrants
from permissions.registry import GRANTS_VERSION_ATTRIBUTE, policies
from tests.permissions.default_matrix import default_permissions

PROFILE_PERMISSIONS = "/api/profile/permissions/"


def stored_elsewhere(role: str, names: list[str] | None) -> int:
    """What another instance's change leaves in the database (raw SQL: not this process's
    service, so nothing in this process hears of it). None: the role's row deleted."""
    version = time.time_ns() // 1000
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM permissions_rolegrants WHERE role = %s", [role])
        if names is not None:
            cursor.execute(
                "INSERT INTO permissions_rolegrants (role, policies, changed_at) VALUES (%s, %s, %s)",
                [role, json.dumps(names), "2026-01-01 00:00:00"],
            )
        cursor.execute("DELETE FROM permissions_grantsversion")
        cursor.execute("INSERT INTO permissions_grantsversion (id, value) VALUES (1, %s)", [version])
    return version


def held(client: ApiClient) -> tuple[list[str], int]:
    """The caller's policies, and how many queries the request made."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PROFILE_PERMISSIONS)
    assert response.status_code == 200, response.content
    return response.json()["permissions"], len(queries)


def test_the_next_request_sees_it_and_steady_requests_make_no_extra_query(db: None) -> None:
    client = ApiClient(SellerFactory.create())
    assert held(client) == (default_permissions(Role.SELLER), 1)  # the user row, the version in it
    assert held(client) == (default_permissions(Role.SELLER), 1)

    stored_elsewhere("SELLER", ["tasks.create", "users.view"])

    # The user row brings the new version: the sets are read once (the version, then the rows) ...
    assert held(client) == (["tasks.create", "users.view"], 3)
    # ... and not again while it stays.
    assert held(client) == (["tasks.create", "users.view"], 1)

    stored_elsewhere("SELLER", None)
    assert held(client) == (default_permissions(Role.SELLER), 3)
    assert held(client) == (default_permissions(Role.SELLER), 1)


def test_it_decides_the_guard_and_the_services(db: None) -> None:
    seller = SellerFactory.create()
    client = ApiClient(seller)
    stored_elsewhere("SELLER", [name for name in default_permissions(Role.SELLER) if name != "tasks.create"])

    response = client.post("/api/tasks/", {"title": "Call back"})

    assert response.status_code == 403 and response.json()["policy"] == "tasks.create"


@pytest.mark.urls("tests.permissions.guarded_api")
@pytest.mark.parametrize("prefix", ["/guarded/", "/guarded-async-auth/"])
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_sync_and_async_operations_see_it(db: None, prefix: str, kind: str) -> None:
    client = ApiClient(SellerFactory.create())
    url = f"{prefix}{kind}/count/"
    assert client.get(url).status_code == 403

    stored_elsewhere("SELLER", ["tasks.view_any"])

    assert client.get(url).status_code == 200
    stored_elsewhere("SELLER", None)
    assert client.get(url).status_code == 403


def test_the_user_row_carries_the_version_in_its_one_query(db: None) -> None:
    user = SellerFactory.create()
    assert getattr(active_user(user.pk), GRANTS_VERSION_ATTRIBUTE) == 0
    version = stored_elsewhere("SELLER", ["tasks.create"])

    with CaptureQueriesContext(connection) as queries:
        found = active_user(user.pk)

    assert len(queries) == 1
    assert getattr(found, GRANTS_VERSION_ATTRIBUTE) == version


def test_code_outside_a_request_refreshes(db: None) -> None:
    """A command (or anything without a user row) reads the version: one query, then the sets."""
    seller = SellerFactory.create()
    policies.refresh()
    stored_elsewhere("SELLER", ["users.view"])
    assert policies.allows(seller, "users.view") is False  # nothing told this process yet

    with CaptureQueriesContext(connection) as queries:
        policies.refresh()
    assert len(queries) == 3
    assert policies.allows(seller, "users.view") is True
    with CaptureQueriesContext(connection) as queries:
        policies.refresh()
    assert len(queries) == 1


def test_a_version_of_zero_means_the_defaults_without_a_query(db: None) -> None:
    stored_elsewhere("SELLER", ["users.view"])
    policies.refresh()
    assert policies.granted_to("SELLER") == ["users.view"]
    GrantsVersion.objects.all().delete()
    RoleGrants.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        policies.observe_version(0)

    assert len(queries) == 0
    assert policies.granted_to("SELLER") == default_permissions(Role.SELLER)


def test_sets_naming_what_the_code_no_longer_has_are_read_without_it(db: None) -> None:
    stored_elsewhere("SELLER", ["tasks.create", "tasks.retired", "access.public"])
    stored_elsewhere("OWNER", ["tasks.create"])

    policies.refresh()

    assert policies.granted_to("SELLER") == ["tasks.create"]
    assert policies.stored_roles() == frozenset({"SELLER"})


# --- the Django admin: session users, no version in their row ---------------------------------


def admin_site(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_sees_a_change_made_elsewhere_on_its_next_page(db: None) -> None:
    staff = AdminFactory.create(is_staff=True)
    site = admin_site(staff)
    assert site.get("/admin/").status_code == 200

    stored_elsewhere("ADMIN", ["permissions.manage", "permissions.view", "users.change_role"])  # no users.view

    response = site.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_admin_reads_the_version_once_per_page(db: None) -> None:
    site = admin_site(AdminFactory.create(is_staff=True))
    site.get("/admin/")

    with CaptureQueriesContext(connection) as queries:
        assert site.get("/admin/").status_code == 200

    assert sum("permissions_grantsversion" in query["sql"] for query in queries.captured_queries) == 1


def test_the_admin_changes_grants_through_the_service(db: None) -> None:
    staff = AdminFactory.create(is_staff=True)
    site = admin_site(staff)
    form = {"role": "SELLER", "policies": ["tasks.create", "tasks.view_own"]}

    response = site.post("/admin/permissions/rolegrants/add/", form)

    assert response.status_code == 302, response.content[:2000]
    assert list(RoleGrants.objects.values_list("role", "policies")) == [("SELLER", ["tasks.create", "tasks.view_own"])]
    change = GrantChange.objects.get()
    removed = sorted(set(default_permissions(Role.SELLER)) - {"tasks.create", "tasks.view_own"})
    assert (change.actor_id, change.role, change.added, change.removed) == (staff.pk, "SELLER", [], removed)
    assert GrantsVersion.objects.get().value > 0
    assert ApiClient(SellerFactory.create()).get(PROFILE_PERMISSIONS).json()["permissions"] == [
        "tasks.create",
        "tasks.view_own",
    ]

    row = RoleGrants.objects.get()
    response = site.post(f"/admin/permissions/rolegrants/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not RoleGrants.objects.exists()
    assert GrantChange.objects.count() == 2


def test_the_admin_respects_the_locks(db: None) -> None:
    site = admin_site(AdminFactory.create(is_staff=True))
    form = {"role": "ADMIN", "policies": ["permissions.view", "users.change_role"]}

    response = site.post("/admin/permissions/rolegrants/add/", form)

    assert response.status_code == 200
    assert "ADMIN must keep permissions.manage: these grants are locked." in response.content.decode()
    assert not RoleGrants.objects.exists() and not GrantChange.objects.exists()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/admin/permissions/rolegrants/", 200), ("/admin/permissions/grantchange/", 200)],
)
def test_the_grant_admins_need_permissions_manage(db: None, path: str, status: int) -> None:
    staff = AdminFactory.create(is_staff=True)
    assert admin_site(staff).get(path).status_code == status
    with granted(Role.ADMIN, add=["users.view"], remove=["tasks.view_any"]):
        assert admin_site(staff).get(path).status_code == status
    stored_elsewhere("SELLER", None)
    seller_staff = SellerFactory.create(is_staff=True)
    with granted(Role.SELLER, add=["users.view"]):
        assert admin_site(seller_staff).get(path).status_code == 403
        with granted(Role.SELLER, add=["permissions.manage"]):
            assert admin_site(seller_staff).get(path).status_code == status


def test_the_change_log_admin_is_read_only(db: None) -> None:
    site = admin_site(AdminFactory.create(is_staff=True))
    with granted(Role.SELLER, remove=["tasks.assign"]):
        pass
    change = GrantChange.objects.first()
    assert change is not None

    assert site.get(f"/admin/permissions/grantchange/{change.pk}/change/").status_code == 200
    assert site.post(f"/admin/permissions/grantchange/{change.pk}/delete/", {"post": "yes"}).status_code == 403
    assert site.get("/admin/permissions/grantchange/add/").status_code == 403
    assert GrantChange.objects.count() == 2


# --- the test kit -----------------------------------------------------------------------------


def test_granted_changes_a_role_for_the_block_and_restores_it(db: None) -> None:
    seller = SellerFactory.create()

    with granted(Role.SELLER, add=["users.view"], remove=["tasks.assign"]) as inside:
        assert inside == sorted({*default_permissions(Role.SELLER), "users.view"} - {"tasks.assign"})
        assert policies.allows(seller, "users.view") and not policies.allows(seller, "tasks.assign")
        assert ApiClient(seller).get(PROFILE_PERMISSIONS).json()["permissions"] == inside

    assert not policies.allows(seller, "users.view") and policies.allows(seller, "tasks.assign")
    assert not RoleGrants.objects.exists()
    assert ApiClient(seller).get(PROFILE_PERMISSIONS).json()["permissions"] == default_permissions(Role.SELLER)


def test_granted_restores_a_stored_set(db: None) -> None:
    stored_elsewhere("SELLER", ["tasks.create"])
    with granted("SELLER", add=["tasks.assign"]) as inside:
        assert inside == ["tasks.assign", "tasks.create"]
    assert list(RoleGrants.objects.values_list("policies", flat=True)) == [["tasks.create"]]


def test_the_admin_changes_a_stored_set(db: None) -> None:
    staff = AdminFactory.create(is_staff=True)
    site = admin_site(staff)
    site.post("/admin/permissions/rolegrants/add/", {"role": "SELLER", "policies": ["tasks.create"]})
    row = RoleGrants.objects.get()
    assert site.get(f"/admin/permissions/rolegrants/{row.pk}/change/").status_code == 200

    response = site.post(f"/admin/permissions/rolegrants/{row.pk}/change/", {"policies": ["tasks.view_own"]})

    assert response.status_code == 302, response.content[:2000]
    assert list(RoleGrants.objects.values_list("pk", "role", "policies")) == [(row.pk, "SELLER", ["tasks.view_own"])]
    last = GrantChange.objects.order_by("-id").first()
    assert last is not None
    assert (last.actor_id, last.added, last.removed) == (staff.pk, ["tasks.view_own"], ["tasks.create"])
