"""Structured logs: one JSON line per request, request ids, audit lines, and no secrets anywhere.

The output is read from the console handler settings.LOGGING configures (its stream swapped
for a buffer), so what is checked is exactly what production writes to stdout.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from api.logging import JsonFormatter
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, AdminFactory, CustomerFactory

ROOT = Path(__file__).resolve().parents[2]

REQUEST_LINE_KEYS = {
    "timestamp",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "client",
}
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class LogOutput:
    buffer: io.StringIO

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        """Every line written, each of which must be one JSON object."""
        return [json.loads(line) for line in self.text.splitlines()]

    def of(self, logger: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == logger]

    def request_lines(self) -> list[dict[str, Any]]:
        return self.of("nexora.request")


@pytest.fixture
def log_output() -> Iterator[LogOutput]:
    handler = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler) and isinstance(handler.formatter, JsonFormatter)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield LogOutput(buffer)
    finally:
        handler.setStream(previous)


@contextmanager
def everything_at_debug() -> Iterator[None]:
    """As with LOG_LEVEL=DEBUG and the django logger lowered too; only what settings.LOGGING
    pins on purpose (django.db.backends) keeps its level."""
    loggers = [logging.getLogger(), logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# --- one line per request ----------------------------------------------------------------------


def test_one_json_line_per_request_with_exact_fields(
    customer_client: ApiClient, customer: User, log_output: LogOutput
) -> None:
    response = customer_client.get("/api/profile/?search=ignored")

    assert response.status_code == 200
    [line] = log_output.request_lines()
    assert set(line) == REQUEST_LINE_KEYS
    assert GENERATED_ID.fullmatch(line["request_id"])
    assert response["X-Request-ID"] == line["request_id"]
    assert {key: line[key] for key in ("level", "message", "method", "path", "status", "user_id", "client")} == {
        "level": "INFO",
        "message": "GET /api/profile/ 200",
        "method": "GET",
        "path": "/api/profile/",
        "status": 200,
        "user_id": customer.pk,
        "client": "127.0.0.1",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    offset = datetime.fromisoformat(line["timestamp"]).utcoffset()
    assert offset is not None and offset.total_seconds() == 0


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("get", "/api/profile/", {}, 401),
        ("get", "/api/health/", {"HTTP_HOST": "evil.example"}, 400),  # answered by the outermost JSON layer
        ("get", "/api/nowhere/", {}, 404),
        ("put", "/api/login/", {}, 405),
        ("post", "/api/login/", {"data": "{not json"}, 422),
        ("get", "/admin/login/", {}, 200),
        ("get", "/static/ninja/swagger-ui-init.js", {}, 200),  # WhiteNoise, before any view
    ],
)
def test_every_request_gets_one_line_with_the_status_sent(
    anon_client: ApiClient, log_output: LogOutput, method: str, path: str, extra: dict[str, Any], status: int
) -> None:
    response = getattr(anon_client, method)(path, **extra)

    assert response.status_code == status
    [line] = log_output.request_lines()
    assert (line["method"], line["path"], line["status"], line["user_id"]) == (method.upper(), path, status, None)
    assert line["request_id"] == response["X-Request-ID"]


def test_client_address_is_the_one_throttling_believes(
    anon_client: ApiClient, log_output: LogOutput, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    anon_client.get("/api/health/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.2")

    assert log_output.request_lines()[0]["client"] == "198.51.100.7"


def test_api_ignores_the_session_user_and_the_admin_logs_it(admin: User, log_output: LogOutput) -> None:
    browser = Client()
    browser.force_login(admin)

    assert browser.get("/api/profile/").status_code == 401
    assert browser.get("/admin/").status_code == 302  # not staff: sent to the login page, but signed in
    assert [(line["path"], line["user_id"]) for line in log_output.request_lines()] == [
        ("/api/profile/", None),
        ("/admin/", admin.pk),
    ]


# --- request ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("incoming", ["abc", "req-2026.11.21_0001", "A" * 128, "7f3c9d2a-5b1e-4c8f-9a6d-2e4b8c1f0a3d"])
def test_a_sane_incoming_request_id_is_kept(anon_client: ApiClient, log_output: LogOutput, incoming: str) -> None:
    response = anon_client.get("/api/health/", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] == incoming
    assert log_output.request_lines()[0]["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "A" * 129, "has space", 'quote"d', "semi;colon", "new\nline", "ünïcode", '{"json": 1}', "a/b"],
)
def test_an_insane_incoming_request_id_is_replaced(
    anon_client: ApiClient, log_output: LogOutput, incoming: str
) -> None:
    response = anon_client.get("/api/health/", HTTP_X_REQUEST_ID=incoming)

    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert log_output.request_lines()[0]["request_id"] == response["X-Request-ID"]


def test_each_request_gets_its_own_id(anon_client: ApiClient) -> None:
    ids = {anon_client.get("/api/health/")["X-Request-ID"] for _ in range(3)}

    assert len(ids) == 3


def test_every_line_of_a_request_carries_its_id(customer: User, anon_client: ApiClient, log_output: LogOutput) -> None:
    response = anon_client.post(
        "/api/login/", {"email": customer.email, "password": "Wrong-Passw0rd-guess"}, HTTP_X_REQUEST_ID="failed-login-1"
    )
    logging.getLogger("nexora.test").warning("between requests")

    assert response.status_code == 401
    lines = [(line["logger"], line["message"], line["request_id"]) for line in log_output.lines()]
    assert lines == [
        ("nexora.audit", "login failed", "failed-login-1"),
        ("nexora.request", "POST /api/login/ 401", "failed-login-1"),
        ("django.request", "Unauthorized: /api/login/", "failed-login-1"),  # logged after the middleware
        ("nexora.test", "between requests", None),
    ]


# --- audit lines -------------------------------------------------------------------------------


def test_audit_lines_are_structured(customer: User, log_output: LogOutput) -> None:
    admin = AdminFactory.create()
    admin_client, anon = ApiClient(admin), ApiClient()

    anon.post("/api/login/", {"email": customer.email, "password": "Wrong-Passw0rd-guess"})
    access = anon.post("/api/login/", {"email": customer.email, "password": PASSWORD}).json()["access"]
    ApiClient(HTTP_AUTHORIZATION=f"Bearer {access}").post(
        "/api/profile/password/", {"current_password": PASSWORD, "new_password": "Brand-new-Passw0rd-7"}
    )
    admin_client.put(f"/api/users/{customer.pk}/role/", {"role": "SELLER"})
    admin_client.patch(f"/api/users/{customer.pk}/", {"is_active": False})
    admin_client.post("/api/logout/all/")

    audit = [
        {key: value for key, value in line.items() if key not in {"timestamp", "request_id"}}
        for line in log_output.of("nexora.audit")
    ]
    failed = audit[0]
    assert re.fullmatch(r"[0-9a-f]{16}", failed.pop("email_digest"))
    assert audit == [
        {
            "level": "INFO",
            "logger": "nexora.audit",
            "message": "login failed",
            "event": "login_failed",
            "client": "127.0.0.1",
        },
        {
            "level": "INFO",
            "logger": "nexora.audit",
            "message": "login",
            "event": "login",
            "user_id": customer.pk,
            "client": "127.0.0.1",
        },
        {
            "level": "INFO",
            "logger": "nexora.audit",
            "message": "password changed",
            "event": "password_changed",
            "user_id": customer.pk,
        },
        {
            "level": "INFO",
            "logger": "nexora.audit",
            "message": "role changed",
            "event": "role_changed",
            "actor_id": admin.pk,
            "user_id": customer.pk,
            "old_role": "CUSTOMER",
            "new_role": "SELLER",
        },
        {
            "level": "INFO",
            "logger": "nexora.audit",
            "message": "user deactivated",
            "event": "user_deactivated",
            "actor_id": admin.pk,
            "user_id": customer.pk,
        },
        {
            "level": "INFO",
            "logger": "nexora.audit",
            "message": "logged out everywhere",
            "event": "logout_all",
            "user_id": admin.pk,
        },
    ]


def test_failed_login_digest_is_stable_per_address_and_not_the_address(customer: User, log_output: LogOutput) -> None:
    anon = ApiClient()
    for email in (customer.email, customer.email.upper(), "someone.else@example.com"):
        anon.post("/api/login/", {"email": email, "password": "Wrong-Passw0rd-guess"})

    digests = [line["email_digest"] for line in log_output.of("nexora.audit")]
    assert digests[0] == digests[1] != digests[2]
    assert customer.email not in log_output.text and "someone.else" not in log_output.text


# --- no secrets, at any level -------------------------------------------------------------------


def test_no_password_token_or_hash_is_ever_logged(db: None, log_output: LogOutput) -> None:
    customer, admin = (
        CustomerFactory.create(),
        AdminFactory.create(),
    )  # made before capturing: factory-boy logs its fields
    admin_pair = ApiClient().authenticate(admin)
    admin_client = ApiClient(HTTP_AUTHORIZATION=f"Bearer {admin_pair.access}")
    anon = ApiClient()
    new_password, signup_password, wrong_password = "Brand-new-Passw0rd-7", "Sign-up-Passw0rd-8", "Wrong-Passw0rd-guess"
    hashes = [customer.password, admin.password]

    with everything_at_debug():
        logging.getLogger("nexora.test").debug("capturing at DEBUG")
        statuses = [anon.post("/api/login/", {"email": customer.email, "password": wrong_password}).status_code]
        first = anon.post("/api/login/", {"email": customer.email, "password": PASSWORD}).json()
        refreshed = anon.post("/api/token/refresh/", {"refresh": first["refresh"]}).json()
        statuses.append(
            anon.post("/api/token/refresh/", {"refresh": first["refresh"]}).status_code
        )  # a second tab: 200
        changed = (
            ApiClient(HTTP_AUTHORIZATION=f"Bearer {refreshed['access']}")
            .post("/api/profile/password/", {"current_password": PASSWORD, "new_password": new_password})
            .json()
        )
        hashes.append(User.objects.get(pk=customer.pk).password)
        statuses.append(ApiClient(HTTP_AUTHORIZATION=f"Bearer {first['access']}").get("/api/profile/").status_code)
        statuses.append(admin_client.put(f"/api/users/{customer.pk}/role/", {"role": "SELLER"}).status_code)
        statuses.append(admin_client.patch(f"/api/users/{customer.pk}/", {"is_active": False}).status_code)
        statuses.append(anon.post("/api/token/verify/", {"token": changed["access"]}).status_code)
        statuses.append(
            anon.post("/api/register/", {"email": "new@example.com", "password": signup_password}).status_code
        )
        statuses.append(anon.post("/api/register/", {"email": "weak@example.com", "password": "12345678"}).status_code)
        statuses.append(anon.post("/api/login/", {"email": "new@example.com", "password": signup_password}).status_code)

    assert statuses == [401, 200, 401, 200, 200, 401, 201, 422, 200]
    output = log_output.text
    assert len(log_output.request_lines()) == len(statuses) + 3  # login, refresh, password change
    assert ("DEBUG", "capturing at DEBUG") in [(line["level"], line["message"]) for line in log_output.lines()]
    secrets = [
        PASSWORD,
        new_password,
        signup_password,
        wrong_password,
        "12345678",
        *hashes,
        admin_pair.access,
        admin_pair.refresh,
        first["access"],
        first["refresh"],
        refreshed["access"],
        refreshed["refresh"],
        changed["access"],
        changed["refresh"],
    ]
    leaked = [secret for secret in secrets if secret in output]
    assert leaked == []
    assert customer.email not in output and "new@example.com" not in output  # e-mails: PII, not logged
    assert "Bearer" not in output and "Authorization" not in output and "HTTP_AUTHORIZATION" not in output


def test_sql_is_never_logged_even_at_debug_with_a_debug_cursor(customer: User, log_output: LogOutput) -> None:
    with everything_at_debug(), CaptureQueriesContext(connection) as queries:  # the debug cursor DEBUG=True uses
        pair = ApiClient().post("/api/login/", {"email": customer.email, "password": PASSWORD}).json()

    assert any("authn_loginsession" in query["sql"] for query in queries.captured_queries)
    assert [line for line in log_output.lines() if line["logger"].startswith("django.db")] == []
    assert pair["refresh"] not in log_output.text and customer.password not in log_output.text


def test_django_request_warning_has_the_path_only(customer: User, log_output: LogOutput) -> None:
    token = ApiClient().authenticate(customer).access
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    response = ApiClient(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/profile/?page=secret-query")

    assert response.status_code == 401
    [warning] = log_output.of("django.request")
    assert {key: value for key, value in warning.items() if key not in {"timestamp", "request_id"}} == {
        "level": "WARNING",
        "logger": "django.request",
        "message": "Unauthorized: /api/profile/",
        "status_code": 401,
    }
    assert token not in log_output.text and "secret-query" not in log_output.text


# --- the formatter -------------------------------------------------------------------------------


class Recorder(logging.Handler):
    """Keeps the records it is handed."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_formatter_writes_one_line_whatever_the_record_holds() -> None:
    logger = logging.getLogger("nexora.test.formatter")
    handler = Recorder()
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad\nthing")
        except ValueError:
            logger.error(
                'two\nlines "quoted"',
                exc_info=True,
                extra={"when": datetime(2030, 1, 1), "ratio": float("nan"), "request": object(), "ids": (1, 2)},
            )
    finally:
        logger.removeHandler(handler)

    [text] = [JsonFormatter().format(record) for record in handler.records]
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["message"] == 'two\nlines "quoted"'
    assert entry["exception"].startswith("Traceback") and entry["exception"].endswith("ValueError: bad\nthing")
    assert (entry["when"], entry["ratio"], entry["ids"]) == ("2030-01-01 00:00:00", "nan", [1, 2])
    assert "request" not in entry
    assert entry["request_id"] is None


