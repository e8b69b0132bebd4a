"""What browsers get: security headers and a CSP on every API answer, HSTS only over HTTPS when
configured, CORS only for configured origins and never with credentials, and no way in
with the Django admin's session cookie."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from accounts.models import User
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, AdminFactory
from tasks.models import Task

ROOT = Path(__file__).resolve().parents[2]

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
APP_ORIGIN = "https://app.example"
UNAUTHENTICATED = {
    "detail": "Authentication credentials were not provided or are invalid.",
    "code": "not_authenticated",
}


def assert_browser_headers(response: Any, csp: str = API_CSP) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == csp
    assert "Server" not in response  # Django sends none; gunicorn's carries no version


# --- headers on every API answer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("get", "/api/health/", {}, 200),
        ("get", "/api/openapi.json", {}, 200),
        ("get", "/api/profile/", {}, 401),
        ("get", "/api/nowhere/", {}, 404),
        ("put", "/api/login/", {}, 405),  # rebuilt as JSON by JsonApiErrorsMiddleware
        ("get", "/api/health/", {"HTTP_HOST": "evil.example"}, 400),  # answered before Django's middleware
        ("post", "/api/login/", {"data": "email=a", "content_type": "application/x-www-form-urlencoded"}, 415),
    ],
)
def test_api_answers_carry_security_headers(
    anon_client: ApiClient, method: str, path: str, extra: dict[str, Any], status: int
) -> None:
    response = getattr(anon_client, method)(path, **extra)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert_browser_headers(response)
    assert "Strict-Transport-Security" not in response  # plain HTTP, and DJANGO_HTTPS is off


def test_a_204_answer_carries_the_api_policy(customer_client: ApiClient) -> None:
    response = customer_client.post("/api/logout/all/")

    assert response.status_code == 204
    assert_browser_headers(response)


def test_docs_page_gets_a_policy_that_allows_only_its_own_assets(anon_client: ApiClient) -> None:
    response = anon_client.get("/api/docs")

    assert response.status_code == 200
    assert_browser_headers(response, csp=DOCS_CSP)
    html = response.content.decode()
    # script-src 'self' is enough: no inline script runs (the settings block is JSON data) ...
    scripts = re.findall(r"<script([^>]*)>", html)
    assert [attrs for attrs in scripts if "src=" not in attrs] == [' type="application/json" id="swagger-settings"']
    # ... and every script, stylesheet and icon comes from this server's /static/.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 5 and all(asset.startswith("/static/ninja/") for asset in assets), assets
    for asset in assets:
        assert anon_client.get(asset).status_code == 200, asset


def test_non_api_pages_keep_djangos_headers_without_the_api_policy(db: None) -> None:
    response = Client().get("/admin/login/")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response


# --- HSTS ------------------------------------------------------------------------------------


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
@pytest.mark.parametrize(("method", "path", "status"), [("get", "/api/health/", 200), ("put", "/api/login/", 405)])
def test_hsts_sent_over_https_only_when_configured(db: None, method: str, path: str, status: int) -> None:
    secure = getattr(ApiClient(), method)(path, secure=True)
    plain = getattr(ApiClient(), method)(path)

    assert (secure.status_code, plain.status_code) == (status, status)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain  # browsers ignore it over HTTP anyway


HTTPS_PROBE = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
secure = client.get("/api/openapi.json", secure=True)
plain = client.get("/api/openapi.json")
print(json.dumps([secure.status_code, secure.headers.get("Strict-Transport-Security"), plain.status_code,
                  plain.headers.get("Location")]))
"""


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env = {**base, "DJANGO_SECRET_KEY": "probe-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2, **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("https", "expected"),
    [
        ({}, [200, None, 200, None]),
        (
            {"DJANGO_HTTPS": "1"},
            [200, "max-age=31536000; includeSubDomains", 301, "https://localhost/api/openapi.json"],
        ),
    ],
)
def test_hsts_and_redirect_follow_django_https_from_the_environment(https: dict[str, str], expected: list[Any]) -> None:
    result = _run(https, "-c", HTTPS_PROBE)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_deploy_check_is_clean_with_django_https(tmp_path: Path) -> None:
    env = {
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMAIL_HOST": "smtp.example.com",
    }

    with_https = _run({**env, "DJANGO_HTTPS": "1"}, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    without = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert with_https.returncode == 0, with_https.stderr
    assert without.returncode != 0
    assert "security.W004" in without.stderr  # no HSTS without DJANGO_HTTPS, on purpose


# --- CORS ------------------------------------------------------------------------------------


def preflight(origin: str, method: str = "POST") -> Any:
    return Client().options(
        "/api/tasks/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


@override_settings(CORS_ALLOWED_ORIGINS=[APP_ORIGIN])
def test_preflight_from_an_allowed_origin_allows_the_bearer_header(db: None) -> None:
    response = preflight(APP_ORIGIN)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN
    allowed_headers = {header.strip() for header in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[APP_ORIGIN])
@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://app.example", "https://app.example.evil.example", "null"]
)
def test_preflight_from_another_origin_gets_no_cors_headers(db: None, origin: str) -> None:
    response = preflight(origin)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response
    assert "Access-Control-Allow-Headers" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[APP_ORIGIN])
def test_actual_request_from_the_allowed_origin_names_it_never_star(customer_client: ApiClient) -> None:
    allowed = customer_client.get("/api/profile/", HTTP_ORIGIN=APP_ORIGIN)
    other = customer_client.get("/api/profile/", HTTP_ORIGIN="https://evil.example")

    assert (allowed.status_code, other.status_code) == (200, 200)  # CORS is the browser's check, not auth
    assert allowed["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "origin" in allowed["Vary"].lower()
    assert "Access-Control-Allow-Credentials" not in allowed
    assert allowed["Access-Control-Expose-Headers"] == "X-Request-ID, Retry-After"
    assert "Access-Control-Allow-Origin" not in other


def test_no_origin_is_allowed_by_default(db: None) -> None:
    response = preflight(APP_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


# --- the admin's session cookie opens nothing in the API ---------------------------------------


def test_admin_session_cookie_without_bearer_is_401_and_writes_nothing(db: None) -> None:
    staff_admin = AdminFactory.create(staff=True)
    browser = Client(enforce_csrf_checks=True)
    browser.get("/admin/login/")
    csrf_token = browser.cookies["csrftoken"].value
    logged_in = browser.post(
        "/admin/login/",
        {"username": staff_admin.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token, "next": "/admin/"},
    )
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/admin/")
    assert browser.get("/admin/").status_code == 200  # the session works where it belongs
    users_before = User.objects.count()

    listed = browser.get("/api/users/")
    forged = browser.post("/api/tasks/", {"title": "Forged"}, content_type="application/json")
    same_site = browser.post(
        "/api/tasks/", {"title": "Same site"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_token
    )

    for response in (listed, forged, same_site):
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Task.objects.exists()
    assert User.objects.count() == users_before
