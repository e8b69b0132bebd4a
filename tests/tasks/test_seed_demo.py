"""`manage.py seed_demo`: what a frontend developer wants on day one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from accounts.models import User
from accounts.roles import Role
from nexora_testkit.client import ApiClient
from tasks.management.commands.seed_demo import DEMO_TASKS, DEMO_USERS
from tasks.models import Task

pytestmark = pytest.mark.django_db


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_refused_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused with debug off"):
        seed()
    assert User.objects.count() == 0 and Task.objects.count() == 0


def test_seed_demo_creates_every_role_and_is_idempotent(settings: Settings) -> None:
    settings.DEBUG = True
    first = seed()
    second = seed()

    assert {user.role for user in User.objects.all()} == {Role.ADMIN, Role.SELLER, Role.CUSTOMER}
    assert User.objects.count() == len(DEMO_USERS)
    assert Task.objects.count() == len(DEMO_TASKS)
    assert f"({len(DEMO_TASKS)} new tasks)" in first and "(0 new tasks)" in second
    assert User.objects.get(email="admin@demo.nexora.test").is_staff is True
    assigned = Task.objects.get(title="Confirm delivery address")
    assert assigned.assignee is not None
    assert (assigned.owner.role, assigned.assignee.role) == (Role.SELLER, Role.CUSTOMER)


@pytest.mark.parametrize(("role", "email", "password", "first_name", "last_name"), DEMO_USERS)
def test_seed_demo_printed_credentials_log_in(
    role: Role, email: str, password: str, first_name: str, last_name: str
) -> None:
    output = seed(force=True)
    assert f"{email:<28} {password}" in output

    response = ApiClient().post("/api/login/", {"email": email, "password": password})

    assert response.status_code == 200
    assert response.json()["user"]["role"] == role.value
