"""Holds the throwaway API a check test builds, so settings.PERMISSIONS_APIS can name it."""

from typing import Any

api: Any = None
