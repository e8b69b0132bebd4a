"""Start-up refusals and database outages, each in a fresh Python process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.assertions import HEALTH_DOWN, UNAVAILABLE

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django.setup()
from django.test import Client
from ninja_jwt.tokens import AccessToken
client = Client(HTTP_HOST="localhost")
token = AccessToken()
token["user_id"], token["ver"] = 1, 0
answers = {}
for method, path, body in [("get", "/api/health/", None), ("post", "/api/login/", {"email": "a@b.co", "password": "x"}),
                           ("get", "/api/tasks/", None)]:
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if path == "/api/tasks/" else {}
    call = getattr(client, method)
    response = call(path, body, content_type="application/json", **kwargs) if body else call(path, **kwargs)
    headers = response.headers
    answers[path] = [response.status_code, headers.get("Content-Type"), headers.get("Retry-After"),
                     response.content.decode()]
print(json.dumps(answers))
"""


def _run(env: dict[str, str], code: str = PROBE) -> subprocess.CompletedProcess[str]:
    """Only `env` configures the process, as in production: the checkout's development `.env`
    is not read (tests/test_local_env.py covers it)."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    base["PYTHON_DOTENV_DISABLED"] = "1"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_debug_off_without_secret_key_refuses_to_start() -> None:
    result = _run(
        {"DJANGO_DEBUG": "0"},
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'project.settings'); django.setup()",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_on_runs_with_a_throwaway_key() -> None:
    result = _run(
        {"DJANGO_DEBUG": "1"},
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'project.settings'); django.setup(); "
        "from django.conf import settings; print(settings.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_unknown_policy_override_refuses_to_start() -> None:
    result = _run(
        {"DJANGO_DEBUG": "1", "PERMISSIONS_POLICY_ROLES": '{"tasks.nope": ["ADMIN"]}'},
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'project.settings'); django.setup()",
    )
    assert result.returncode != 0
    assert "Unknown policy 'tasks.nope'" in result.stderr


def test_database_unreachable_answers_503_json() -> None:
    result = _run({"DJANGO_SECRET_KEY": "k" * 50, "DATABASE_URL": "mysql://root@127.0.0.1:9/nexora"})
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    status, content_type, _, body = answers["/api/health/"]
    assert (status, content_type, json.loads(body)) == (503, "application/json; charset=utf-8", HEALTH_DOWN)
    for path in ("/api/login/", "/api/tasks/"):
        status, content_type, retry_after, body = answers[path]
        assert status == 503, (path, body)
        assert content_type == "application/json; charset=utf-8"
        assert retry_after == "5"
        assert json.loads(body) == UNAVAILABLE
