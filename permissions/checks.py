"""System checks: deny by default, at start-up rather than at the first request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.operation import Operation

from .endpoints import declared_policy, requires_authentication
from .registry import policies


def api_operations(api: NinjaAPI) -> Iterator[tuple[str, str, Operation]]:
    """(method, path, operation) for every operation of a bound API."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                full_path = "/" + "/".join(part.strip("/") for part in (bound.prefix, path) if part.strip("/"))
                for method in operation.methods:
                    yield method, full_path + "/", operation


@checks.register(checks.Tags.security)
def check_every_operation_declares_a_policy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for dotted in getattr(settings, "PERMISSIONS_APIS", []):
        api = import_string(dotted)
        for method, path, operation in api_operations(api):
            where = f"{method} {path} ({operation.view_func.__module__}.{operation.view_func.__name__})"
            name = declared_policy(operation)
            if name is None:
                errors.append(checks.Error(
                    f"{where} declares no policy.",
                    hint="Put @requires(<policy>) under the route decorator; public operations "
                    "name access.public.",
                    id="permissions.E001",
                ))
            elif name not in policies:
                errors.append(checks.Error(
                    f"{where} names the unknown policy {name!r}.",
                    hint="Register it in the app's policies.py, or fix the name.",
                    id="permissions.E002",
                ))
            elif policies.get(name).anonymous == requires_authentication(operation):
                errors.append(checks.Error(
                    f"{where}: policy {name!r} does not match the operation's authentication.",
                    hint="An operation with auth=None must name access.public, and only it may.",
                    id="permissions.E003",
                ))
    return errors
