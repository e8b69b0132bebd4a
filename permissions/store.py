"""The stored grants, read as the registry needs them: the version, and each role's set.

Read from the database that writes go to, never a replica: a replica behind the primary
could hand back the grants of an older version under the newer number.
"""

from __future__ import annotations

from django.db import router
from django.db.models import BigIntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from .models import VERSION_ROW, GrantsVersion, RoleGrants


def grants_version_expression() -> Coalesce:
    """The grants version as a column (0 when no change was ever stored), for the one query
    a request makes anyway (the user row): `.annotate(grants_version=...)`."""
    current = GrantsVersion.objects.filter(pk=VERSION_ROW).values("value")[:1]
    return Coalesce(Subquery(current), Value(0), output_field=BigIntegerField())


def _alias() -> str:
    return router.db_for_write(GrantsVersion)


def read_version() -> int:
    """One query."""
    value = GrantsVersion.objects.using(_alias()).filter(pk=VERSION_ROW).values_list("value", flat=True).first()
    return int(value or 0)


def read_stored() -> tuple[int, dict[str, list[str]]]:
    """The version, then the sets stored under it (two queries, in that order: a change that
    commits in between leaves newer sets under an older number, which the next request's
    newer version reads again, never older sets under a newer number)."""
    version = read_version()
    rows = RoleGrants.objects.using(_alias()).values_list("role", "policies")
    return version, {role: list(names) for role, names in rows}