PLAIN_PROBE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django.setup()
from django.test import Client
Client(HTTP_HOST="localhost").get("/api/nowhere/", HTTP_X_REQUEST_ID="plain-1")
"""


@pytest.mark.parametrize(("log_format", "returncode"), [("plain", 0), ("xml", 1)])
def test_log_format_from_the_environment(log_format: str, returncode: int) -> None:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL", "LOG_"))}
    result = subprocess.run(
        [sys.executable, "-c", PLAIN_PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, "DJANGO_DEBUG": "1", "LOG_FORMAT": log_format},
    )

    assert result.returncode == returncode, result.stderr
    if returncode:
        assert "LOG_FORMAT must be 'json' or 'plain', not 'xml'." in result.stderr
    else:
        assert re.search(r"^\S+ \S+ INFO nexora.request \[plain-1\] GET /api/nowhere/ 404$", result.stdout, re.M), (
            result.stdout
        )


def test_a_basic_authorization_header_is_never_logged_even_with_debug_on(
    customer: User,
    log_output: LogOutput,
    settings: Any,
) -> None:
    """django-ninja's HttpBearer logs a non-Bearer header whole when DEBUG is on ("Unexpected
    auth - 'Basic <email:password>'"): our authenticator reads the header itself."""
    settings.DEBUG = True
    credentials = base64.b64encode(f"{customer.email}:{PASSWORD}".encode()).decode()
    with everything_at_debug():
        response = ApiClient().get("/api/profile/", HTTP_AUTHORIZATION=f"Basic {credentials}")

    assert response.status_code == 401
    assert credentials not in log_output.text and "Basic" not in log_output.text
    assert "Unexpected auth" not in log_output.text
