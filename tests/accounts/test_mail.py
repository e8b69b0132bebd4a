"""Mail as a component: configuration, templates, sending after commit, and failures that
never reach the caller and are logged without the link."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail as django_mail
from django.db import transaction

from accounts import notifications
from accounts.models import User
from api import mail
from api.logging import JsonFormatter
from nexora_testkit.client import ApiClient
from nexora_testkit.live_server import free_port
from tests.accounts.helpers import STRONG_PASSWORD, assert_json, mail_link

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_PROBE = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL", "FRONTEND_URL", "REQUIRE_VERIFIED_EMAIL", "PASSWORD_RESET_TIMEOUT",
    "PASSWORD_RESET_RATE", "REGISTER_RATE")}))
"""

Deliver = Callable[[Callable[[], Any]], Any]


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_", "FRONTEND_URL", "DEFAULT_FROM_EMAIL"))
    }
    env = {**base, "DJANGO_SECRET_KEY": "probe-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2, **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


# --- configuration ---------------------------------------------------------------------------


def test_mail_goes_to_the_console_without_email_host() -> None:
    result = run_python({}, "-c", SETTINGS_PROBE)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "EMAIL_HOST": "",
        "EMAIL_PORT": 25,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "DEFAULT_FROM_EMAIL": "Nexora <no-reply@localhost>",
        "FRONTEND_URL": "http://127.0.0.1:8000",
        "REQUIRE_VERIFIED_EMAIL": False,
        "PASSWORD_RESET_TIMEOUT": 3600,
        "PASSWORD_RESET_RATE": "5/h",
        "REGISTER_RATE": "30/h",
    }


def test_mail_goes_by_smtp_with_email_host() -> None:
    env = {
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "nexora",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": "1",
        "DEFAULT_FROM_EMAIL": "Ops <ops@example.com>",
        "FRONTEND_URL": "https://app.example.com/",
        "REQUIRE_VERIFIED_EMAIL": "1",
        "PASSWORD_RESET_MINUTES": "15",
        "PASSWORD_RESET_RATE": "3/h",
        "REGISTER_RATE": "10/h",
    }

    result = run_python(env, "-c", SETTINGS_PROBE)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "nexora",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "Ops <ops@example.com>",
        "FRONTEND_URL": "https://app.example.com",
        "REQUIRE_VERIFIED_EMAIL": True,
        "PASSWORD_RESET_TIMEOUT": 900,
        "PASSWORD_RESET_RATE": "3/h",
        "REGISTER_RATE": "10/h",
    }


