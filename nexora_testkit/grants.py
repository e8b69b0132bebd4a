"""Grants changed for one test, through the same service as the API (recorded, version moved)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum

from permissions import services
from permissions.registry import policies


@contextmanager
def granted(role: str | Enum, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> Iterator[list[str]]:
    """`role` holds its current set plus `add`, minus `remove`, inside the block; then what it
    held before (its defaults again if it held them). Yields the set it holds inside. This
    process's registry is made current on the way in and out, so a direct
    `policies.allows(...)` sees the change as the next request does."""
    name = str(role.value if isinstance(role, Enum) else role)
    before = services.role_grants_get(role=name)
    inside = services.grants_set(actor=None, role=name, names=(set(before.policies) | set(add)) - set(remove)).policies
    policies.refresh()
    try:
        yield inside
    finally:
        if before.default:
            services.grants_reset(actor=None, role=name)
        else:
            services.grants_set(actor=None, role=name, names=before.policies)
        policies.refresh()
