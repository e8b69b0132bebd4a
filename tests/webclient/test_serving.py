"""The web client as Django serves it: its page at / and the client routes only, with its CSP;
everything else stays as it was (JSON 404s, the API's own policy). Runs without Node.js: the
built page is a stand-in written to a temporary folder (WEB_CLIENT_DIR)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from webclient.middleware import WEB_POLICY
from webclient.urls import ROUTES

ROOT = Path(__file__).resolve().parents[2]
PAGE = (
    b"<!doctype html><title>Nexora</title><div id=root></div>"
    b"<script type=module src=/static/web/assets/index-AbCd1234.js></script>"
)


@pytest.fixture
def built(settings: Settings, tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_bytes(PAGE)
    settings.WEB_CLIENT_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize("path", ["/", *(f"/{route}" for route in ROUTES), "/tasks/", "/login/"])
def test_the_page_is_served_for_each_client_route(client: Client, built: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == PAGE
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Security-Policy"] == WEB_POLICY
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_no_inline_script_and_no_other_host() -> None:
    directives = dict(item.strip().split(" ", 1) for item in WEB_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in WEB_POLICY and "http" not in WEB_POLICY and "*" not in WEB_POLICY
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "path", ["/tasks/12", "/tasks/12/", "/index.html", "/loginx", "/static/web/index.html", "/nowhere/"]
)
def test_other_paths_stay_json_404s(client: Client, built: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found", "code": "not_found"}


def test_the_api_keeps_its_own_policy(client: Client, built: Path) -> None:
    response = client.get("/api/nowhere/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


def test_only_safe_methods(client: Client, built: Path) -> None:
    assert client.post("/login", {}).status_code == 405
    assert client.head("/tasks").status_code == 200


def test_a_checkout_without_the_built_client_says_how_to_build_it(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    settings.WEB_CLIENT_DIR = tmp_path / "missing"
    response = client.get("/")
    assert response.status_code == 404
    assert response.json()["code"] == "web_client_not_built"
    assert "make web" in response.json()["detail"]


PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
)


@pytest.mark.parametrize(
    ("debug", "origins", "expected"),
    [
        ("1", "", ["http://127.0.0.1:5173", "http://localhost:5173"]),
        ("1", "https://app.example", ["https://app.example", "http://127.0.0.1:5173", "http://localhost:5173"]),
        ("0", "", []),
        ("0", "https://app.example", ["https://app.example"]),
    ],
)
def test_debug_lets_the_vite_dev_server_call_the_api(debug: str, origins: str, expected: list[str]) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CORS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG=debug,
        DJANGO_SECRET_KEY="x" * 50,
        CORS_ALLOWED_ORIGINS=origins,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected
