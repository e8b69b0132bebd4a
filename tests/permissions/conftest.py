"""Fixtures of the permission-layer tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from permissions.registry import policies


@pytest.fixture
def restore_roles() -> Iterator[None]:
    """Undo any `override_roles` on the project registry once the test is over."""
    yield
    policies.reset_roles()
    policies.override_roles(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}))
