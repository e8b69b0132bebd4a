"""The kit's fixtures: one user per role and an authenticated API client for each.

Registered by nexora_testkit.plugin (load that one, not this module). Models, factories
and the client are imported inside the fixtures: the plugin is imported by `-p` before
pytest-django has set Django up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from accounts.models import User
    from nexora_testkit.client import ApiClient, TokenPair


@pytest.fixture
def customer(db: None) -> User:
    from nexora_testkit.factories import CustomerFactory

    return CustomerFactory.create()


@pytest.fixture
def seller(db: None) -> User:
    from nexora_testkit.factories import SellerFactory

    return SellerFactory.create()


@pytest.fixture
def admin(db: None) -> User:
    from nexora_testkit.factories import AdminFactory

    return AdminFactory.create()


@pytest.fixture
def anon_client(db: None) -> ApiClient:
    from nexora_testkit.client import ApiClient

    return ApiClient()


@pytest.fixture
def customer_client(customer: User) -> ApiClient:
    from nexora_testkit.client import ApiClient

    return ApiClient(customer)


@pytest.fixture
def seller_client(seller: User) -> ApiClient:
    from nexora_testkit.client import ApiClient

    return ApiClient(seller)


@pytest.fixture
def admin_client(admin: User) -> ApiClient:
    """Overrides pytest-django's session-based admin_client: this one speaks the API."""
    from nexora_testkit.client import ApiClient

    return ApiClient(admin)


@pytest.fixture
def client_for(db: None) -> Callable[[User | None], ApiClient]:
    """`client_for(user)`: an API client signed in as any user (None: anonymous)."""
    from nexora_testkit.client import ApiClient

    return ApiClient


@pytest.fixture
def auth_header(db: None) -> Callable[[User], dict[str, str]]:
    """`auth_header(user)`: `headers=` with a Bearer access token, for any test client."""
    from nexora_testkit.client import auth_header

    return auth_header


@pytest.fixture
def tokens_for(db: None) -> Callable[[User], TokenPair]:
    """`tokens_for(user)`: a real access/refresh pair (`.access`, `.refresh`), without going through login."""
    from nexora_testkit.client import tokens_for

    return tokens_for


@pytest.fixture
def granted(db: None) -> Callable[..., AbstractContextManager[list[str]]]:
    """`with granted(role, add=[...], remove=[...]):` the role's grants changed inside the block."""
    from nexora_testkit.grants import granted

    return granted


@pytest.fixture(autouse=True)
def _grants_forgotten() -> Iterator[None]:
    """After each test, this process forgets the grants it read: the test's changes were
    rolled back, and the next check reads the version again."""
    yield
    from django.apps import apps

    if apps.is_installed("permissions"):
        from permissions.registry import policies

        policies.forget()