def test_deploy_check_warns_when_mail_would_go_to_the_logs(tmp_path: Path) -> None:
    env = {
        "DJANGO_HTTPS": "1",
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    result = run_python(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "accounts.W001" in result.stderr


# --- templates and links ---------------------------------------------------------------------


def test_every_mail_has_a_subject_a_text_and_an_html_body(customer: User, settings: Any) -> None:
    settings.FRONTEND_URL = "https://app.example.com"
    mails = {
        "verify_email": (notifications.verification(customer), "verify-email", {"uid", "token"}),
        "password_reset": (notifications.password_reset(customer), "reset-password", {"uid", "token"}),
        "set_password": (notifications.set_password(customer), "reset-password", {"uid", "token"}),
        "email_change_confirm": (
            notifications.email_change_confirmation(customer, "new@example.com"),
            "confirm-email",
            {"token"},
        ),
    }
    for kind, (composed, route, params) in mails.items():
        message = composed.message
        assert composed.kind == kind and composed.user_id == customer.pk
        assert message.subject and "\n" not in message.subject
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        assert set(mail_link(message, route)) == params
        assert "https://app.example.com/" + route + "?" in message.body
    notice = notifications.email_change_notice(customer, "new@example.com").message
    assert notice.to == [customer.email] and "new@example.com" in notice.body


def test_html_body_escapes_what_the_user_typed(db: None) -> None:
    user = User.objects.create_user("x@example.com", STRONG_PASSWORD, first_name="<script>alert(1)</script>")

    message = notifications.verification(user).message
    [(html_body, _)] = message.alternatives
    assert isinstance(html_body, str)

    assert "<script>" not in html_body and "&lt;script&gt;" in html_body
    assert "<script>alert(1)</script>" in message.body  # the text part is plain text


# --- after commit, and failures ----------------------------------------------------------------


def test_nothing_is_sent_when_the_transaction_rolls_back(
    customer: User, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notifications.verification(customer).send_after_commit()
        transaction.set_rollback(True)

    assert callbacks == []
    assert mailoutbox == []


def test_a_mail_is_sent_only_once_the_transaction_commits(
    customer: User, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notifications.verification(customer).send_after_commit()
        assert mail.sender.wait_until_sent(5)
        assert mailoutbox == []

    assert mail.sender.wait_until_sent(5)
    assert [message.to for message in mailoutbox] == [[customer.email]]


@pytest.fixture
def smtp_server_down(settings: Any) -> None:
    """Django's SMTP backend, pointed at a loopback port nobody listens on."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5


@pytest.mark.usefixtures("smtp_server_down")
def test_undeliverable_mail_fails_no_request_and_is_logged_without_the_link(
    deliver: Deliver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nexora.mail")

    body = {"email": "fresh@example.com", "password": STRONG_PASSWORD}
    response = deliver(lambda: ApiClient().post("/api/register/", body))

    assert assert_json(response, 201)["email"] == "fresh@example.com"
    [record] = [r for r in caplog.records if r.name == "nexora.mail"]
    assert record.levelno == logging.ERROR
    assert (record.event, record.kind, record.user_id, record.error) == (  # type: ignore[attr-defined]
        "mail_failed",
        "verify_email",
        User.objects.get().pk,
        "ConnectionRefusedError",
    )
    line = JsonFormatter().format(record)  # the line as the logs get it
    assert json.loads(line)["request_id"]  # joined to the request that queued the mail
    assert "token" not in line and "verify-email" not in line and "fresh@example.com" not in line


@pytest.mark.usefixtures("smtp_server_down")
def test_reset_request_answers_the_same_when_mail_cannot_be_sent(deliver: Deliver, db: None) -> None:
    User.objects.create_user("known@example.com", STRONG_PASSWORD)

    def ask(email: str) -> Any:
        return deliver(lambda: ApiClient().post("/api/password/reset/", {"email": email}))

    answers = [ask(email) for email in ("known@example.com", "unknown@example.com")]

    assert [(a.status_code, a.content) for a in answers] == [(202, answers[1].content)] * 2


def test_a_full_queue_drops_the_mail_and_says_so(
    customer: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A mail server that hangs must not grow a worker's memory without end."""
    release = threading.Event()
    monkeypatch.setattr(mail, "deliver", lambda composed: release.wait(5))
    tiny = mail.Sender(size=1)

    for _ in range(3):  # one in the (stuck) sender's hands, one waiting, the third has no room
        tiny.put(notifications.verification(customer))
    release.set()

    assert tiny.wait_until_sent(5)
    dropped = [r for r in caplog.records if getattr(r, "event", None) == "mail_dropped"]
    assert dropped and all(r.user_id == customer.pk for r in dropped)  # type: ignore[attr-defined]


def test_deliver_logs_the_kind_and_user_but_never_the_body(
    customer: User, mailoutbox: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nexora.mail")
    composed = notifications.password_reset(customer)

    assert mail.deliver(composed)

    [record] = [r for r in caplog.records if r.name == "nexora.mail"]
    assert (record.event, record.kind, record.user_id) == ("mail_sent", "password_reset", customer.pk)  # type: ignore[attr-defined]
    assert mail_link(django_mail.outbox[0], "reset-password")["token"] not in caplog.text


def test_within_a_request_the_mail_waits_until_the_response_is_sent(
    transactional_db: None, mailoutbox: list[Any]
) -> None:
    """Delivery never shares the CPU with the answer that caused it (the reset's timing).
    Django's own signals, as a server sends them (no test transaction to keep open here)."""
    from django.core.signals import request_finished, request_started

    user = User.objects.create_user("held@example.com", STRONG_PASSWORD)
    request_started.send(sender=None)
    try:
        notifications.verification(user).send_after_commit()  # autocommit: handed over at once
        assert mail.sender.wait_until_sent(5)
        assert mailoutbox == []
    finally:
        request_finished.send(sender=None)  # the response has been sent

    assert mail.sender.wait_until_sent(5)
    assert [message.to for message in mailoutbox] == [["held@example.com"]]


def test_mails_held_by_a_request_whose_end_was_never_signalled_go_with_the_next(
    customer: User, mailoutbox: list[Any]
) -> None:
    mail.hold_mails()
    mail.hand_over(notifications.verification(customer))
    mail.hold_mails()  # the next request on this thread begins
    try:
        assert mail.sender.wait_until_sent(5)
        assert [message.to for message in mailoutbox] == [[customer.email]]
    finally:
        mail.release_mails()
