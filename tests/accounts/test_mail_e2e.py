"""The account lifecycle over real HTTP and real SMTP, sign-up to sessions in one walk:
`gunicorn project.wsgi` on loopback (debug off, REQUIRE_VERIFIED_EMAIL on) delivering to an
aiosmtpd server on loopback, whose messages the tests read the links from, as a user reads
them from their mailbox.

Also: an SMTP server that refuses a mail, or is down, fails no request, and the log line
that says so carries no token and no link.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from nexora_testkit.live_server import (
    ROOT,
    Gunicorn,
    Http,
    Reply,
    free_port,
    migrate,
    server_env,
    throwaway_database,
    wait_until,
)
from tests.accounts.helpers import link_query
from tests.mailbox import Inbox, smtp_server, text_of

pytestmark = pytest.mark.e2e

FRONTEND_URL = "https://app.nexora.test"
PASSWORD = "e2e-Correct-Horse-9"
NEW_PASSWORD = "e2e-Another-Horse-10"
ADMIN = "root@example.com"
REUSE_SECONDS = 2


@dataclass
class Live:
    http: Http
    inbox: Inbox
    smtp: Controller
    log: Path


def link(message: EmailMessage, route: str) -> dict[str, str]:
    return link_query(text_of(message), route, FRONTEND_URL)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    inbox = Inbox()
    smtp = smtp_server(inbox, free_port())
    folder = tmp_path_factory.mktemp("mail-e2e")
    live = None
    try:
        with throwaway_database(os.environ.get("DATABASE_URL", ""), folder, "nexora_mail_e2e") as database_url:
            env = server_env(
                database_url,
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(smtp.port),
                FRONTEND_URL=FRONTEND_URL,
                REQUIRE_VERIFIED_EMAIL="1",
                LOGIN_RATE="1000/m",
                PASSWORD_RESET_RATE="1000/h",
                REGISTER_RATE="1000/h",
                LOG_FORMAT="json",
                # Short, so the walk can reuse a rotated refresh token after the grace window.
                JWT_REFRESH_REUSE_SECONDS=str(REUSE_SECONDS),
            )
            migrate(env)
            # The first admin comes from the command line, as in a real deployment (verified by it).
            subprocess.run(
                [sys.executable, "manage.py", "createsuperuser", "--noinput"],
                cwd=ROOT,
                check=True,
                env={**env, "DJANGO_SUPERUSER_EMAIL": ADMIN, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
                stdout=subprocess.DEVNULL,
                timeout=60,
            )
            with Gunicorn(env, folder, workers=2) as gunicorn:
                live = Live(gunicorn.http, inbox, smtp, gunicorn.log)
                yield live
    finally:
        (live.smtp if live else smtp).stop()


def fresh_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def sign_up_and_verify(live: Live, address: str) -> None:
    assert live.http.call("POST", "/api/register/", {"email": address, "password": PASSWORD}).status == 201
    verification = live.inbox.wait_for(address, "Verify your email")
    assert live.http.call("POST", "/api/email/verify/", link(verification, "verify-email")).status == 200


def mail_log_lines(live: Live) -> list[dict[str, Any]]:
    lines = []
    for line in live.log.read_text(errors="replace").splitlines():
        if '"nexora.mail"' in line:
            lines.append(json.loads(line))
    return lines


# --- the walk ------------------------------------------------------------------------------------


def test_sign_up_verify_forget_reset_and_change_email_over_http_and_smtp(live: Live) -> None:
    http, inbox = live.http, live.inbox
    address = fresh_email("walk")

    registered = http.call("POST", "/api/register/", {"email": address, "password": PASSWORD})
    assert registered.status == 201 and registered.json()["email_verified"] is False
    verification = inbox.wait_for(address, "Verify your email")
    assert verification["From"] == "Nexora <no-reply@localhost>"

    refused = http.call("POST", "/api/login/", {"email": address, "password": PASSWORD})
    assert refused.status == 403 and refused.json()["code"] == "email_not_verified"
    verified = http.call("POST", "/api/email/verify/", link(verification, "verify-email"))
    assert verified.status == 200 and verified.json()["email_verified"] is True
    session = http.call("POST", "/api/login/", {"email": address, "password": PASSWORD}).json()

    # Forgot the password: the link arrives, sets a new one, and every old token dies.
    asked = http.call("POST", "/api/password/reset/", {"email": address.upper()})
    unknown = http.call("POST", "/api/password/reset/", {"email": fresh_email("nobody")})
    assert (asked.status, asked.body) == (unknown.status, unknown.body) and asked.status == 202
    reset = link(inbox.wait_for(address, "Reset your Nexora password"), "reset-password")
    assert http.call("POST", "/api/password/reset/confirm/", {**reset, "new_password": NEW_PASSWORD}).status == 204

    assert http.call("GET", "/api/profile/", token=session["access"]).status == 401
    assert http.call("POST", "/api/token/refresh/", {"refresh": session["refresh"]}).status == 401
    spent = http.call("POST", "/api/password/reset/confirm/", {**reset, "new_password": PASSWORD})
    assert spent.json()["code"] == "invalid_link"
    assert http.call("POST", "/api/login/", {"email": address, "password": PASSWORD}).status == 401
    session = http.call("POST", "/api/login/", {"email": address, "password": NEW_PASSWORD}).json()
    assert http.call("GET", "/api/profile/", token=session["access"]).status == 200

    # Change the email: a confirmation to the new address, a notice to the old one.
    new_address = fresh_email("moved")
    asked = http.call(
        "POST", "/api/profile/email/", {"new_email": new_address, "password": NEW_PASSWORD}, token=session["access"]
    )
    assert asked.status == 202
    confirmation = inbox.wait_for(new_address, "Confirm your new email address")
    notice = inbox.wait_for(address, "Your Nexora email address is about to change")
    assert new_address in text_of(notice) and "token=" not in text_of(notice)
    assert http.call("GET", "/api/profile/", token=session["access"]).json()["email"] == address

    confirmed = http.call("POST", "/api/profile/email/confirm/", link(confirmation, "confirm-email"))
    assert confirmed.status == 200
    assert (confirmed.json()["email"], confirmed.json()["email_verified"]) == (new_address, True)
    assert http.call("POST", "/api/login/", {"email": new_address, "password": NEW_PASSWORD}).status == 200
    assert http.call("POST", "/api/login/", {"email": address, "password": NEW_PASSWORD}).status == 401

    walk_sessions(http, new_address)


def walk_sessions(http: Http, address: str) -> None:
    """Two logins, list and end one; two tabs refresh at once; a late reuse ends the session."""
    end_every_session(http, address)
    laptop = log_in(http, address, "Laptop/1.0")
    phone = log_in(http, address, "Phone/2.0")

    listed = http.call("GET", "/api/sessions/", token=laptop["access"])
    assert listed.status == 200 and listed.json()["count"] == 2
    rows = {row["user_agent"]: row for row in listed.json()["items"]}
    assert set(rows) == {"Laptop/1.0", "Phone/2.0"}
    assert (rows["Laptop/1.0"]["current"], rows["Phone/2.0"]["current"]) == (True, False)
    assert rows["Laptop/1.0"]["ip"] == "127.0.0.1"

    assert http.call("DELETE", f"/api/sessions/{rows['Phone/2.0']['id']}/", token=laptop["access"]).status == 204
    ended = http.call("POST", "/api/token/refresh/", {"refresh": phone["refresh"]})
    assert ended.status == 401 and ended.json()["code"] == "not_authenticated"
    listed = http.call("GET", "/api/sessions/", token=laptop["access"]).json()
    assert [row["user_agent"] for row in listed["items"]] == ["Laptop/1.0"]

    # Two tabs refresh the same token at the same moment: both stay signed in, in one session.
    both = refresh_at_once(http, laptop["refresh"], tabs=2)
    assert [reply.status for reply in both] == [200, 200], [reply.body for reply in both]
    pairs = [reply.json() for reply in both]
    assert {claims_of(pair["access"])["sid"] for pair in pairs} == {rows["Laptop/1.0"]["id"]}
    newest = pairs[-1]["refresh"]
    assert http.call("GET", "/api/profile/", token=pairs[0]["access"]).status == 200

    # Later than the grace window, the rotated token is theft: the whole session ends.
    time.sleep(REUSE_SECONDS + 1)
    late = http.call("POST", "/api/token/refresh/", {"refresh": laptop["refresh"]})
    assert late.status == 401 and late.json()["code"] == "not_authenticated"
    for pair in pairs:
        assert http.call("POST", "/api/token/refresh/", {"refresh": pair["refresh"]}).status == 401
    assert http.call("POST", "/api/token/refresh/", {"refresh": newest}).status == 401
    remaining = log_in(http, address, "Laptop/1.0")
    assert http.call("GET", "/api/sessions/", token=remaining["access"]).json()["count"] == 1


def log_in(http: Http, address: str, user_agent: str) -> dict[str, Any]:
    reply = http.call(
        "POST", "/api/login/", {"email": address, "password": NEW_PASSWORD}, headers={"User-Agent": user_agent}
    )
    assert reply.status == 200, reply.body
    pair: dict[str, Any] = reply.json()
    return pair


def end_every_session(http: Http, address: str) -> None:
    """Log out of what the walk's earlier log-ins left, so the listing holds only new ones."""
    token = log_in(http, address, "Cleanup/0")
    for row in http.call("GET", "/api/sessions/", token=token["access"]).json()["items"]:
        assert http.call("DELETE", f"/api/sessions/{row['id']}/", token=token["access"]).status == 204


