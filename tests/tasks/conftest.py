"""Fixtures of the tasks tests that re-grant roles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import pytest
from django.conf import settings

from permissions.registry import policies


@pytest.fixture
def regrant() -> Iterator[Callable[[Mapping[str, Iterable[str]]], None]]:
    """`regrant({"tasks.assign": [...]})`: re-grant roles for one test, as
    PERMISSIONS_POLICY_ROLES would; the settings' grants are back afterwards."""
    yield policies.override_roles
    policies.reset_roles()
    policies.override_roles(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}))
