from django.apps import AppConfig


class WebClientConfig(AppConfig):
    """Serves the web client (web/, built by `make web`) at / and its routes."""

    name = "webclient"
    verbose_name = "Web client"
