"""A real SMTP server on loopback for the end-to-end tests: aiosmtpd keeping what a server
under test (gunicorn with EMAIL_HOST=127.0.0.1) mails, and reading the mails as their
recipient does. Used by tests/accounts/test_mail_e2e.py (over HTTP) and
tests/web/test_account_lifecycle.py (in the browser).
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from nexora_testkit.live_server import wait_until


@dataclass
class Inbox:
    """An aiosmtpd handler: keeps what it accepts; while `refusing`, answers 554 after reading the mail."""

    messages: list[EmailMessage] = field(default_factory=list)
    refused: list[EmailMessage] = field(default_factory=list)
    refusing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            if self.refusing:
                self.refused.append(message)
                return "554 5.7.1 Refused by the test"
            self.messages.append(message)
        return "250 OK"

    def wait_for(self, to: str, subject: str, refused: bool = False, timeout: float = 15) -> EmailMessage:
        """The first mail to `to` whose subject starts with `subject` (taken out of the inbox)."""
        found: list[EmailMessage] = []

        def arrived() -> bool:
            with self.lock:
                box = self.refused if refused else self.messages
                for message in box:
                    if message["To"] == to and str(message["Subject"]).startswith(subject):
                        box.remove(message)
                        found.append(message)
                        return True
            return False

        wait_until(arrived, timeout, what=f"a mail to {to} about {subject!r}")
        return found[0]


def smtp_server(inbox: Inbox, port: int) -> Controller:
    """A started aiosmtpd server on loopback (a stopped one cannot start again: make a new one)."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def text_of(message: EmailMessage) -> str:
    """The plain-text body of a mail (which has an HTML alternative too)."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and message.get_body(preferencelist=("html",)) is not None
    return str(body.get_content())


def link_in(message: EmailMessage, prefix: str) -> str:
    """The one link of a mail's text that starts with `prefix` (`http://host:port/verify-email?`)."""
    found: set[str] = {html.unescape(url) for url in re.findall(re.escape(prefix) + r"[^\s\"'<>]+", text_of(message))}
    assert len(found) == 1, (prefix, found, text_of(message))
    return found.pop()
