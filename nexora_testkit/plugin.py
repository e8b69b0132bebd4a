"""The kit's pytest plugin: `-p nexora_testkit.plugin`, or
`pytest_plugins = ["nexora_testkit.plugin"]` in a root conftest.py (nexora_testkit/README.md).

Nexora's own suite loads it the same way, from pytest.ini.

Its fixtures (nexora_testkit/fixtures.py) are registered from `pytest_configure`, after every
plugin given with `-p` or installed (entry points): among plugin fixtures of one name the one
registered last wins, and `admin_client` must be the kit's API client, not pytest-django's
session-based one, however the kit was loaded.
"""

from __future__ import annotations

import pytest

from nexora_testkit import fixtures

FIXTURES_PLUGIN_NAME = "nexora_testkit.fixtures"


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.get_plugin(FIXTURES_PLUGIN_NAME) is None:
        config.pluginmanager.register(fixtures, FIXTURES_PLUGIN_NAME)