def refresh_at_once(http: Http, refresh: str, tabs: int) -> list[Reply]:
    """`tabs` refreshes of one token released together (each on its own connection)."""
    start = threading.Barrier(tabs)
    replies: list[Reply | None] = [None] * tabs

    def tab(index: int) -> None:
        start.wait()
        replies[index] = http.call("POST", "/api/token/refresh/", {"refresh": refresh})

    threads = [threading.Thread(target=tab, args=(index,)) for index in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(reply is not None for reply in replies)
    return [reply for reply in replies if reply is not None]


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the server verified it; the test reads its claims)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_admin_created_user_sets_a_password_from_the_mailed_link(live: Live) -> None:
    token = live.http.call("POST", "/api/login/", {"email": ADMIN, "password": PASSWORD}).json()["access"]

    hire = fresh_email("hire")
    created = live.http.call("POST", "/api/users/", {"email": hire, "role": "SELLER"}, token=token)
    assert created.status == 201 and created.json()["email_verified"] is False
    invitation = link(live.inbox.wait_for(hire, "Your Nexora account is ready"), "reset-password")

    confirmed = live.http.call("POST", "/api/password/reset/confirm/", {**invitation, "new_password": NEW_PASSWORD})
    assert confirmed.status == 204
    signed_in = live.http.call("POST", "/api/login/", {"email": hire, "password": NEW_PASSWORD})
    assert signed_in.status == 200 and signed_in.json()["user"]["role"] == "SELLER"


