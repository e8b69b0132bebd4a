"""Management commands (set_role, createsuperuser) and the Django admin of users."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import RoleChange, User
from nexora_testkit.client import ApiClient, tokens_for
from nexora_testkit.factories import AdminFactory, CustomerFactory, RoleChangeFactory, SellerFactory
from tests.accounts.helpers import user_row

USER_CHANGELIST = "/admin/accounts/user/"
ROLE_CHANGE_ADMIN = "/admin/accounts/rolechange/"
SUPERUSER_PASSWORD = "Boss-level-Passw0rd-42"


def set_role(email: str, role: str) -> str:
    out = StringIO()
    call_command("set_role", email, role, stdout=out)
    return out.getvalue()


# --- set_role ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "argument", "new"),
    [("CUSTOMER", "seller", "SELLER"), ("CUSTOMER", "ADMIN", "ADMIN"), ("SELLER", "Customer", "CUSTOMER")],
)
def test_set_role_changes_role_and_records_no_actor(db: None, old: str, argument: str, new: str) -> None:
    user = CustomerFactory.create(role=old)

    output = set_role(user.email, argument)

    assert User.objects.get(pk=user.pk).role == new
    change = RoleChange.objects.get()
    assert (change.actor_id, change.user_id, change.old_role, change.new_role) == (None, user.pk, old, new)
    assert f"{old} -> {new}" in output


def test_set_role_email_case_insensitive(customer: User) -> None:
    set_role(customer.email.upper(), "seller")

    assert User.objects.get(pk=customer.pk).role == "SELLER"
    assert RoleChange.objects.get().user_id == customer.pk


def test_set_role_unknown_email_command_error(customer: User) -> None:
    with pytest.raises(CommandError, match="No user"):
        set_role("nobody@example.com", "seller")

    assert not RoleChange.objects.exists()


def test_set_role_unknown_role_command_error(customer: User) -> None:
    before = user_row(customer)

    with pytest.raises(CommandError):
        set_role(customer.email, "superuser")

    assert user_row(customer) == before
    assert not RoleChange.objects.exists()


@pytest.mark.parametrize("role", ["seller", "customer"])
def test_set_role_refuses_demoting_last_active_admin(admin: User, role: str) -> None:
    AdminFactory.create(is_active=False)
    before = user_row(admin)

    with pytest.raises(CommandError, match="last active admin"):
        set_role(admin.email, role)

    assert user_row(admin) == before
    assert not RoleChange.objects.exists()


def test_set_role_demotes_admin_when_another_remains(admin: User) -> None:
    AdminFactory.create()

    set_role(admin.email, "seller")

    assert User.objects.get(pk=admin.pk).role == "SELLER"
    assert RoleChange.objects.get().actor_id is None


def test_user_clean_lower_cases_the_whole_email() -> None:
    """Django's `AbstractUser.clean` calls the manager's `normalize_email`, which lower-cases it all."""
    user = User(email=" Ada.Lovelace@Example.COM ")

    user.clean()

    assert user.email == "ada.lovelace@example.com"


# --- createsuperuser ------------------------------------------------------------------------


@pytest.mark.django_db
def test_createsuperuser_noinput_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@Example.COM")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", SUPERUSER_PASSWORD)

    call_command("createsuperuser", interactive=False, stdout=StringIO())

    user = User.objects.get()
    assert user.email == "boss@example.com"
    assert user.role == "ADMIN"
    assert user.is_active and user.is_staff and user.is_superuser
    assert user.check_password(SUPERUSER_PASSWORD)
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_createsuperuser_can_use_api_and_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "boss@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", SUPERUSER_PASSWORD)
    call_command("createsuperuser", interactive=False, stdout=StringIO())

    client = Client()
    login = client.post(
        "/api/login/", {"email": "BOSS@example.com", "password": SUPERUSER_PASSWORD}, content_type="application/json"
    )
    assert login.status_code == 200
    users = client.get("/api/users/", HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert users.status_code == 200
    assert client.login(email="boss@example.com", password=SUPERUSER_PASSWORD)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_createsuperuser_taken_email_command_error(monkeypatch: pytest.MonkeyPatch) -> None:
    CustomerFactory.create(email="boss@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "BOSS@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", SUPERUSER_PASSWORD)

    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, stdout=StringIO(), stderr=StringIO())

    assert User.objects.get().role == "CUSTOMER"


# --- Django admin --------------------------------------------------------------------------------


@pytest.fixture
def staff(db: None) -> User:
    return AdminFactory.create(staff=True)


@pytest.fixture
def admin_site(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_admin_user_changelist(admin_site: Client, staff: User) -> None:
    users = [CustomerFactory.create(), SellerFactory.create()]

    response = admin_site.get(USER_CHANGELIST)

    assert response.status_code == 200
    assert {user.pk for user in response.context["cl"].result_list} == {staff.pk, *(u.pk for u in users)}
    for user in users:
        assert user.email in response.content.decode()


@pytest.mark.parametrize("role", ["SELLER", "CUSTOMER", "ADMIN"])
def test_admin_user_changelist_filter_by_role(admin_site: Client, role: str) -> None:
    CustomerFactory.create_batch(2)
    SellerFactory.create_batch(2)

    response = admin_site.get(USER_CHANGELIST, {"role__exact": role})

    assert response.status_code == 200
    shown = response.context["cl"].result_list
    assert sorted(user.pk for user in shown) == sorted(User.objects.filter(role=role).values_list("pk", flat=True))
    assert {user.role for user in shown} == {role}


def test_admin_user_changelist_needs_staff(db: None) -> None:
    client = Client()
    client.force_login(AdminFactory.create())  # ADMIN role, but not is_staff

    response = client.get(USER_CHANGELIST)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_action_set_role_seller_records_actor(admin_site: Client, staff: User) -> None:
    targets = [CustomerFactory.create(), CustomerFactory.create()]

    response = admin_site.post(
        USER_CHANGELIST, {"action": "set_role_seller", "_selected_action": [user.pk for user in targets]}
    )

    assert response.status_code == 302
    for user in targets:
        assert User.objects.get(pk=user.pk).role == "SELLER"
    changes = RoleChange.objects.order_by("id")
    assert [(c.actor_id, c.user_id, c.old_role, c.new_role) for c in changes] == [
        (staff.pk, user.pk, "CUSTOMER", "SELLER") for user in targets
    ]


def test_admin_action_refuses_demoting_last_active_admin(admin_site: Client, staff: User) -> None:
    before = user_row(staff)

    response = admin_site.post(
        USER_CHANGELIST, {"action": "set_role_customer", "_selected_action": [staff.pk]}, follow=True
    )

    assert response.status_code == 200
    assert user_row(staff) == before
    assert not RoleChange.objects.exists()
    messages = [str(message) for message in response.context["messages"]]
    assert any("last active admin" in message for message in messages), messages


def test_admin_user_change_form_cannot_set_role(admin_site: Client, customer: User) -> None:
    """The role is read-only in the form: it changes only through the audited actions."""
    url = f"{USER_CHANGELIST}{customer.pk}/change/"
    page = admin_site.get(url)
    assert page.status_code == 200
    form: dict[str, Any] = {
        "email": customer.email,
        "role": "ADMIN",
        "first_name": "Changed",
        "last_name": customer.last_name,
        "phone": customer.phone,
        "address": customer.address,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }

    response = admin_site.post(url, form)

    assert response.status_code == 302, response.content[:2000]
    customer.refresh_from_db()
    assert customer.first_name == "Changed"
    assert customer.role == "CUSTOMER"
    assert not RoleChange.objects.exists()


def _change_form(user: User, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "address": user.address,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_admin_change_form_deactivation_revokes_tokens_for_good(admin_site: Client, customer: User) -> None:
    pair = tokens_for(customer)
    url = f"{USER_CHANGELIST}{customer.pk}/change/"

    assert admin_site.post(url, _change_form(customer, is_active=None)).status_code == 302
    customer.refresh_from_db()
    assert customer.is_active is False
    assert admin_site.post(url, _change_form(customer)).status_code == 302  # reactivated
    assert User.objects.get(pk=customer.pk).is_active is True

    api = ApiClient()
    assert api.get("/api/profile/", HTTP_AUTHORIZATION=f"Bearer {pair.access}").status_code == 401
    assert api.post("/api/token/refresh/", {"refresh": pair.refresh}).status_code == 401


def test_admin_change_form_refuses_deactivating_last_active_admin(db: None) -> None:
    last_admin = AdminFactory.create(staff=True)
    site = Client()
    site.force_login(last_admin)

    response = site.post(f"{USER_CHANGELIST}{last_admin.pk}/change/", _change_form(last_admin, is_active=None))

    assert response.status_code == 200  # the form is shown again with the error
    assert b"This is the last active admin" in response.content
    last_admin.refresh_from_db()
    assert last_admin.is_active is True


def test_admin_role_change_add_view_403(admin_site: Client) -> None:
    assert admin_site.get(f"{ROLE_CHANGE_ADMIN}add/").status_code == 403
    assert admin_site.post(f"{ROLE_CHANGE_ADMIN}add/", {"old_role": "CUSTOMER", "new_role": "ADMIN"}).status_code == 403
    assert not RoleChange.objects.exists()


def test_admin_role_change_is_read_only(admin_site: Client) -> None:
    change = RoleChangeFactory.create()

    assert admin_site.get(ROLE_CHANGE_ADMIN).status_code == 200
    detail = admin_site.get(f"{ROLE_CHANGE_ADMIN}{change.pk}/change/")
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    edit = admin_site.post(f"{ROLE_CHANGE_ADMIN}{change.pk}/change/", {"old_role": "ADMIN", "new_role": "ADMIN"})
    assert edit.status_code == 403
    assert admin_site.post(f"{ROLE_CHANGE_ADMIN}{change.pk}/delete/", {"post": "yes"}).status_code == 403
    stored = RoleChange.objects.get()
    assert (stored.old_role, stored.new_role) == ("CUSTOMER", "SELLER")
