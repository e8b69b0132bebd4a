"""System checks: deny by default, at start-up rather than at the first request."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from . import conf
from .endpoints import declared_policy
from .ninja import bound_operations
from .registry import policies


@checks.register(checks.Tags.security)
def check_roles_setting(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """PERMISSIONS_ROLES names an enum of roles, and the user model has the role attribute."""
    try:
        conf.role_enum()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="permissions.E010")]
    attribute = conf.role_attribute()
    if not hasattr(apps.get_model(settings.AUTH_USER_MODEL), attribute):
        return [
            checks.Error(
                f"PERMISSIONS_ROLE_ATTRIBUTE is {attribute!r}, but {settings.AUTH_USER_MODEL} has no such attribute.",
                hint="Name the user field that holds the role.",
                id="permissions.E011",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_every_operation_declares_a_policy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for dotted in conf.api_paths():
        for operation in bound_operations(import_string(dotted)):
            view = operation.view_func
            where = f"{'/'.join(operation.methods)} {operation.path} ({view.__module__}.{view.__name__})"
            name = declared_policy(view)
            if name is None:
                errors.append(
                    checks.Error(
                        f"{where} declares no policy.",
                        hint="Put @requires(<policy>) under the route decorator; public operations name access.public.",
                        id="permissions.E001",
                    )
                )
            elif name not in policies:
                errors.append(
                    checks.Error(
                        f"{where} names the unknown policy {name!r}.",
                        hint="Register it in the app's policies.py, or fix the name.",
                        id="permissions.E002",
                    )
                )
            elif policies.get(name).anonymous == bool(operation.auth_callbacks):
                errors.append(
                    checks.Error(
                        f"{where}: policy {name!r} does not match the operation's authentication.",
                        hint="An operation with auth=None must name access.public, and only it may.",
                        id="permissions.E003",
                    )
                )
    return errors


@checks.register(checks.Tags.security)
def check_locked_grants(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """PERMISSIONS_LOCKED_GRANTS names roles and policies that exist, held by default."""
    try:
        roles = conf.role_names()
    except ImproperlyConfigured:
        return []  # check_roles_setting reports it
    errors: list[checks.CheckMessage] = []
    for role, names in conf.locked_grants().items():
        if role not in roles:
            errors.append(
                checks.Error(
                    f"PERMISSIONS_LOCKED_GRANTS names the unknown role {role!r}.",
                    hint=f"The roles are {', '.join(roles)}.",
                    id="permissions.E020",
                )
            )
            continue
        for name in names:
            if name not in policies or policies.get(name).builtin:
                errors.append(
                    checks.Error(
                        f"PERMISSIONS_LOCKED_GRANTS locks {name!r} for {role}, which is no role-granted policy.",
                        hint="Name a registered policy (not an access level), or fix the name.",
                        id="permissions.E021",
                    )
                )
            elif role not in policies.default_roles_for(name):
                errors.append(
                    checks.Error(
                        f"PERMISSIONS_LOCKED_GRANTS locks {name!r} for {role}, which does not hold it by default.",
                        hint="Grant it by default (its policies.py or PERMISSIONS_POLICY_ROLES), or unlock it.",
                        id="permissions.E022",
                    )
                )
    return errors
