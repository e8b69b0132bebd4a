from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        from ninja_hooks.adapter import verified

        from . import checks, mail  # noqa: F401  # registers the deploy checks and the mail signal receivers

        # The error table, idempotency and rate limits hook every operation through
        # ninja_hooks: a django-ninja that no longer behaves as they need stops start-up.
        verified()
