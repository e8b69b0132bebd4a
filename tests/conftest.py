"""Fixtures: one user per role and an authenticated API client for each.

Integration suites can load these with `pytest_plugins = ["tests.conftest"]`; see
tests/README.md.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import User
from tests import client as api_client
from tests.client import ApiClient
from tests.factories import AdminFactory, CustomerFactory, SellerFactory


@pytest.fixture
def customer(db: None) -> User:
    return CustomerFactory()


@pytest.fixture
def seller(db: None) -> User:
    return SellerFactory()


@pytest.fixture
def admin(db: None) -> User:
    return AdminFactory()


@pytest.fixture
def anon_client(db: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def customer_client(customer: User) -> ApiClient:
    return ApiClient(customer)


@pytest.fixture
def seller_client(seller: User) -> ApiClient:
    return ApiClient(seller)


@pytest.fixture
def admin_client(admin: User) -> ApiClient:
    """Overrides pytest-django's session-based admin_client: this one speaks the API."""
    return ApiClient(admin)


@pytest.fixture
def client_for(db: None) -> Callable[[User | None], ApiClient]:
    """`client_for(user)`: an API client signed in as any user (None: anonymous)."""
    return ApiClient


@pytest.fixture
def auth_header(db: None) -> Callable[[User], dict[str, str]]:
    """`auth_header(user)`: `headers=` with a Bearer access token, for any test client."""
    return api_client.auth_header


@pytest.fixture
def tokens_for(db: None) -> Callable[[User], api_client.TokenPair]:
    """`tokens_for(user)`: a real access/refresh pair, without going through login."""
    return api_client.tokens_for
