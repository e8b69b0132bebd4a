from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from ninja_hooks.adapter import verified

        from . import checks, conf  # noqa: F401  (checks registers the system checks)
        from .registry import policies

        # Every installed app's policies.py registers its policies, as admin.py does.
        autodiscover_modules("policies")
        # A bad override or a django-ninja that no longer behaves as the guard needs must
        # stop start-up: gunicorn runs no system checks.
        policies.override_roles(conf.policy_role_overrides())
        verified()
