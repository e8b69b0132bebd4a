"""The one module that leans on undocumented django-ninja behaviour fails closed.

`verify()` runs at every start-up (`verified()`, from the permission layer's and the
toolkit's `ready()`). Each test below makes django-ninja behave differently in one way a
release could, and the process must refuse to start instead of serving operations unguarded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from ninja import NinjaAPI, Router
from ninja.decorators import DecoratorMode
from ninja.operation import Operation

from ninja_hooks.adapter import NinjaMismatch, on_bind, verify

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_django_ninja_passes() -> None:
    verify()


def test_view_decorators_no_longer_applied_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A release that stops applying API-level view decorators would leave no operation guarded."""
    monkeypatch.setattr(NinjaAPI, "add_decorator", lambda self, decorator, mode="operation": None)
    with pytest.raises(NinjaMismatch, match="the bind hook saw \\[\\]"):
        verify()


def test_auth_callbacks_no_longer_read_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A release that keeps the callbacks it authenticates with elsewhere would skip the guard."""

    def first_value_only(self: Operation, value: Any) -> None:
        self.__dict__.setdefault("probe_callbacks", value)

    ignored = property(lambda self: self.__dict__.get("probe_callbacks", []), first_value_only)
    monkeypatch.setattr(Operation, "auth_callbacks", ignored, raising=False)
    with pytest.raises(NinjaMismatch, match="expected 403"):
        verify()


def test_decorator_given_something_else_than_the_operation_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    real_add_decorator = NinjaAPI.add_decorator

    def add_wrapped(self: NinjaAPI, decorator: Callable[..., Any], mode: DecoratorMode = "operation") -> None:
        real_add_decorator(self, lambda run: decorator(partial(run)), mode)

    monkeypatch.setattr(NinjaAPI, "add_decorator", add_wrapped)
    api = NinjaAPI(urls_namespace="adapter-mismatch")
    router = Router()
    router.get("/x/")(lambda request: {})
    on_bind(api, lambda operation, run: run)
    api.add_router("", router)
    with pytest.raises(NinjaMismatch, match="refuses to start"):
        api.urls  # noqa: B018


def test_the_process_refuses_to_start_on_a_mismatch() -> None:
    """Under gunicorn too: django.setup() itself fails, no request is ever served."""
    code = (
        "import ninja; ninja.NinjaAPI.add_decorator = lambda self, decorator, mode='operation': None\n"
        "import django; django.setup()\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="project.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "NinjaMismatch" in result.stderr and "refuses to start" in result.stderr
