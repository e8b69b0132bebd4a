from django.apps import AppConfig


class PluginAppConfig(AppConfig):
    name = "tests.permissions.plugin_app"
    label = "permissions_plugin_app"
