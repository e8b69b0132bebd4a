"""System checks of the accounts app, run by `manage.py check` (the deploy ones by `check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@checks.register(checks.Tags.security, deploy=True)
def mail_is_delivered(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """accounts.W001: in production, mail with its reset links must not go to stdout (the logs)."""
    if settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_BACKEND:
        return []
    return [
        checks.Warning(
            "EMAIL_HOST is not set: every mail, password-reset links included, is written to stdout, "
            "which is where the logs go.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS) "
            "to deliver by SMTP.",
            id="accounts.W001",
        )
    ]