# --- a mail server that refuses, or is down --------------------------------------------------------


def test_a_refused_mail_fails_no_request_and_its_log_line_has_no_token(live: Live) -> None:
    address = fresh_email("refused")
    sign_up_and_verify(live, address)
    live.inbox.refusing = True
    try:
        asked = live.http.call("POST", "/api/password/reset/", {"email": address})
        refused = live.inbox.wait_for(address, "Reset your Nexora password", refused=True)
    finally:
        live.inbox.refusing = False

    assert asked.status == 202
    token = link(refused, "reset-password")["token"]
    wait_until(
        lambda: any(
            line["event"] == "mail_failed" and line["kind"] == "password_reset" for line in mail_log_lines(live)
        ),
        15,
        what="the mail_failed log line",
    )
    [failed] = [
        line for line in mail_log_lines(live) if line["event"] == "mail_failed" and line["kind"] == "password_reset"
    ]
    assert (failed["level"], failed["error"], failed["smtp_code"]) == ("ERROR", "SMTPDataError", 554)
    log = live.log.read_text(errors="replace")
    assert token not in log and "reset-password?" not in log and address not in log


def test_a_mail_server_that_is_down_fails_no_request(live: Live) -> None:
    address = fresh_email("down")
    sign_up_and_verify(live, address)
    failures_before = sum(line["event"] == "mail_failed" for line in mail_log_lines(live))
    live.smtp.stop()
    try:
        started = time.monotonic()
        signed_up = live.http.call("POST", "/api/register/", {"email": fresh_email("while-down"), "password": PASSWORD})
        reset = live.http.call("POST", "/api/password/reset/", {"email": address})
        unknown = live.http.call("POST", "/api/password/reset/", {"email": fresh_email("nobody")})
        took = time.monotonic() - started
        wait_until(
            lambda: sum(line["event"] == "mail_failed" for line in mail_log_lines(live)) >= failures_before + 2,
            15,
            what="two mail_failed log lines",
        )
    finally:
        live.smtp = smtp_server(live.inbox, live.smtp.port)

    assert signed_up.status == 201
    assert (reset.status, reset.body) == (unknown.status, unknown.body) == (202, unknown.body)
    assert took < 5  # nobody waited on the mail server
    failed = [line for line in mail_log_lines(live) if line["event"] == "mail_failed"][failures_before:]
    assert {line["error"] for line in failed} == {"ConnectionRefusedError"}
    assert all("token" not in json.dumps(line) and "?uid=" not in json.dumps(line) for line in failed)

    # Back up: the next mail goes out.
    assert live.http.call("POST", "/api/password/reset/", {"email": address}).status == 202
    assert live.inbox.wait_for(address, "Reset your Nexora password")
