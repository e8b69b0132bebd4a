"""gunicorn.conf.py: its values from the environment, every name a real gunicorn setting, and
a server started with it writing JSON lines only, one per request, with no version banner."""

from __future__ import annotations

import json
import multiprocessing
import os
import runpy
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config

from nexora_testkit.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")
ENVIRONMENT = ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "FORWARDED_ALLOW_IPS", "LOG_FORMAT")


def load_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(CONFIG))
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_") and name not in {"annotations", "multiprocessing", "os"}
    }


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(monkeypatch)

    logconfig = config.pop("logconfig_dict")
    assert config == {
        "wsgi_app": "project.wsgi:application",
        "bind": ["127.0.0.1:8000"],
        "workers": multiprocessing.cpu_count() * 2 + 1,
        "worker_class": "gthread",
        "threads": 2,
        "timeout": 30,
        "graceful_timeout": 30,
        "keepalive": 5,
        "forwarded_allow_ips": "127.0.0.1,::1",
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
    }
    assert logconfig["loggers"]["gunicorn.error"]["handlers"] == ["stderr"]
    assert logconfig["formatters"]["json"] == {"()": "api.logging.JsonFormatter"}
    assert logconfig["loggers"]["gunicorn.access"] == {"level": "CRITICAL", "handlers": [], "propagate": False}


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(
        monkeypatch,
        GUNICORN_BIND="0.0.0.0:9000, unix:/run/nexora.sock",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="4",
        FORWARDED_ALLOW_IPS="10.0.0.0/8",
        LOG_FORMAT="plain",
    )

    assert config["bind"] == ["0.0.0.0:9000", "unix:/run/nexora.sock"]
    assert config["workers"] == 3
    assert config["threads"] == 4
    assert config["forwarded_allow_ips"] == "10.0.0.0/8"
    assert "logconfig_dict" not in config  # plain: gunicorn's own text format


def test_every_name_is_a_gunicorn_setting_with_a_valid_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gunicorn ignores an unknown name in a config file silently; a typo would be lost."""
    gunicorn_config = Config()
    for name, value in load_config(monkeypatch).items():
        assert name in gunicorn_config.settings, name
        gunicorn_config.set(name, value)  # runs gunicorn's validator

    assert gunicorn_config.control_socket_disable is True
    assert gunicorn_config.address == [("127.0.0.1", 8000)]


@pytest.mark.e2e
def test_a_server_started_with_the_config_logs_json_lines_only(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL", "LOG_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "gunicorn-config-test-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("XDG_RUNTIME_DIR", None)
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(CONFIG)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        for _ in range(100):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/health/", headers={"X-Request-ID": "gunicorn-config-1"}
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, headers = response.status, dict(response.headers.items())
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not come up")
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)

    assert status == 200
    assert headers["Server"] == "gunicorn"  # no version
    assert headers["X-Request-ID"] == "gunicorn-config-1"
    app_lines = [json.loads(line) for line in stdout.decode().splitlines()]
    assert [(line["logger"], line["path"], line["status"], line["request_id"]) for line in app_lines] == [
        ("nexora.request", "/api/health/", 200, "gunicorn-config-1"),
    ]
    server_lines = [json.loads(line) for line in stderr.decode().splitlines()]
    assert {line["logger"] for line in server_lines} == {"gunicorn.error"}
    assert any(line["message"].startswith("Listening at: http://127.0.0.1:") for line in server_lines)
    assert not (tmp_path / ".gunicorn").exists()  # no control socket
