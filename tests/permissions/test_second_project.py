"""The layer adopted unchanged by another project: other roles, its own user model, an API
key instead of JWTs, its own policies.py, and not one import from Nexora's apps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DENIED_WRITE = {
    "detail": "You do not have permission to perform this action: requires 'notes.write'.",
    "code": "permission_denied",
    "policy": "notes.write",
    "reason": "role",
}


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "tests.permissions.second_project.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_it_imports_nothing_from_nexora(answers: dict[str, Any]) -> None:
    assert answers["nexora_modules"] == []


def test_its_operations_are_guarded_in_order(answers: dict[str, Any]) -> None:
    assert answers["anonymous_read"] == [
        401,
        {"detail": "Authentication credentials were not provided or are invalid.", "code": "not_authenticated"},
    ]
    assert answers["viewer_write"] == [403, DENIED_WRITE]  # before the invalid body is read
    assert answers["editor_write_invalid"][0] == 422
    assert answers["editor_write"] == [200, {"text": "hello"}]
    assert answers["viewer_read"] == [200, ["hello"]]


def test_its_roles_and_matrix_are_its_own(answers: dict[str, Any]) -> None:
    assert answers["viewer_permissions"] == [200, {"role": "VIEWER", "permissions": ["notes.read", "permissions.view"]}]
    status, matrix = answers["matrix"]
    assert status == 200 and matrix["roles"] == ["EDITOR", "VIEWER"]
    assert {"name": "notes.write", "description": "Write notes.", "roles": ["EDITOR"]} in matrix["policies"]
    assert answers["x_policy"] == {"name": "notes.write", "description": "Write notes.", "roles": ["EDITOR"]}


def test_it_changes_grants_at_run_time(answers: dict[str, Any]) -> None:
    """Its migrations, its roles, its own locks; the layer answers its refusals itself."""
    assert answers["viewer_regranted"] == [
        200,
        {"role": "VIEWER", "policies": ["notes.read", "notes.write"], "default": False},
    ]
    assert answers["viewer_write_regranted"] == [200, {"text": "granted"}]
    assert answers["viewer_regrants"] == [
        403,
        {
            "detail": "You do not have permission to perform this action: requires 'permissions.manage'.",
            "code": "permission_denied",
            "policy": "permissions.manage",
            "reason": "role",
        },
    ]
    assert answers["editor_unlocks"] == [
        409,
        {"detail": "EDITOR must keep permissions.manage: these grants are locked.", "code": "grant_locked"},
    ]
    assert answers["unknown_role"] == [404, {"detail": "Not found", "code": "not_found"}]
    assert answers["viewer_reset"] == [
        200,
        {"role": "VIEWER", "policies": ["notes.read", "permissions.view"], "default": True},
    ]
    status, page = answers["changes"]
    assert status == 200 and page["count"] == 2
    assert [(item["role"], item["added"], item["removed"]) for item in page["items"]] == [
        ("VIEWER", ["permissions.view"], ["notes.write"]),
        ("VIEWER", ["notes.write"], ["permissions.view"]),
    ]
    assert all(item["actor_id"] == 1 for item in page["items"])
