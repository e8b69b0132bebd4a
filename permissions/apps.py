from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"

    def ready(self) -> None:
        from django.conf import settings
        from django.utils.module_loading import autodiscover_modules

        from . import checks  # noqa: F401  (registers the system checks)
        from .registry import policies

        # Every installed app's policies.py registers its policies, as admin.py does.
        autodiscover_modules("policies")
        # A bad override must stop start-up (gunicorn runs no system checks).
        policies.override_roles(getattr(settings, "PERMISSIONS_POLICY_ROLES", {}))
