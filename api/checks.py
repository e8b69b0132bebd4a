"""Deploy checks that survive api.outside_api's wrapping of Django's middleware.

Django's own checks for CSRF and clickjacking protection (security.W003, W016, W002, W019)
look for the exact dotted names in MIDDLEWARE, so they cannot see the wrapped classes of
api.outside_api, which run the same middleware outside /api/. project/settings.py silences
those four and these take their place: each accepts the original or any subclass of it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.utils.module_loading import import_string

CSRF = "django.middleware.csrf.CsrfViewMiddleware"
CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"


def in_middleware(dotted_path: str) -> bool:
    """Whether MIDDLEWARE holds `dotted_path` or a subclass of it (e.g. its api.outside_api wrapper)."""
    wanted = import_string(dotted_path)
    return any(
        isinstance(entry := import_string(path), type) and issubclass(entry, wanted) for path in settings.MIDDLEWARE
    )


@register(Tags.security, deploy=True)
def check_admin_protections(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """security.W003/W016 and W002/W019, for the original middleware or its wrapper."""
    found: list[CheckMessage] = []
    if not in_middleware(CSRF):
        found.append(
            Warning(
                f"{CSRF} (or its api.outside_api wrapper) is not in MIDDLEWARE: the admin's "
                "forms have no CSRF protection.",
                id="api.W003",
            )
        )
    elif not settings.CSRF_USE_SESSIONS and settings.CSRF_COOKIE_SECURE is not True:
        found.append(
            Warning("CSRF_COOKIE_SECURE is not True: the CSRF cookie is sent over plain HTTP too.", id="api.W016")
        )
    if not in_middleware(CLICKJACKING):
        found.append(
            Warning(
                f"{CLICKJACKING} (or its api.outside_api wrapper) is not in MIDDLEWARE: the "
                "admin's pages may be framed.",
                id="api.W002",
            )
        )
    elif settings.X_FRAME_OPTIONS != "DENY":
        found.append(Warning("X_FRAME_OPTIONS is not 'DENY'.", id="api.W019"))
    return found
