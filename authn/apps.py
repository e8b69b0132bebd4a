from django.apps import AppConfig


class AuthnConfig(AppConfig):
    """Signing in: log-in, tokens and their sessions, device tokens, the bearer authenticator."""

    name = "authn"
    verbose_name = "Sign-in"
