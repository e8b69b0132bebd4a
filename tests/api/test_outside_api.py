"""api.outside_api: the admin's middleware runs outside /api/ only, with every hook, so the
admin keeps its sessions and CSRF protection while an API request pays for none of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from api import checks, outside_api
from nexora_testkit.client import ApiClient
from nexora_testkit.factories import PASSWORD, AdminFactory

ADMIN_MIDDLEWARE = ["Session", "Common", "CsrfView", "Authentication", "Message", "XFrameOptions"]


class Recording:
    """A middleware with every hook, recording which ran."""

    calls: list[str] = []

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        Recording.calls.append("call")
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> Any:
        Recording.calls.append("view")
        return HttpResponse("from process_view")

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        Recording.calls.append("exception")
        return HttpResponse("from process_exception")

    def process_template_response(self, request: HttpRequest, response: Any) -> Any:
        Recording.calls.append("template")
        return "replaced"


class CallOnly:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)


@pytest.mark.parametrize(
    ("path", "runs"),
    [("/admin/login/", True), ("/api/tasks/", False), ("/api", False), ("/apis/", True), ("/static/x.css", True)],
)
def test_every_hook_is_forwarded_outside_api_and_skipped_under_it(path: str, runs: bool) -> None:
    Recording.calls = []
    wrapped = outside_api.outside_api(Recording)(lambda request: HttpResponse("view"))
    request = RequestFactory().get(path)

    answers = [
        wrapped(request).content,
        wrapped.process_view(request, print, (), {}),
        wrapped.process_exception(request, ValueError()),
        wrapped.process_template_response(request, "original"),
    ]

    if runs:
        assert Recording.calls == ["call", "view", "exception", "template"]
        assert [answers[0], answers[1].content, answers[2].content, answers[3]] == [
            b"view",
            b"from process_view",
            b"from process_exception",
            "replaced",
        ]
    else:
        assert Recording.calls == []
        assert answers == [b"view", None, None, "original"]


def test_only_the_hooks_the_middleware_has_are_added() -> None:
    """Django registers a process_view for any middleware that has one: no empty ones."""
    wrapped = outside_api.outside_api(CallOnly)

    assert not any(
        hasattr(wrapped, hook) for hook in ("process_view", "process_exception", "process_template_response")
    )
    assert issubclass(wrapped, CallOnly)


def test_settings_run_the_admin_middleware_through_the_wrapper(settings: Any) -> None:
    wrapped = [path for path in settings.MIDDLEWARE if path.startswith("api.outside_api.")]

    assert wrapped == [f"api.outside_api.{name}Middleware" for name in ADMIN_MIDDLEWARE]
    for name in ADMIN_MIDDLEWARE:
        assert f"django.{name}" not in settings.MIDDLEWARE


# --- the admin keeps its protections --------------------------------------------------------


def test_admin_login_without_the_csrf_token_is_refused(db: None) -> None:
    staff_admin = AdminFactory.create(staff=True)
    browser = Client(enforce_csrf_checks=True)
    browser.get("/admin/login/")

    refused = browser.post("/admin/login/", {"username": staff_admin.email, "password": PASSWORD, "next": "/admin/"})
    forged = browser.post(
        "/admin/login/",
        {"username": staff_admin.email, "password": PASSWORD, "next": "/admin/", "csrfmiddlewaretoken": "x" * 32},
    )

    assert (refused.status_code, forged.status_code) == (403, 403)
    assert b"CSRF" in refused.content
    assert "sessionid" not in browser.cookies


def test_admin_login_with_the_csrf_token_works_and_keeps_the_session(db: None) -> None:
    staff_admin = AdminFactory.create(staff=True)
    browser = Client(enforce_csrf_checks=True)
    login_page = browser.get("/admin/login/")
    token = browser.cookies["csrftoken"].value

    logged_in = browser.post(
        "/admin/login/",
        {"username": staff_admin.email, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/admin/"},
    )
    index = browser.get("/admin/")
    no_slash = browser.get("/admin")

    assert login_page["X-Frame-Options"] == "DENY"  # the clickjacking middleware, outside /api/
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/admin/")
    assert (index.status_code, index.wsgi_request.user) == (200, staff_admin)  # the session, read back
    assert b"Site administration" in index.content
    assert (no_slash.status_code, no_slash["Location"]) == (301, "/admin/")  # CommonMiddleware's redirect


# --- an API request pays for none of it -----------------------------------------------------


def test_api_answers_set_no_cookie_and_vary_on_none(customer_client: ApiClient) -> None:
    customer_client.cookies["sessionid"] = "whatever"
    customer_client.cookies["csrftoken"] = "x" * 32

    response = customer_client.post("/api/tasks/", {"title": "No CSRF needed"})

    assert response.status_code == 201
    assert not response.cookies  # type: ignore[attr-defined]  # Django's test response, beyond the kit's Response
    assert "Cookie" not in response.get("Vary", "")  # type: ignore[attr-defined]  # likewise
    assert response["Content-Length"] == str(len(response.content))  # CommonMiddleware's, kept for /api/
    assert response["X-Frame-Options"] == "DENY"  # from ApiSecurityHeadersMiddleware


def test_api_path_without_its_slash_is_a_json_404_not_a_redirect(customer_client: ApiClient) -> None:
    response = customer_client.post("/api/tasks", {"title": "Lost"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found", "code": "not_found"}


def test_no_session_is_loaded_for_an_api_request(customer_client: ApiClient) -> None:
    response = customer_client.get("/api/profile/")
    request = response.wsgi_request

    assert response.status_code == 200
    assert not hasattr(request, "session")
    assert request.user.pk == response.json()["id"]  # set by the bearer authentication, not the session


# --- the deploy checks still see CSRF and clickjacking protection ------------------------------


def test_deploy_checks_accept_the_wrappers(settings: Any) -> None:
    settings.CSRF_COOKIE_SECURE = True

    assert checks.check_admin_protections() == []


def test_deploy_checks_miss_csrf_and_clickjacking_when_they_are_gone(settings: Any) -> None:
    settings.MIDDLEWARE = [
        path for path in settings.MIDDLEWARE if not path.endswith(("CsrfViewMiddleware", "XFrameOptionsMiddleware"))
    ]

    assert {message.id for message in checks.check_admin_protections()} == {"api.W003", "api.W002"}


def test_deploy_check_warns_on_an_insecure_csrf_cookie(settings: Any) -> None:
    settings.CSRF_COOKIE_SECURE = False

    assert [message.id for message in checks.check_admin_protections()] == ["api.W016"]


@override_settings(
    MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"], CSRF_COOKIE_SECURE=True, X_FRAME_OPTIONS="SAMEORIGIN"
)
def test_deploy_checks_accept_the_originals_too() -> None:
    assert [message.id for message in checks.check_admin_protections()] == ["api.W002"]
    with pytest.raises(SystemCheckError, match="api.W002"):  # noqa: RUF043
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
